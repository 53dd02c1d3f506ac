//! Alibaba MQTT CONNECT credentials: the client id with its `|key=value,…|` extension, the user
//! name `deviceName&productKey`, and the password (hex HMAC over the sorted content).
//!
//! Device side: [`MqttSignOptions`] + [`sign_mqtt`] (or the allocation-free [`mqtt_password`]).
//! Platform side: [`parse_connect`] classifies a CONNECT into one-device-one-secret,
//! dynamic registration or token connect, and each kind verifies against a [`VerifyPolicy`]
//! with a typed reason for every rejection.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::fmt::Write as _;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{AuthError, ClientIdError, KnownParam};
use crate::ident::{
    ClientId, DeviceName, DeviceSecret, ProductKey, ProductSecret, validate_client_id,
    validate_device_name, validate_product_key,
};
use crate::sign::{HexCase, PreparedKey, SignMethod, Tag, ct_eq, sign_params};
use crate::time::UnixMillis;

/// Longest MQTT client id this crate parses (bytes); MQTT itself allows 65535.
pub const MAX_CLIENT_ID_LEN: usize = 1024;
/// Most extension parameters this crate parses.
pub const MAX_PARAMS: usize = 32;

/// The `securemode` extension parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecureMode {
    /// `2`: TLS direct connection (also old-instance MQTT dynamic registration).
    Tls,
    /// `3`: plain TCP direct connection.
    Tcp,
    /// `-1`: TLS "guider" / pre-authentication.
    TlsGuider,
    /// `-2`: one-product-one-secret on new public and enterprise instances (registration and
    /// `connwl`).
    ProductSecret,
    /// `8`: iTLS with ID².
    ItlsId2,
}

impl SecureMode {
    /// The numeric wire value.
    pub const fn code(self) -> i32 {
        match self {
            Self::Tls => 2,
            Self::Tcp => 3,
            Self::TlsGuider => -1,
            Self::ProductSecret => -2,
            Self::ItlsId2 => 8,
        }
    }

    /// The mode for a wire value.
    pub const fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            2 => Self::Tls,
            3 => Self::Tcp,
            -1 => Self::TlsGuider,
            -2 => Self::ProductSecret,
            8 => Self::ItlsId2,
            _ => return None,
        })
    }

    const fn bit(self) -> u8 {
        match self {
            Self::Tls => 1,
            Self::Tcp => 2,
            Self::TlsGuider => 4,
            Self::ProductSecret => 8,
            Self::ItlsId2 => 16,
        }
    }
}

/// The `authType` extension parameter (one-product-one-secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthType {
    /// `register`: registration of a pre-registered device; returns a device secret.
    Register,
    /// `regnwl`: pre-registration-free registration; returns a client id and device token.
    RegisterNoWhitelist,
    /// `connwl`: connection of a pre-registration-free device with its device token.
    ConnectNoWhitelist,
}

impl AuthType {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::RegisterNoWhitelist => "regnwl",
            Self::ConnectNoWhitelist => "connwl",
        }
    }

    fn from_str(s: &str) -> Option<Self> {
        match s {
            "register" => Some(Self::Register),
            "regnwl" => Some(Self::RegisterNoWhitelist),
            "connwl" => Some(Self::ConnectNoWhitelist),
            _ => None,
        }
    }
}

/// A parsed Alibaba MQTT client id, `clientId|key=value,…|`, borrowing the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttClientId<'a> {
    client_id: &'a str,
    ext: &'a str,
    secure_mode: Option<SecureMode>,
    sign_method: Option<&'a str>,
    timestamp: Option<(&'a str, u64)>,
    auth_type: Option<AuthType>,
    random: Option<&'a str>,
    instance_id: Option<&'a str>,
}

const KEY: u8 = 1;
const VALUE: u8 = 2;

/// Byte classes of the extension grammar: `KEY` = `[A-Za-z0-9_]`, `VALUE` = printable ASCII
/// except `|` and `,`.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c: u8 = 0;
    loop {
        let b = c as usize;
        if c.is_ascii_alphanumeric() || c == b'_' {
            t[b] |= KEY;
        }
        if c.is_ascii_graphic() && c != b'|' && c != b',' {
            t[b] |= VALUE;
        }
        if c == u8::MAX {
            break;
        }
        c += 1;
    }
    t
};

fn valid_param_key(k: &str) -> bool {
    !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn valid_param_value(v: &str) -> bool {
    v.bytes()
        .all(|b| b.is_ascii_graphic() && b != b'|' && b != b',')
}

fn set_once<T>(slot: &mut Option<T>, v: T, k: KnownParam) -> Result<(), ClientIdError> {
    if slot.is_some() {
        return Err(ClientIdError::DuplicateParameter(k));
    }
    *slot = Some(v);
    Ok(())
}

impl<'a> MqttClientId<'a> {
    /// Parses `clientId|key=value,…|`.
    ///
    /// Rules: exactly one `|…|` segment, at the end; `key=value` pairs separated by commas, one
    /// trailing comma tolerated (the Link SDK emits `…,|`); keys are `[A-Za-z0-9_]+`; known keys
    /// appear at most once and have valid values; at most [`MAX_PARAMS`] parameters.
    /// `signmethod` is kept as text: an unknown method is an authentication failure
    /// ([`AuthError::UnsupportedSignMethod`]), not a syntax error.
    pub fn parse(s: &'a str) -> Result<Self, ClientIdError> {
        if s.len() > MAX_CLIENT_ID_LEN {
            return Err(ClientIdError::TooLong(s.len()));
        }
        let Some(bar) = s.find('|') else {
            return Err(ClientIdError::MissingExtension);
        };
        let client_id = &s[..bar];
        let rest = &s[bar + 1..];
        let Some(ext) = rest.strip_suffix('|') else {
            return Err(ClientIdError::BadDelimiters);
        };
        if ext.contains('|') {
            return Err(ClientIdError::BadDelimiters);
        }
        validate_client_id(client_id).map_err(ClientIdError::ClientId)?;
        let mut out = Self {
            client_id,
            ext,
            secure_mode: None,
            sign_method: None,
            timestamp: None,
            auth_type: None,
            random: None,
            instance_id: None,
        };
        let mut count = 0usize;
        let mut unknown: [&str; MAX_PARAMS] = [""; MAX_PARAMS];
        let mut n_unknown = 0usize;
        let bytes = ext.as_bytes();
        let mut at = 0usize;
        while at <= bytes.len() {
            // One segment: bytes[at..end], `eq` the first '=' in it.
            let mut end = at;
            let mut eq = None;
            // One pass: find the end and the first '=', and check the key and value bytes.
            let mut valid = true;
            while end < bytes.len() {
                let b = bytes[end];
                if b == b',' {
                    break;
                }
                let class = CLASS[usize::from(b)];
                if eq.is_none() {
                    if b == b'=' {
                        eq = Some(end);
                    } else {
                        valid &= class & KEY != 0;
                    }
                } else {
                    valid &= class & VALUE != 0;
                }
                end += 1;
            }
            let seg_at = at;
            at = end + 1;
            if end == seg_at {
                // Only a trailing comma (or an empty list) is tolerated.
                if end == bytes.len() {
                    break;
                }
                return Err(ClientIdError::EmptyParameter { at: seg_at });
            }
            count += 1;
            if count > MAX_PARAMS {
                return Err(ClientIdError::TooManyParameters);
            }
            let Some(eq) = eq else {
                return Err(ClientIdError::MalformedParameter { at: seg_at });
            };
            // Both cuts are at ASCII bytes, so they are char boundaries.
            let (Some(k), Some(v)) = (ext.get(seg_at..eq), ext.get(eq + 1..end)) else {
                return Err(ClientIdError::MalformedParameter { at: seg_at });
            };
            if !valid || k.is_empty() {
                return Err(ClientIdError::MalformedParameter { at: seg_at });
            }
            match k {
                "securemode" => {
                    let code: i32 = v
                        .parse()
                        .map_err(|_| ClientIdError::InvalidValue(KnownParam::SecureMode))?;
                    let mode = SecureMode::from_code(code)
                        .ok_or(ClientIdError::UnknownSecureMode(code))?;
                    set_once(&mut out.secure_mode, mode, KnownParam::SecureMode)?;
                }
                "signmethod" => {
                    if v.is_empty() {
                        return Err(ClientIdError::InvalidValue(KnownParam::SignMethod));
                    }
                    set_once(&mut out.sign_method, v, KnownParam::SignMethod)?;
                }
                "timestamp" => {
                    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(ClientIdError::InvalidValue(KnownParam::Timestamp));
                    }
                    let ms: u64 = v
                        .parse()
                        .map_err(|_| ClientIdError::InvalidValue(KnownParam::Timestamp))?;
                    set_once(&mut out.timestamp, (v, ms), KnownParam::Timestamp)?;
                }
                "authType" => {
                    let t = AuthType::from_str(v).ok_or(ClientIdError::UnknownAuthType)?;
                    set_once(&mut out.auth_type, t, KnownParam::AuthType)?;
                }
                "random" => {
                    if v.is_empty() || v.len() > 64 {
                        return Err(ClientIdError::InvalidValue(KnownParam::Random));
                    }
                    set_once(&mut out.random, v, KnownParam::Random)?;
                }
                "instanceId" => {
                    if v.is_empty() || v.len() > 64 {
                        return Err(ClientIdError::InvalidValue(KnownParam::InstanceId));
                    }
                    set_once(&mut out.instance_id, v, KnownParam::InstanceId)?;
                }
                _ => {
                    // Unknown keys: only reject duplicates (bounded by MAX_PARAMS).
                    if unknown[..n_unknown].contains(&k) {
                        return Err(ClientIdError::DuplicateParameter(KnownParam::Other));
                    }
                    if let Some(slot) = unknown.get_mut(n_unknown) {
                        *slot = k;
                        n_unknown += 1;
                    }
                }
            }
        }
        Ok(out)
    }

    /// The signed client id (before the first `|`).
    pub fn client_id(&self) -> &'a str {
        self.client_id
    }

    /// The raw extension text between the `|`s.
    pub fn extension(&self) -> &'a str {
        self.ext
    }

    /// `securemode`, if sent.
    pub fn secure_mode(&self) -> Option<SecureMode> {
        self.secure_mode
    }

    /// `signmethod` as sent.
    pub fn sign_method_name(&self) -> Option<&'a str> {
        self.sign_method
    }

    /// `signmethod` resolved. Absent means `hmacmd5` (the documented default).
    pub fn sign_method(&self) -> Result<SignMethod, AuthError> {
        match self.sign_method {
            None => Ok(SignMethod::HmacMd5),
            Some(m) => SignMethod::from_name(m).ok_or(AuthError::UnsupportedSignMethod),
        }
    }

    /// `timestamp` as sent (the signed text).
    pub fn timestamp_text(&self) -> Option<&'a str> {
        self.timestamp.map(|t| t.0)
    }

    /// `timestamp` in Unix milliseconds.
    pub fn timestamp(&self) -> Option<UnixMillis> {
        self.timestamp.map(|t| UnixMillis(t.1))
    }

    /// `authType`, if sent.
    pub fn auth_type(&self) -> Option<AuthType> {
        self.auth_type
    }

    /// `random`, if sent.
    pub fn random(&self) -> Option<&'a str> {
        self.random
    }

    /// `instanceId`, if sent.
    pub fn instance_id(&self) -> Option<&'a str> {
        self.instance_id
    }

    /// Every `key=value` parameter in order (the known ones included).
    pub fn params(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.ext
            .split(',')
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.split_once('='))
    }

    /// The value of one parameter.
    pub fn param(&self, key: &str) -> Option<&'a str> {
        self.params().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// Parses the MQTT user name `deviceName&productKey` into (device name, product key).
pub fn parse_username(username: &str) -> Result<(&str, &str), ClientIdError> {
    let (dn, pk) = username
        .split_once('&')
        .ok_or(ClientIdError::MalformedUsername)?;
    if pk.contains('&') {
        return Err(ClientIdError::MalformedUsername);
    }
    validate_device_name(dn).map_err(ClientIdError::Username)?;
    validate_product_key(pk).map_err(ClientIdError::Username)?;
    Ok((dn, pk))
}

/// The MQTT password of one-device-one-secret, without allocating: HMAC over
/// `clientId{cid}deviceName{dn}productKey{pk}[timestamp{ts}]` keyed with the device secret.
pub fn mqtt_password(
    secret: &DeviceSecret,
    method: SignMethod,
    client_id: &str,
    device_name: &str,
    product_key: &str,
    timestamp: Option<&str>,
) -> Tag {
    crate::sign::sign_mqtt_content(
        method,
        secret.expose().as_bytes(),
        client_id,
        device_name,
        product_key,
        timestamp,
    )
}

/// [`mqtt_password`] with a [`PreparedKey`] made from the device secret.
pub fn mqtt_password_prepared(
    key: &PreparedKey,
    method: SignMethod,
    client_id: &str,
    device_name: &str,
    product_key: &str,
    timestamp: Option<&str>,
) -> Tag {
    key.sign_mqtt_content(method, client_id, device_name, product_key, timestamp)
}

/// The MQTT password of dynamic registration: HMAC over
/// `deviceName{dn}productKey{pk}random{random}` keyed with the product secret.
pub fn registration_password(
    secret: &ProductSecret,
    method: SignMethod,
    device_name: &str,
    product_key: &str,
    random: &str,
) -> Tag {
    sign_params(
        method,
        secret.expose().as_bytes(),
        &[
            ("deviceName", device_name),
            ("productKey", product_key),
            ("random", random),
        ],
    )
}

/// The three CONNECT fields. The password is zeroized on drop and redacted in `Debug`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MqttCredentials {
    /// MQTT client identifier.
    pub client_id: String,
    /// MQTT user name.
    pub username: String,
    /// MQTT password.
    pub password: String,
}

impl fmt::Debug for MqttCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MqttCredentials")
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Device-side options for one-device-one-secret CONNECT credentials.
#[derive(Debug, Clone)]
pub struct MqttSignOptions {
    client_id: Option<ClientId>,
    secure_mode: SecureMode,
    sign_method: SignMethod,
    timestamp: Option<u64>,
    hex_case: HexCase,
    extra: Vec<(String, String)>,
}

impl Default for MqttSignOptions {
    fn default() -> Self {
        Self::new()
    }
}

const RESERVED: [&str; 6] = [
    "securemode",
    "signmethod",
    "timestamp",
    "authType",
    "random",
    "instanceId",
];

impl MqttSignOptions {
    /// TLS (`securemode=2`), `hmacsha256`, no timestamp, client id `{pk}.{dn}`, lowercase hex.
    pub fn new() -> Self {
        Self {
            client_id: None,
            secure_mode: SecureMode::Tls,
            sign_method: SignMethod::HmacSha256,
            timestamp: None,
            hex_case: HexCase::Lower,
            extra: Vec::new(),
        }
    }

    /// Sets the signed client id (default `{productKey}.{deviceName}`).
    pub fn client_id(&mut self, id: ClientId) -> &mut Self {
        self.client_id = Some(id);
        self
    }

    /// Sets `securemode`.
    pub fn secure_mode(&mut self, mode: SecureMode) -> &mut Self {
        self.secure_mode = mode;
        self
    }

    /// Sets `signmethod`.
    pub fn sign_method(&mut self, method: SignMethod) -> &mut Self {
        self.sign_method = method;
        self
    }

    /// Sets the signed `timestamp` (Unix ms), or none.
    pub fn timestamp(&mut self, ts: Option<UnixMillis>) -> &mut Self {
        self.timestamp = ts.map(|t| t.0);
        self
    }

    /// Sets the hex case of the password.
    pub fn hex_case(&mut self, case: HexCase) -> &mut Self {
        self.hex_case = case;
        self
    }

    /// Adds an unsigned extension parameter (`_v`, `lan`, `gw`, `ext`, `_ss`, `v`, …).
    ///
    /// Keys must be `[A-Za-z0-9_]+` and not one of the parameters this type sets itself; values
    /// printable ASCII without `|` or `,`.
    pub fn extra(&mut self, key: &str, value: &str) -> Result<&mut Self, ClientIdError> {
        let at = self.extra.len();
        if !valid_param_key(key) || !valid_param_value(value) {
            return Err(ClientIdError::MalformedParameter { at });
        }
        if RESERVED.contains(&key) || self.extra.iter().any(|(k, _)| k == key) {
            return Err(ClientIdError::DuplicateParameter(KnownParam::Other));
        }
        if self.extra.len() + 4 >= MAX_PARAMS {
            return Err(ClientIdError::TooManyParameters);
        }
        self.extra.push((key.into(), value.into()));
        Ok(self)
    }
}

/// Produces one-device-one-secret CONNECT credentials (device side).
pub fn sign_mqtt(
    product_key: &ProductKey,
    device_name: &DeviceName,
    secret: &DeviceSecret,
    options: &MqttSignOptions,
) -> Result<MqttCredentials, ClientIdError> {
    let default_id;
    let cid = match &options.client_id {
        Some(c) => c,
        None => {
            default_id =
                ClientId::from_device(product_key, device_name).map_err(ClientIdError::ClientId)?;
            &default_id
        }
    };
    let mut ts_buf = itoa_buf(0);
    let ts = options.timestamp.map(|t| {
        ts_buf = itoa_buf(t);
        ts_buf.as_str()
    });
    let tag = mqtt_password(
        secret,
        options.sign_method,
        cid.as_str(),
        device_name.as_str(),
        product_key.as_str(),
        ts,
    );
    let mut client_id = String::with_capacity(cid.as_str().len() + 80);
    client_id.push_str(cid.as_str());
    // Writing to a String cannot fail.
    let _ = write!(
        client_id,
        "|securemode={},signmethod={}",
        options.secure_mode.code(),
        options.sign_method.as_str()
    );
    if let Some(ts) = ts {
        let _ = write!(client_id, ",timestamp={ts}");
    }
    for (k, v) in &options.extra {
        let _ = write!(client_id, ",{k}={v}");
    }
    client_id.push('|');
    if client_id.len() > MAX_CLIENT_ID_LEN {
        return Err(ClientIdError::TooLong(client_id.len()));
    }
    Ok(MqttCredentials {
        client_id,
        username: username(device_name.as_str(), product_key.as_str()),
        password: tag.to_hex(options.hex_case).as_str().into(),
    })
}

fn username(dn: &str, pk: &str) -> String {
    let mut u = String::with_capacity(dn.len() + pk.len() + 1);
    u.push_str(dn);
    u.push('&');
    u.push_str(pk);
    u
}

/// Decimal text of a u64 on the stack.
#[derive(Clone, Copy)]
pub(crate) struct ItoaBuf {
    buf: [u8; 20],
    start: u8,
}

impl ItoaBuf {
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[usize::from(self.start)..]).unwrap_or("0")
    }
}

pub(crate) fn itoa_buf(mut v: u64) -> ItoaBuf {
    let mut buf = [0u8; 20];
    let mut i = 20;
    loop {
        i -= 1;
        buf[i] = b'0' + u8::try_from(v % 10).unwrap_or(0);
        v /= 10;
        if v == 0 {
            break;
        }
    }
    ItoaBuf {
        buf,
        start: u8::try_from(i).unwrap_or(0),
    }
}

/// The platform's verification policy for Alibaba credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    window_ms: Option<u64>,
    require_timestamp: bool,
    methods: u8,
    modes: u8,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifyPolicy {
    /// Every sign method and secure mode allowed; timestamps optional and not checked against
    /// the clock (the official C SDKs send the fixed timestamp `2524608000000`, year 2050).
    pub fn new() -> Self {
        Self {
            window_ms: None,
            require_timestamp: false,
            methods: 0b111,
            modes: 0x1f,
        }
    }

    /// Rejects timestamps further than `window_ms` from `now` (either direction) with
    /// [`AuthError::StaleTimestamp`]. `None` disables the check.
    pub fn timestamp_window_ms(&mut self, window_ms: Option<u64>) -> &mut Self {
        self.window_ms = window_ms;
        self
    }

    /// Rejects credentials without a timestamp ([`AuthError::MissingTimestamp`]).
    pub fn require_timestamp(&mut self, yes: bool) -> &mut Self {
        self.require_timestamp = yes;
        self
    }

    /// Allows or forbids a sign method (forbidden ones give
    /// [`AuthError::UnsupportedSignMethod`]).
    pub fn allow_sign_method(&mut self, method: SignMethod, allow: bool) -> &mut Self {
        let bit = match method {
            SignMethod::HmacMd5 => 1,
            SignMethod::HmacSha1 => 2,
            SignMethod::HmacSha256 => 4,
        };
        if allow {
            self.methods |= bit;
        } else {
            self.methods &= !bit;
        }
        self
    }

    /// Allows or forbids a secure mode ([`AuthError::SecureModeNotAllowed`]).
    pub fn allow_secure_mode(&mut self, mode: SecureMode, allow: bool) -> &mut Self {
        if allow {
            self.modes |= mode.bit();
        } else {
            self.modes &= !mode.bit();
        }
        self
    }

    /// Checks a sign method against the policy.
    pub fn check_method(&self, method: SignMethod) -> Result<(), AuthError> {
        let bit = match method {
            SignMethod::HmacMd5 => 1,
            SignMethod::HmacSha1 => 2,
            SignMethod::HmacSha256 => 4,
        };
        if self.methods & bit == 0 {
            return Err(AuthError::UnsupportedSignMethod);
        }
        Ok(())
    }

    /// Checks a secure mode (absent is accepted) against the policy.
    pub fn check_mode(&self, mode: Option<SecureMode>) -> Result<(), AuthError> {
        match mode {
            Some(m) if self.modes & m.bit() == 0 => Err(AuthError::SecureModeNotAllowed),
            _ => Ok(()),
        }
    }

    /// Checks a timestamp against the policy and `now`.
    pub fn check_timestamp(
        &self,
        ts: Option<UnixMillis>,
        now: UnixMillis,
    ) -> Result<(), AuthError> {
        match (ts, self.window_ms) {
            (None, _) if self.require_timestamp => Err(AuthError::MissingTimestamp),
            (Some(ts), Some(window_ms)) if ts.abs_diff(now) > window_ms => {
                Err(AuthError::StaleTimestamp {
                    timestamp: ts.0,
                    now: now.0,
                    window_ms,
                })
            }
            _ => Ok(()),
        }
    }
}

/// Checks a hex signature (either case) against the expected tag.
pub(crate) fn check_hex(expected: &Tag, got: &[u8], method: SignMethod) -> Result<(), AuthError> {
    match expected.ct_eq_hex(got) {
        None => Err(AuthError::MalformedSignature {
            expected_hex_len: method.output_len() * 2,
        }),
        Some(true) => Ok(()),
        Some(false) => Err(AuthError::SignatureMismatch),
    }
}

/// A CONNECT classified by what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MqttAuthRequest<'a> {
    /// One-device-one-secret (no `authType`): verify with the device secret.
    DeviceSecret(SecretConnect<'a>),
    /// Dynamic registration (`authType=register` or `regnwl`): verify with the product secret.
    Register(RegisterConnect<'a>),
    /// Pre-registration-free connection (`authType=connwl`): the password is the device token.
    Token(TokenConnect<'a>),
}

impl<'a> MqttAuthRequest<'a> {
    /// The product key from the user name.
    pub fn product_key(&self) -> &'a str {
        match self {
            Self::DeviceSecret(c) => c.product_key,
            Self::Register(c) => c.product_key,
            Self::Token(c) => c.product_key,
        }
    }

    /// The device name from the user name.
    pub fn device_name(&self) -> &'a str {
        match self {
            Self::DeviceSecret(c) => c.device_name,
            Self::Register(c) => c.device_name,
            Self::Token(c) => c.device_name,
        }
    }
}

/// Parses and classifies the three CONNECT fields (platform side). Allocation-free.
pub fn parse_connect<'a>(
    client_id: &'a str,
    username: &'a str,
    password: &'a [u8],
) -> Result<MqttAuthRequest<'a>, AuthError> {
    let client = MqttClientId::parse(client_id)?;
    let (device_name, product_key) = parse_username(username)?;
    Ok(match client.auth_type {
        None => MqttAuthRequest::DeviceSecret(SecretConnect {
            client,
            device_name,
            product_key,
            password,
        }),
        Some(AuthType::Register | AuthType::RegisterNoWhitelist) => {
            if client.random.is_none() {
                return Err(ClientIdError::MissingParameter(KnownParam::Random).into());
            }
            MqttAuthRequest::Register(RegisterConnect {
                client,
                device_name,
                product_key,
                password,
            })
        }
        Some(AuthType::ConnectNoWhitelist) => MqttAuthRequest::Token(TokenConnect {
            client,
            device_name,
            product_key,
            password,
        }),
    })
}

/// A one-device-one-secret CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretConnect<'a> {
    /// The parsed client id.
    pub client: MqttClientId<'a>,
    /// The device name from the user name.
    pub device_name: &'a str,
    /// The product key from the user name.
    pub product_key: &'a str,
    password: &'a [u8],
}

impl SecretConnect<'_> {
    /// Verifies the password with the device's secret, under `policy`, at `now`.
    ///
    /// Checks in order: sign method (known and allowed), secure mode, timestamp presence and
    /// window, then the signature in constant time (hex of either case).
    pub fn verify(
        &self,
        secret: &DeviceSecret,
        policy: &VerifyPolicy,
        now: UnixMillis,
    ) -> Result<(), AuthError> {
        self.verify_with(policy, now, |method, cid, dn, pk, ts| {
            mqtt_password(secret, method, cid, dn, pk, ts)
        })
    }

    /// [`SecretConnect::verify`] with the device secret's [`PreparedKey`] (a platform that
    /// caches prepared keys saves the HMAC key schedule on every CONNECT).
    pub fn verify_prepared(
        &self,
        key: &PreparedKey,
        policy: &VerifyPolicy,
        now: UnixMillis,
    ) -> Result<(), AuthError> {
        self.verify_with(policy, now, |method, cid, dn, pk, ts| {
            mqtt_password_prepared(key, method, cid, dn, pk, ts)
        })
    }

    /// The policy checks, then the signature made by `sign` (client id, device name, product
    /// key, timestamp) compared in constant time.
    #[inline(always)]
    fn verify_with(
        &self,
        policy: &VerifyPolicy,
        now: UnixMillis,
        sign: impl FnOnce(SignMethod, &str, &str, &str, Option<&str>) -> Tag,
    ) -> Result<(), AuthError> {
        let method = self.client.sign_method()?;
        policy.check_method(method)?;
        policy.check_mode(self.client.secure_mode)?;
        policy.check_timestamp(self.client.timestamp(), now)?;
        let expected = sign(
            method,
            self.client.client_id,
            self.device_name,
            self.product_key,
            self.client.timestamp_text(),
        );
        check_hex(&expected, self.password, method)
    }
}

/// A dynamic-registration CONNECT (`authType=register` / `regnwl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterConnect<'a> {
    /// The parsed client id.
    pub client: MqttClientId<'a>,
    /// The device name from the user name.
    pub device_name: &'a str,
    /// The product key from the user name.
    pub product_key: &'a str,
    password: &'a [u8],
}

impl RegisterConnect<'_> {
    /// Whether the device asks for pre-registration-free registration (`regnwl`).
    pub fn no_whitelist(&self) -> bool {
        self.client.auth_type == Some(AuthType::RegisterNoWhitelist)
    }

    /// Verifies the password with the product secret (sign method, secure mode, signature).
    pub fn verify(&self, secret: &ProductSecret, policy: &VerifyPolicy) -> Result<(), AuthError> {
        let method = self.client.sign_method()?;
        policy.check_method(method)?;
        policy.check_mode(self.client.secure_mode)?;
        let random = self.client.random.ok_or(AuthError::MalformedClientId(
            ClientIdError::MissingParameter(KnownParam::Random),
        ))?;
        let expected =
            registration_password(secret, method, self.device_name, self.product_key, random);
        check_hex(&expected, self.password, method)
    }
}

/// A `connwl` CONNECT: the password is the device token from `regnwl` registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConnect<'a> {
    /// The parsed client id.
    pub client: MqttClientId<'a>,
    /// The device name from the user name.
    pub device_name: &'a str,
    /// The product key from the user name.
    pub product_key: &'a str,
    password: &'a [u8],
}

impl TokenConnect<'_> {
    /// Compares the password with the issued token in constant time.
    pub fn verify(&self, token: &str, policy: &VerifyPolicy) -> Result<(), AuthError> {
        policy.check_mode(self.client.secure_mode)?;
        if token.is_empty() || !ct_eq(token.as_bytes(), self.password) {
            return Err(AuthError::InvalidToken);
        }
        Ok(())
    }
}

/// Device-side options for MQTT dynamic registration (`authType=register` / `regnwl`).
#[derive(Debug, Clone)]
pub struct RegisterSignOptions {
    /// The signed client id before the `|` (the SDKs use `{pk}.{dn}`).
    pub client_id: ClientId,
    /// `register` or `regnwl`.
    pub auth_type: AuthType,
    /// `-2` (new instances) or `2` (old public instance).
    pub secure_mode: SecureMode,
    /// The sign method.
    pub sign_method: SignMethod,
    /// A fresh nonce ([`crate::random::registration_nonce`]).
    pub random: String,
    /// `instanceId` for new instances.
    pub instance_id: Option<String>,
}

/// Produces MQTT dynamic-registration CONNECT credentials (device side).
pub fn sign_mqtt_register(
    product_key: &ProductKey,
    device_name: &DeviceName,
    secret: &ProductSecret,
    opts: &RegisterSignOptions,
) -> Result<MqttCredentials, ClientIdError> {
    if opts.auth_type == AuthType::ConnectNoWhitelist {
        return Err(ClientIdError::UnknownAuthType);
    }
    if opts.random.is_empty() || opts.random.len() > 64 || !valid_param_value(&opts.random) {
        return Err(ClientIdError::InvalidValue(KnownParam::Random));
    }
    let tag = registration_password(
        secret,
        opts.sign_method,
        device_name.as_str(),
        product_key.as_str(),
        &opts.random,
    );
    let mut client_id = String::with_capacity(128);
    client_id.push_str(opts.client_id.as_str());
    let _ = write!(
        client_id,
        "|securemode={},authType={},random={},signmethod={}",
        opts.secure_mode.code(),
        opts.auth_type.as_str(),
        opts.random,
        opts.sign_method.as_str()
    );
    if let Some(id) = &opts.instance_id {
        if id.is_empty() || id.len() > 64 || !valid_param_value(id) {
            return Err(ClientIdError::InvalidValue(KnownParam::InstanceId));
        }
        let _ = write!(client_id, ",instanceId={id}");
    }
    client_id.push('|');
    Ok(MqttCredentials {
        client_id,
        username: username(device_name.as_str(), product_key.as_str()),
        password: tag.to_hex(HexCase::Lower).as_str().into(),
    })
}

/// Produces `connwl` CONNECT credentials from a `regnwl` registration result (device side):
/// client id `{clientId}|securemode=-2,authType=connwl|`, password = the device token.
pub fn sign_mqtt_connwl(
    registered_client_id: &ClientId,
    product_key: &ProductKey,
    device_name: &DeviceName,
    device_token: &str,
) -> MqttCredentials {
    let mut client_id = String::with_capacity(registered_client_id.as_str().len() + 32);
    client_id.push_str(registered_client_id.as_str());
    client_id.push_str("|securemode=-2,authType=connwl|");
    MqttCredentials {
        client_id,
        username: username(device_name.as_str(), product_key.as_str()),
        password: device_token.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_shapes() {
        let c = MqttClientId::parse(
            "a1X2bEnP82z.example1|timestamp=2524608000000,_ss=1,_v=sdk-c-4.1.0,securemode=2,signmethod=hmacsha256,ext=3,|",
        )
        .unwrap();
        assert_eq!(c.client_id(), "a1X2bEnP82z.example1");
        assert_eq!(c.secure_mode(), Some(SecureMode::Tls));
        assert_eq!(c.timestamp(), Some(UnixMillis(2_524_608_000_000)));
        assert_eq!(c.param("_v"), Some("sdk-c-4.1.0"));
        assert_eq!(c.params().count(), 6);
        assert_eq!(
            MqttClientId::parse("abc"),
            Err(ClientIdError::MissingExtension)
        );
        assert_eq!(
            MqttClientId::parse("abc|securemode=3"),
            Err(ClientIdError::BadDelimiters)
        );
        assert_eq!(
            MqttClientId::parse("abc|a=1,,b=2|"),
            Err(ClientIdError::EmptyParameter { at: 4 })
        );
        assert_eq!(
            MqttClientId::parse("abc|securemode=5|"),
            Err(ClientIdError::UnknownSecureMode(5))
        );
        assert_eq!(
            MqttClientId::parse("abc|x=1,x=2|"),
            Err(ClientIdError::DuplicateParameter(KnownParam::Other))
        );
        assert_eq!(
            MqttClientId::parse("abc|timestamp=1,timestamp=2|"),
            Err(ClientIdError::DuplicateParameter(KnownParam::Timestamp))
        );
        assert_eq!(
            MqttClientId::parse("abc|securemode|"),
            Err(ClientIdError::MalformedParameter { at: 0 })
        );
        assert_eq!(itoa_buf(0).as_str(), "0");
        assert_eq!(itoa_buf(u64::MAX).as_str(), "18446744073709551615");
    }
}
