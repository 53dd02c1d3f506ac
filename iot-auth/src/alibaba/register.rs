//! One-product-one-secret (一型一密) dynamic registration: the HTTPS request and response, the
//! MQTT registration responses, and the platform's registration policy with the vendor codes.
//!
//! The MQTT CONNECT side of registration (`authType=register` / `regnwl`, and the `connwl`
//! connection afterwards) lives in [`crate::alibaba::mqtt`].

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::alibaba::mqtt::{check_hex, registration_password};
use crate::error::{AuthError, BodyError, RegistrationCode};
use crate::ident::{
    DeviceName, ProductKey, ProductSecret, validate_device_name, validate_product_key,
};
use crate::sign::{HexCase, SignMethod};

/// Largest body accepted (bytes).
pub const MAX_BODY_LEN: usize = 8192;

/// The HTTPS registration request: `POST /auth/register/device`, form-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsRegisterRequest {
    /// Product key.
    pub product_key: String,
    /// Device name.
    pub device_name: String,
    /// The nonce.
    pub random: String,
    /// `sign`, hex.
    pub sign: String,
    /// `signMethod` as sent.
    pub sign_method: String,
}

fn form_encode(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*') {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            let _ = core::fmt::Write::write_fmt(out, format_args!("%{b:02X}"));
        }
    }
}

fn form_decode(s: &str) -> Result<String, BodyError> {
    let replaced: String = s.chars().map(|c| if c == '+' { ' ' } else { c }).collect();
    crate::azure::percent_decode(&replaced).ok_or(BodyError::InvalidForm)
}

fn valid_random(r: &str) -> bool {
    !r.is_empty() && r.len() <= 64 && r.bytes().all(|b| b.is_ascii_graphic())
}

impl HttpsRegisterRequest {
    /// Signs a request (device side). `random` must be fresh for every request
    /// ([`crate::random::registration_nonce`]).
    pub fn sign(
        product_key: &ProductKey,
        device_name: &DeviceName,
        secret: &ProductSecret,
        method: SignMethod,
        random: &str,
    ) -> Result<Self, BodyError> {
        if !valid_random(random) {
            return Err(BodyError::InvalidField("random"));
        }
        let tag = registration_password(
            secret,
            method,
            device_name.as_str(),
            product_key.as_str(),
            random,
        );
        Ok(Self {
            product_key: product_key.as_str().into(),
            device_name: device_name.as_str().into(),
            random: random.into(),
            sign: tag.to_hex(HexCase::Lower).as_str().into(),
            sign_method: method.as_str().into(),
        })
    }

    /// The `application/x-www-form-urlencoded` body.
    pub fn to_form(&self) -> String {
        let mut out = String::with_capacity(160);
        for (i, (k, v)) in [
            ("productKey", &self.product_key),
            ("deviceName", &self.device_name),
            ("random", &self.random),
            ("sign", &self.sign),
            ("signMethod", &self.sign_method),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                out.push('&');
            }
            out.push_str(k);
            out.push('=');
            form_encode(&mut out, v);
        }
        out
    }

    /// Parses a form body (platform side). Unknown fields are ignored; the five known ones are
    /// required once each.
    pub fn parse(body: &[u8]) -> Result<Self, BodyError> {
        if body.len() > MAX_BODY_LEN {
            return Err(BodyError::TooLarge(body.len()));
        }
        let text = core::str::from_utf8(body).map_err(|_| BodyError::InvalidForm)?;
        let mut fields: [Option<String>; 5] = Default::default();
        const NAMES: [&str; 5] = ["productKey", "deviceName", "random", "sign", "signMethod"];
        for pair in text.trim_end_matches(['\r', '\n']).split('&') {
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair.split_once('=').ok_or(BodyError::InvalidForm)?;
            let k = form_decode(k)?;
            if let Some(i) = NAMES.iter().position(|n| *n == k) {
                if fields[i].is_some() {
                    return Err(BodyError::DuplicateField(NAMES[i]));
                }
                fields[i] = Some(form_decode(v)?);
            }
        }
        let [pk, dn, random, sign, method] = fields;
        let pk = pk.ok_or(BodyError::MissingField("productKey"))?;
        let dn = dn.ok_or(BodyError::MissingField("deviceName"))?;
        let random = random.ok_or(BodyError::MissingField("random"))?;
        let sign = sign.ok_or(BodyError::MissingField("sign"))?;
        let method = method.ok_or(BodyError::MissingField("signMethod"))?;
        validate_product_key(&pk).map_err(|_| BodyError::InvalidField("productKey"))?;
        validate_device_name(&dn).map_err(|_| BodyError::InvalidField("deviceName"))?;
        if !valid_random(&random) {
            return Err(BodyError::InvalidField("random"));
        }
        Ok(Self {
            product_key: pk,
            device_name: dn,
            random,
            sign,
            sign_method: method,
        })
    }

    /// Verifies `sign` with the product secret (sign method names are case-insensitive:
    /// the documentation's sample sends `HmacMD5`).
    pub fn verify(&self, secret: &ProductSecret) -> Result<(), AuthError> {
        let method =
            SignMethod::from_name(&self.sign_method).ok_or(AuthError::UnsupportedSignMethod)?;
        let tag = registration_password(
            secret,
            method,
            &self.device_name,
            &self.product_key,
            &self.random,
        );
        check_hex(&tag, self.sign.as_bytes(), method)
    }
}

/// The vendor code a registration rejection is answered with.
pub fn code_for(e: &AuthError) -> RegistrationCode {
    match e {
        AuthError::UnsupportedSignMethod => RegistrationCode::SignMethodNotSupported,
        AuthError::SignatureMismatch | AuthError::MalformedSignature { .. } => {
            RegistrationCode::SignatureInvalid
        }
        AuthError::UnknownDevice => RegistrationCode::ProductNotFound,
        AuthError::Registration(c) => *c,
        _ => RegistrationCode::ParamError,
    }
}

/// The credentials a successful registration hands out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredDevice {
    /// Product key.
    #[serde(rename = "productKey")]
    pub product_key: String,
    /// Device name.
    #[serde(rename = "deviceName")]
    pub device_name: String,
    /// The device secret (`register`).
    #[serde(
        rename = "deviceSecret",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_secret: Option<String>,
    /// The client id to connect with (`regnwl`).
    #[serde(rename = "clientId", default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The device token to connect with (`regnwl`).
    #[serde(
        rename = "deviceToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_token: Option<String>,
}

impl core::fmt::Debug for RegisteredDevice {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegisteredDevice")
            .field("product_key", &self.product_key)
            .field("device_name", &self.device_name)
            .field("client_id", &self.client_id)
            .field(
                "device_secret",
                &self.device_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "device_token",
                &self.device_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Drop for RegisteredDevice {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.device_secret.zeroize();
        self.device_token.zeroize();
    }
}

impl RegisteredDevice {
    /// The MQTT topic the platform publishes this on: `/ext/register` for a device secret,
    /// `/ext/regnwl` for a device token.
    pub fn mqtt_topic(&self) -> &'static str {
        if self.device_token.is_some() {
            "/ext/regnwl"
        } else {
            "/ext/register"
        }
    }

    /// The MQTT response payload (`/ext/register` or `/ext/regnwl`).
    pub fn to_mqtt_payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses an `/ext/register` or `/ext/regnwl` payload (device side).
    pub fn parse_mqtt_payload(payload: &[u8]) -> Result<Self, BodyError> {
        if payload.len() > MAX_BODY_LEN {
            return Err(BodyError::TooLarge(payload.len()));
        }
        let r: Self = serde_json::from_slice(payload).map_err(|_| BodyError::InvalidJson)?;
        r.check()?;
        Ok(r)
    }

    fn check(&self) -> Result<(), BodyError> {
        validate_product_key(&self.product_key)
            .map_err(|_| BodyError::InvalidField("productKey"))?;
        validate_device_name(&self.device_name)
            .map_err(|_| BodyError::InvalidField("deviceName"))?;
        match (&self.device_secret, &self.device_token) {
            (Some(_), None) => Ok(()),
            (None, Some(_)) if self.client_id.is_some() => Ok(()),
            (None, Some(_)) => Err(BodyError::MissingField("clientId")),
            (None, None) => Err(BodyError::MissingField("deviceSecret")),
            (Some(_), Some(_)) => Err(BodyError::InvalidField("deviceToken")),
        }
    }

    /// The HTTPS response body: `{"code":200,"data":{…},"message":"success"}`.
    pub fn to_https_response(&self) -> String {
        #[derive(Serialize)]
        struct Resp<'a> {
            code: u32,
            data: &'a RegisteredDevice,
            message: &'a str,
        }
        serde_json::to_string(&Resp {
            code: 200,
            data: self,
            message: "success",
        })
        .unwrap_or_default()
    }
}

/// An HTTPS registration error body: `{"code":…,"message":"…"}`.
pub fn https_error_response(code: RegistrationCode) -> String {
    #[derive(Serialize)]
    struct Resp {
        code: u32,
        message: String,
    }
    serde_json::to_string(&Resp {
        code: code.code(),
        message: alloc::format!("{code}"),
    })
    .unwrap_or_default()
}

/// Parses an HTTPS registration response (device side): the credentials or the typed code.
pub fn parse_https_response(
    body: &[u8],
) -> Result<Result<RegisteredDevice, RegistrationCode>, BodyError> {
    #[derive(Deserialize)]
    struct Resp {
        code: u32,
        #[serde(default)]
        data: Option<RegisteredDevice>,
    }
    if body.len() > MAX_BODY_LEN {
        return Err(BodyError::TooLarge(body.len()));
    }
    let r: Resp = serde_json::from_slice(body).map_err(|_| BodyError::InvalidJson)?;
    match (RegistrationCode::from_code(r.code), r.data) {
        (RegistrationCode::Success, Some(d)) => {
            d.check()?;
            Ok(Ok(d))
        }
        (RegistrationCode::Success, None) => Err(BodyError::MissingField("data")),
        (code, _) => Ok(Err(code)),
    }
}

/// What a device asks registration for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegisterKind {
    /// A device secret (HTTPS, or MQTT `authType=register`).
    Secret,
    /// A device token without pre-registration (MQTT `authType=regnwl`).
    NoWhitelist,
}

/// What the platform knows about a device name when a registration arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceRegistrationState {
    /// The name is not known.
    Unknown,
    /// Pre-registered (created in the console/API) or registered, but never connected.
    NotActivated,
    /// The device has connected with its credentials: re-registration needs `ResetThing`.
    Activated,
}

/// A product's dynamic-registration policy (platform side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationPolicy {
    enabled: bool,
    require_preregistration: bool,
    allow_no_whitelist: bool,
    sign_methods: Vec<SignMethod>,
}

impl Default for RegistrationPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RegistrationPolicy {
    /// Enabled, device names must be pre-registered, `regnwl` off, every sign method allowed.
    pub fn new() -> Self {
        Self {
            enabled: true,
            require_preregistration: true,
            allow_no_whitelist: false,
            sign_methods: SignMethod::ALL.to_vec(),
        }
    }

    /// Turns dynamic registration on or off for the product (off answers 6288).
    pub fn enabled(&mut self, yes: bool) -> &mut Self {
        self.enabled = yes;
        self
    }

    /// Whether a device name must exist before it may register a secret.
    pub fn require_preregistration(&mut self, yes: bool) -> &mut Self {
        self.require_preregistration = yes;
        self
    }

    /// Whether pre-registration-free registration (`regnwl`) is allowed.
    pub fn allow_no_whitelist(&mut self, yes: bool) -> &mut Self {
        self.allow_no_whitelist = yes;
        self
    }

    /// Restricts the accepted sign methods (others answer 6292).
    pub fn sign_methods(&mut self, methods: &[SignMethod]) -> &mut Self {
        self.sign_methods = methods.to_vec();
        self
    }

    /// Checks a sign method.
    pub fn check_method(&self, method: SignMethod) -> Result<(), RegistrationCode> {
        if self.sign_methods.contains(&method) {
            Ok(())
        } else {
            Err(RegistrationCode::SignMethodNotSupported)
        }
    }

    /// Decides a registration whose signature already verified. Re-registration of a device
    /// that never activated is allowed (the latest secret wins); an activated device gets 6289.
    pub fn decide(
        &self,
        kind: RegisterKind,
        state: DeviceRegistrationState,
    ) -> Result<(), RegistrationCode> {
        if !self.enabled {
            return Err(RegistrationCode::DynamicRegistrationDisabled);
        }
        match (kind, state) {
            (_, DeviceRegistrationState::Activated) => {
                Err(RegistrationCode::DeviceAlreadyActivated)
            }
            (RegisterKind::NoWhitelist, _) if !self.allow_no_whitelist => {
                Err(RegistrationCode::DynamicRegistrationDisabled)
            }
            (RegisterKind::Secret, DeviceRegistrationState::Unknown)
                if self.require_preregistration =>
            {
                Err(RegistrationCode::DeviceNotFound)
            }
            _ => Ok(()),
        }
    }
}
