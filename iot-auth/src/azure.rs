//! Azure IoT Hub and Device Provisioning Service (DPS) shared access signatures, and the
//! MQTT CONNECT fields that carry them.
//!
//! A SAS token is `SharedAccessSignature sr={resource}&sig={signature}&se={expiry}[&skn={policy}]`
//! where the signature is Base64(HMAC-SHA256(Base64-decode(key), sr + "\n" + se)) and `sr` is
//! the URL-encoded resource URI exactly as it appears in the token. Expiry is checked against a
//! `now` supplied by the caller.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::fmt::Write as _;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{IdentityError, IdentityKind, SasError};
use crate::sign::{SignMethod, Tag, hmac};
use crate::time::UnixMillis;

/// The MQTT `api-version` the Azure SDK for C pins for IoT Hub.
pub const HUB_API_VERSION: &str = "2020-09-30";
/// The MQTT `api-version` the Azure SDK for C pins for DPS.
pub const DPS_API_VERSION: &str = "2019-03-31";

const MAX_TOKEN_LEN: usize = 4096;

/// Standard alphabet, padding optional on decode (tokens seen in the wild drop it).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A shared access key: the Base64-decoded bytes of a device, module, group or policy key.
/// Zeroized on drop; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SharedAccessKey(Vec<u8>);

impl fmt::Debug for SharedAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedAccessKey(<redacted>)")
    }
}

impl SharedAccessKey {
    /// Decodes a key as shown in the portal (standard Base64).
    pub fn from_base64(text: &str) -> Result<Self, SasError> {
        let bytes = LENIENT
            .decode(text.trim())
            .map_err(|_| SasError::InvalidBase64)?;
        if bytes.is_empty() {
            return Err(SasError::InvalidBase64);
        }
        Ok(Self(bytes))
    }

    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.into())
    }

    /// The key as standard Base64 (for handing a derived key to a device).
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }

    fn sign(&self, message: &[&[u8]]) -> Tag {
        hmac(SignMethod::HmacSha256, &self.0, message)
    }
}

/// Derives a device key for a DPS group enrollment: HMAC-SHA256 of the registration id keyed
/// with the group key.
pub fn derive_group_device_key(
    group_key: &SharedAccessKey,
    registration_id: &str,
) -> SharedAccessKey {
    SharedAccessKey::from_bytes(group_key.sign(&[registration_id.as_bytes()]).as_bytes())
}

/// Validates an IoT Hub device or module id, or a DPS registration id: 1 to 128 ASCII
/// alphanumerics or `- . % _ * ? ! ( ) , : = @ $ '` (Azure's rule for device ids).
pub fn validate_azure_id(s: &str) -> Result<(), IdentityError> {
    let kind = IdentityKind::AzureId;
    if s.is_empty() {
        return Err(IdentityError::TooShort {
            kind,
            len: 0,
            min: 1,
        });
    }
    if s.len() > 128 {
        return Err(IdentityError::TooLong {
            kind,
            len: s.len(),
            max: 128,
        });
    }
    match s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || "-.%_*?!(),:=@$'".contains(c)))
    {
        Some((at, ch)) => Err(IdentityError::InvalidChar { kind, ch, at }),
        None => Ok(()),
    }
}

fn validate_host(s: &str) -> Result<(), IdentityError> {
    let kind = IdentityKind::AzureId;
    if s.is_empty() || s.len() > 253 {
        return Err(IdentityError::TooLong {
            kind,
            len: s.len(),
            max: 253,
        });
    }
    match s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        Some((at, ch)) => Err(IdentityError::InvalidChar { kind, ch, at }),
        None => Ok(()),
    }
}

/// The resource a token grants access to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SasResource {
    /// `{hub}/devices/{deviceId}`.
    Device {
        /// Hub host name, `myhub.azure-devices.net`.
        hub: String,
        /// Device id.
        device_id: String,
    },
    /// `{hub}/devices/{deviceId}/modules/{moduleId}`.
    Module {
        /// Hub host name.
        hub: String,
        /// Device id.
        device_id: String,
        /// Module id.
        module_id: String,
    },
    /// `{idScope}/registrations/{registrationId}` (DPS).
    Registration {
        /// DPS id scope, `0ne00000000`.
        id_scope: String,
        /// Registration id.
        registration_id: String,
    },
    /// `{hub}` (hub-level, used with a shared access policy name `skn`).
    Hub {
        /// Hub host name.
        hub: String,
    },
}

impl SasResource {
    /// A device resource, validated.
    pub fn device(hub: &str, device_id: &str) -> Result<Self, SasError> {
        validate_host(hub)?;
        validate_azure_id(device_id)?;
        Ok(Self::Device {
            hub: hub.into(),
            device_id: device_id.into(),
        })
    }

    /// A module resource, validated.
    pub fn module(hub: &str, device_id: &str, module_id: &str) -> Result<Self, SasError> {
        validate_host(hub)?;
        validate_azure_id(device_id)?;
        validate_azure_id(module_id)?;
        Ok(Self::Module {
            hub: hub.into(),
            device_id: device_id.into(),
            module_id: module_id.into(),
        })
    }

    /// A DPS registration resource, validated.
    pub fn registration(id_scope: &str, registration_id: &str) -> Result<Self, SasError> {
        validate_azure_id(id_scope)?;
        validate_azure_id(registration_id)?;
        Ok(Self::Registration {
            id_scope: id_scope.into(),
            registration_id: registration_id.into(),
        })
    }

    /// A hub-level resource, validated.
    pub fn hub(hub: &str) -> Result<Self, SasError> {
        validate_host(hub)?;
        Ok(Self::Hub { hub: hub.into() })
    }

    /// The resource URI before URL-encoding.
    pub fn uri(&self) -> String {
        match self {
            Self::Device { hub, device_id } => alloc::format!("{hub}/devices/{device_id}"),
            Self::Module {
                hub,
                device_id,
                module_id,
            } => alloc::format!("{hub}/devices/{device_id}/modules/{module_id}"),
            Self::Registration {
                id_scope,
                registration_id,
            } => alloc::format!("{id_scope}/registrations/{registration_id}"),
            Self::Hub { hub } => hub.clone(),
        }
    }

    /// The URL-encoded resource URI as put in `sr` (`%2F`, uppercase hex).
    pub fn encoded(&self) -> String {
        percent_encode(&self.uri())
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`),
/// with uppercase hex.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes `%XX` escapes (either case); `None` for a bad escape or non-UTF-8 result.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let mut b = [0u8; 1];
            crate::sign::decode_hex(hex, &mut b)?;
            out.push(b[0]);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A shared access signature token.
#[derive(Clone, PartialEq, Eq)]
pub struct SasToken {
    sr: String,
    sig: String,
    se_text: String,
    se: u64,
    skn: Option<String>,
}

impl fmt::Debug for SasToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SasToken")
            .field("sr", &self.sr)
            .field("se", &self.se)
            .field("skn", &self.skn)
            .field("sig", &"<redacted>")
            .finish()
    }
}

impl fmt::Display for SasToken {
    /// `SharedAccessSignature sr=…&sig=…&se=…[&skn=…]`: the MQTT password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SharedAccessSignature sr={}&sig={}&se={}",
            self.sr,
            percent_encode(&self.sig),
            self.se_text
        )?;
        if let Some(skn) = &self.skn {
            write!(f, "&skn={}", percent_encode(skn))?;
        }
        Ok(())
    }
}

impl SasToken {
    /// Signs a token for `resource` valid until `expiry_secs` (Unix seconds).
    pub fn generate(
        key: &SharedAccessKey,
        resource: &SasResource,
        expiry_secs: u64,
        key_name: Option<&str>,
    ) -> Self {
        Self::generate_for_encoded(key, resource.encoded(), expiry_secs, key_name)
    }

    /// Signs a token for an already URL-encoded resource (signed exactly as given, so a DPS
    /// resource written with `%2f` keeps its lowercase escapes).
    pub fn generate_for_encoded(
        key: &SharedAccessKey,
        encoded_resource: String,
        expiry_secs: u64,
        key_name: Option<&str>,
    ) -> Self {
        let se_text = crate::alibaba::mqtt::itoa_buf(expiry_secs);
        let tag = key.sign(&[
            encoded_resource.as_bytes(),
            b"\n",
            se_text.as_str().as_bytes(),
        ]);
        Self {
            sr: encoded_resource,
            sig: base64::engine::general_purpose::STANDARD.encode(tag.as_bytes()),
            se_text: se_text.as_str().into(),
            se: expiry_secs,
            skn: key_name.map(String::from),
        }
    }

    /// Assembles a token from given parts (for formatting a signature computed elsewhere).
    pub fn from_parts(
        encoded_resource: &str,
        signature_base64: &str,
        expiry_secs: u64,
        key_name: Option<&str>,
    ) -> Self {
        Self {
            sr: encoded_resource.into(),
            sig: signature_base64.into(),
            se_text: crate::alibaba::mqtt::itoa_buf(expiry_secs).as_str().into(),
            se: expiry_secs,
            skn: key_name.map(String::from),
        }
    }

    /// The string-to-sign: `sr` + `"\n"` + `se`.
    pub fn string_to_sign(&self) -> String {
        alloc::format!("{}\n{}", self.sr, self.se_text)
    }

    /// `sr` as on the wire (URL-encoded).
    pub fn encoded_resource(&self) -> &str {
        &self.sr
    }

    /// The Base64 signature (URL-decoded).
    pub fn signature(&self) -> &str {
        &self.sig
    }

    /// `se`, Unix seconds.
    pub fn expiry_secs(&self) -> u64 {
        self.se
    }

    /// `skn`, if present.
    pub fn key_name(&self) -> Option<&str> {
        self.skn.as_deref()
    }

    /// Parses `SharedAccessSignature sr=…&sig=…&se=…[&skn=…]`, fields in any order.
    pub fn parse(token: &str) -> Result<Self, SasError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(SasError::TooLong);
        }
        let body = token
            .strip_prefix("SharedAccessSignature ")
            .ok_or(SasError::MissingPrefix)?;
        let (mut sr, mut sig, mut se, mut skn) = (None, None, None, None);
        for field in body.split('&') {
            let (name, value) = field.split_once('=').ok_or(SasError::MalformedField)?;
            let (slot, label) = match name {
                "sr" => (&mut sr, "sr"),
                "sig" => (&mut sig, "sig"),
                "se" => (&mut se, "se"),
                "skn" => (&mut skn, "skn"),
                _ => return Err(SasError::UnknownField),
            };
            if slot.is_some() {
                return Err(SasError::DuplicateField(label));
            }
            if value.is_empty() {
                return Err(SasError::MalformedField);
            }
            *slot = Some(value);
        }
        let sr = sr.ok_or(SasError::MissingField("sr"))?;
        let sig = sig.ok_or(SasError::MissingField("sig"))?;
        let se_text = se.ok_or(SasError::MissingField("se"))?;
        if se_text.len() > 20 || !se_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SasError::InvalidExpiry);
        }
        let se: u64 = se_text.parse().map_err(|_| SasError::InvalidExpiry)?;
        // `sr` must decode, but is signed as sent.
        percent_decode(sr).ok_or(SasError::MalformedField)?;
        let sig = percent_decode(sig).ok_or(SasError::MalformedField)?;
        let skn = match skn {
            Some(s) => Some(percent_decode(s).ok_or(SasError::MalformedField)?),
            None => None,
        };
        Ok(Self {
            sr: sr.into(),
            sig,
            se_text: se_text.into(),
            se,
            skn,
        })
    }

    /// Verifies the token for `expected` (resource URIs compared ASCII case-insensitively after
    /// URL-decoding), the expected policy name (`None`: the token must have no `skn`), expiry
    /// (`se` must be after `now`), then the signature in constant time.
    pub fn verify(
        &self,
        key: &SharedAccessKey,
        expected: &SasResource,
        key_name: Option<&str>,
        now: UnixMillis,
    ) -> Result<(), SasError> {
        let resource = percent_decode(&self.sr).ok_or(SasError::MalformedField)?;
        if !resource.eq_ignore_ascii_case(&expected.uri()) {
            return Err(SasError::ResourceMismatch);
        }
        if self.skn.as_deref() != key_name {
            return Err(SasError::KeyNameMismatch);
        }
        if self.se <= now.as_secs() {
            return Err(SasError::Expired {
                expiry: self.se,
                now: now.as_secs(),
            });
        }
        let got = LENIENT
            .decode(self.sig.as_bytes())
            .map_err(|_| SasError::InvalidBase64)?;
        let tag = key.sign(&[self.sr.as_bytes(), b"\n", self.se_text.as_bytes()]);
        if !tag.ct_eq_bytes(&got) {
            return Err(SasError::SignatureMismatch);
        }
        Ok(())
    }
}

/// MQTT CONNECT fields for IoT Hub or DPS (the password is a [`SasToken`], or absent with an
/// X.509 client certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureMqttConnect {
    /// MQTT client id: `{deviceId}`, `{deviceId}/{moduleId}` or `{registrationId}`.
    pub client_id: String,
    /// MQTT user name.
    pub username: String,
}

/// IoT Hub CONNECT fields: user name
/// `{hub}/{deviceId}[/{moduleId}]/?api-version=2020-09-30[&DeviceClientType=…][&model-id=…]`.
pub fn hub_mqtt_connect(
    hub: &str,
    device_id: &str,
    module_id: Option<&str>,
    device_client_type: Option<&str>,
    model_id: Option<&str>,
) -> Result<AzureMqttConnect, SasError> {
    validate_host(hub)?;
    validate_azure_id(device_id)?;
    let mut client_id = String::from(device_id);
    let mut username = alloc::format!("{hub}/{device_id}/");
    if let Some(m) = module_id {
        validate_azure_id(m)?;
        client_id.push('/');
        client_id.push_str(m);
        username.push_str(m);
        username.push('/');
    }
    let _ = write!(username, "?api-version={HUB_API_VERSION}");
    if let Some(t) = device_client_type {
        let _ = write!(username, "&DeviceClientType={}", percent_encode(t));
    }
    if let Some(m) = model_id {
        let _ = write!(username, "&model-id={}", percent_encode(m));
    }
    Ok(AzureMqttConnect {
        client_id,
        username,
    })
}

/// DPS CONNECT fields: client id `{registrationId}`, user name
/// `{idScope}/registrations/{registrationId}/api-version=2019-03-31`.
pub fn dps_mqtt_connect(
    id_scope: &str,
    registration_id: &str,
) -> Result<AzureMqttConnect, SasError> {
    validate_azure_id(id_scope)?;
    validate_azure_id(registration_id)?;
    Ok(AzureMqttConnect {
        client_id: registration_id.into(),
        username: alloc::format!(
            "{id_scope}/registrations/{registration_id}/api-version={DPS_API_VERSION}"
        ),
    })
}

/// An IoT Hub MQTT user name, parsed (platform side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubUsername<'a> {
    /// Hub host name.
    pub hub: &'a str,
    /// Device id.
    pub device_id: &'a str,
    /// Module id, for module identities.
    pub module_id: Option<&'a str>,
    /// The raw query (`api-version=…&…`).
    pub query: &'a str,
}

impl<'a> HubUsername<'a> {
    /// Parses `{hub}/{deviceId}[/{moduleId}]/?{query}` and checks that it agrees with the
    /// client id (`{deviceId}` or `{deviceId}/{moduleId}`).
    pub fn parse(username: &'a str, client_id: &str) -> Result<Self, SasError> {
        let (path, query) = username
            .split_once("/?")
            .ok_or(SasError::MalformedUsername)?;
        let mut parts = path.split('/');
        let hub = parts.next().ok_or(SasError::MalformedUsername)?;
        let device_id = parts.next().ok_or(SasError::MalformedUsername)?;
        let module_id = parts.next();
        if parts.next().is_some() {
            return Err(SasError::MalformedUsername);
        }
        validate_host(hub)?;
        validate_azure_id(device_id)?;
        if let Some(m) = module_id {
            validate_azure_id(m)?;
        }
        if !query.split('&').any(|p| p.starts_with("api-version=")) {
            return Err(SasError::MalformedUsername);
        }
        let matches = match module_id {
            None => client_id == device_id,
            Some(m) => client_id
                .split_once('/')
                .is_some_and(|(d, mm)| d == device_id && mm == m),
        };
        if !matches {
            return Err(SasError::MalformedUsername);
        }
        Ok(Self {
            hub,
            device_id,
            module_id,
            query,
        })
    }

    /// The resource this connection must present a token for.
    pub fn resource(&self) -> Result<SasResource, SasError> {
        match self.module_id {
            None => SasResource::device(self.hub, self.device_id),
            Some(m) => SasResource::module(self.hub, self.device_id, m),
        }
    }
}
