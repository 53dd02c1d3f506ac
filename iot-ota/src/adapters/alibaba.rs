//! Alibaba Cloud IoT OTA (Alink): topics, upgrade push, inform, progress and firmware get.
//!
//! Message shapes follow Alibaba's "OTA升级" document and the C Link SDK (`aiot_ota_api`).
//! Discrepancies settled here: the message `id` is a string in device messages and a JSON number
//! in platform pushes, so [`MessageId`] accepts both; `signMethod` is compared case-insensitively
//! (`MD5`, `Md5`, `SHA256`, `Sha256` all occur); the progress `step` is a string and is also
//! accepted as a number.

use super::{obj, opt_obj, opt_string, opt_uint, parse_object, string, to_bytes, uint};
use crate::digest::{Digest, DigestAlgorithm};
use crate::encoding::{hex_decode, hex_encode};
use crate::error::AdapterError;
use crate::manifest::{Differential, Manifest, Source};
use crate::version::VersionScheme;
use core::fmt;
use serde_json::{Map, Value, json};

/// The module name Alibaba uses for the whole-device firmware (omitted on the wire).
pub const DEFAULT_MODULE: &str = "default";

/// Device → cloud: report the running version of a module.
#[must_use]
pub fn inform_topic(product_key: &str, device_name: &str) -> String {
    format!("/ota/device/inform/{product_key}/{device_name}")
}

/// Cloud → device: upgrade push.
#[must_use]
pub fn upgrade_topic(product_key: &str, device_name: &str) -> String {
    format!("/ota/device/upgrade/{product_key}/{device_name}")
}

/// Device → cloud: upgrade progress.
#[must_use]
pub fn progress_topic(product_key: &str, device_name: &str) -> String {
    format!("/ota/device/progress/{product_key}/{device_name}")
}

/// Device → cloud: ask for the latest package (`thing.ota.firmware.get`); the reply comes on the
/// same topic with `_reply` appended.
#[must_use]
pub fn firmware_get_topic(product_key: &str, device_name: &str) -> String {
    format!("/sys/{product_key}/{device_name}/thing/ota/firmware/get")
}

/// An Alink message id: a string from devices, a number in platform pushes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MessageId {
    /// A JSON number.
    Number(u64),
    /// A JSON string.
    Text(String),
}

impl MessageId {
    fn parse(m: &Map<String, Value>) -> Result<Self, AdapterError> {
        match m.get("id") {
            Some(Value::Number(n)) => {
                n.as_u64()
                    .map(Self::Number)
                    .ok_or(AdapterError::InvalidField {
                        field: "id",
                        reason: "not an unsigned integer",
                    })
            }
            Some(Value::String(s)) => Ok(Self::Text(s.clone())),
            Some(_) => Err(AdapterError::InvalidField {
                field: "id",
                reason: "neither a string nor a number",
            }),
            None => Err(AdapterError::MissingField("id")),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Number(n) => json!(n),
            Self::Text(s) => json!(s),
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

/// How the package is downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Download {
    /// Single-file HTTPS download (`url`).
    Https {
        /// The (pre-signed) URL.
        url: String,
    },
    /// MQTT file stream (`dProtocol: "mqtt"`, `streamId`, `streamFileId`).
    Mqtt {
        /// `streamId`.
        stream_id: u64,
        /// `streamFileId`.
        stream_file_id: u64,
    },
}

/// The package description in an upgrade push or a `firmware/get` reply (`data`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Package {
    /// `size` in bytes.
    pub size: u64,
    /// `version`.
    pub version: String,
    /// `isDiff: 1` for differential packages.
    pub is_diff: bool,
    /// Where to download.
    pub download: Download,
    /// `md5` (hex), when present.
    pub md5: Option<String>,
    /// `sign`: the file digest per `signMethod` (hex).
    pub sign: Option<String>,
    /// `signMethod` as sent (`MD5`, `Md5`, `SHA256`, `Sha256`).
    pub sign_method: Option<String>,
    /// `digestsign`: package signature for secure upgrades (algorithm not published; kept verbatim).
    pub digest_sign: Option<String>,
    /// `module`; `None` is the `default` module.
    pub module: Option<String>,
    /// `extData`, verbatim.
    pub ext_data: Option<Map<String, Value>>,
}

impl Package {
    fn parse(d: &Map<String, Value>) -> Result<Self, AdapterError> {
        let size = uint(d, "size")?;
        let version = string(d, "version")?.to_owned();
        if version.is_empty() {
            return Err(AdapterError::InvalidField {
                field: "version",
                reason: "empty",
            });
        }
        let is_diff = match opt_uint(d, "isDiff")? {
            None | Some(0) => false,
            Some(1) => true,
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "isDiff",
                    reason: "must be 0 or 1",
                });
            }
        };
        let download = match (opt_string(d, "url")?, opt_uint(d, "streamId")?) {
            (Some(url), _) => Download::Https {
                url: url.to_owned(),
            },
            (None, Some(stream_id)) => {
                if let Some(p) = opt_string(d, "dProtocol")?
                    && !p.eq_ignore_ascii_case("mqtt")
                {
                    return Err(AdapterError::InvalidField {
                        field: "dProtocol",
                        reason: "only mqtt streams carry streamId",
                    });
                }
                Download::Mqtt {
                    stream_id,
                    stream_file_id: uint(d, "streamFileId")?,
                }
            }
            (None, None) => return Err(AdapterError::MissingField("url")),
        };
        let sign = opt_string(d, "sign")?.map(str::to_owned);
        let sign_method = opt_string(d, "signMethod")?.map(str::to_owned);
        if let Some(m) = &sign_method
            && DigestAlgorithm::from_vendor_name(m).is_none()
        {
            return Err(AdapterError::InvalidField {
                field: "signMethod",
                reason: "neither MD5 nor SHA256",
            });
        }
        let md5 = opt_string(d, "md5")?.map(str::to_owned);
        if sign.is_none() && md5.is_none() {
            return Err(AdapterError::MissingField("sign"));
        }
        if sign.is_some() && sign_method.is_none() {
            return Err(AdapterError::MissingField("signMethod"));
        }
        Ok(Self {
            size,
            version,
            is_diff,
            download,
            md5,
            sign,
            sign_method,
            digest_sign: opt_string(d, "digestsign")?.map(str::to_owned),
            module: opt_string(d, "module")?.map(str::to_owned),
            ext_data: opt_obj(d, "extData")?.cloned(),
        })
    }

    fn to_json(&self) -> Value {
        let mut d = Map::new();
        d.insert("size".into(), json!(self.size));
        d.insert("version".into(), json!(self.version));
        if self.is_diff {
            d.insert("isDiff".into(), json!(1));
        }
        match &self.download {
            Download::Https { url } => {
                d.insert("url".into(), json!(url));
            }
            Download::Mqtt {
                stream_id,
                stream_file_id,
            } => {
                d.insert("dProtocol".into(), json!("mqtt"));
                d.insert("streamId".into(), json!(stream_id));
                d.insert("streamFileId".into(), json!(stream_file_id));
            }
        }
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                d.insert(k.into(), json!(v));
            }
        };
        put("md5", &self.md5);
        put("sign", &self.sign);
        put("signMethod", &self.sign_method);
        put("digestsign", &self.digest_sign);
        put("module", &self.module);
        if let Some(e) = &self.ext_data {
            d.insert("extData".into(), Value::Object(e.clone()));
        }
        Value::Object(d)
    }

    /// The module name, `"default"` when omitted.
    #[must_use]
    pub fn module_name(&self) -> &str {
        self.module.as_deref().unwrap_or(DEFAULT_MODULE)
    }

    /// Converts to the crate's manifest.
    ///
    /// Alibaba carries no sequence number, so the caller supplies one (for example the push `id`
    /// when the platform issues increasing ids, or a counter it keeps). For a differential package
    /// (`isDiff`) the delta was built against the version the device last reported, which the
    /// caller passes as `reported_version`. Versions use the [`VersionScheme::Dotted`] rule.
    ///
    /// # Errors
    /// [`AdapterError::InvalidField`] for a digest that is not hex of the right length (the
    /// published examples mask digests with `***`), [`AdapterError::MissingField`] for a delta
    /// without `reported_version`.
    pub fn to_manifest(
        &self,
        sequence: u64,
        reported_version: Option<&str>,
    ) -> Result<Manifest, AdapterError> {
        let mut m = Manifest::new(
            self.module_name(),
            self.version.clone(),
            sequence,
            self.size,
        );
        m.version_scheme = if VersionScheme::Dotted.validate(&self.version).is_ok() {
            VersionScheme::Dotted
        } else {
            VersionScheme::Opaque
        };
        if let (Some(sign), Some(method)) = (&self.sign, &self.sign_method) {
            let alg =
                DigestAlgorithm::from_vendor_name(method).ok_or(AdapterError::InvalidField {
                    field: "signMethod",
                    reason: "neither MD5 nor SHA256",
                })?;
            m.digests.push(hex_digest(alg, sign, "sign")?);
        }
        if let Some(md5) = &self.md5 {
            let d = hex_digest(DigestAlgorithm::Md5, md5, "md5")?;
            match m.digest(DigestAlgorithm::Md5) {
                Some(existing) if *existing != d => {
                    return Err(AdapterError::InvalidField {
                        field: "md5",
                        reason: "differs from sign",
                    });
                }
                Some(_) => {}
                None => m.digests.push(d),
            }
        }
        m.sources.push(match &self.download {
            Download::Https { url } => Source::Https { url: url.clone() },
            Download::Mqtt {
                stream_id,
                stream_file_id,
            } => Source::MqttStream {
                stream: stream_id.to_string(),
                file_id: *stream_file_id,
            },
        });
        if self.is_diff {
            let base =
                reported_version.ok_or(AdapterError::MissingField("reported version (isDiff)"))?;
            m.differential = Some(Differential {
                source_version: base.to_owned(),
                source_digest: None,
            });
        }
        if let Some(e) = &self.ext_data {
            m.extensions
                .insert("extData".into(), Value::Object(e.clone()));
        }
        if let Some(s) = &self.digest_sign {
            m.extensions.insert("digestsign".into(), json!(s));
        }
        Ok(m)
    }

    /// Builds the push `data` for a manifest (platform side).
    ///
    /// `sign`/`signMethod` carry the SHA-256 digest when the manifest has one, MD5 otherwise;
    /// `md5` is added when the manifest has an MD5 digest (older SDKs require it).
    ///
    /// # Errors
    /// [`AdapterError::MissingField`] when the manifest has no SHA-256/MD5 digest or no HTTPS/MQTT
    /// source.
    pub fn from_manifest(m: &Manifest) -> Result<Self, AdapterError> {
        let (sign, method) = match (
            m.digest(DigestAlgorithm::Sha256),
            m.digest(DigestAlgorithm::Md5),
        ) {
            (Some(d), _) => (d, "SHA256"),
            (None, Some(d)) => (d, "MD5"),
            (None, None) => return Err(AdapterError::MissingField("sign")),
        };
        let download = m
            .sources
            .iter()
            .find_map(|s| match s {
                Source::Https { url } => Some(Download::Https { url: url.clone() }),
                Source::MqttStream { stream, file_id } => {
                    stream.parse().ok().map(|stream_id| Download::Mqtt {
                        stream_id,
                        stream_file_id: *file_id,
                    })
                }
                Source::CoapBlockwise { .. } => None,
            })
            .ok_or(AdapterError::MissingField("url"))?;
        Ok(Self {
            size: m.size,
            version: m.version.clone(),
            is_diff: m.differential.is_some(),
            download,
            md5: m.digest(DigestAlgorithm::Md5).map(|d| hex_encode(&d.value)),
            sign: Some(hex_encode(&sign.value)),
            sign_method: Some(method.to_owned()),
            digest_sign: m
                .extensions
                .get("digestsign")
                .and_then(Value::as_str)
                .map(str::to_owned),
            module: (m.component != DEFAULT_MODULE).then(|| m.component.clone()),
            ext_data: m
                .extensions
                .get("extData")
                .and_then(Value::as_object)
                .cloned(),
        })
    }
}

fn hex_digest(
    alg: DigestAlgorithm,
    text: &str,
    field: &'static str,
) -> Result<Digest, AdapterError> {
    let bytes = hex_decode(text).ok_or(AdapterError::InvalidField {
        field,
        reason: "not hex",
    })?;
    Digest::new(alg, bytes).map_err(|_| AdapterError::InvalidField {
        field,
        reason: "wrong length for the digest method",
    })
}

/// Cloud → device upgrade push on [`upgrade_topic`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpgradePush {
    /// `id`.
    pub id: MessageId,
    /// `message` (`"success"`).
    pub message: Option<String>,
    /// `data`.
    pub package: Package,
}

impl UpgradePush {
    /// The `code` of an upgrade push.
    pub const CODE: &'static str = "1000";

    /// A push carrying `package`, with `message: "success"`.
    #[must_use]
    pub fn new(id: MessageId, package: Package) -> Self {
        Self {
            id,
            message: Some("success".to_owned()),
            package,
        }
    }

    /// Parses a push.
    ///
    /// # Errors
    /// [`AdapterError`] naming the first missing or invalid field; [`AdapterError::AlibabaCode`]
    /// when `code` is not `"1000"`.
    pub fn parse(bytes: &[u8], max_len: usize) -> Result<Self, AdapterError> {
        let m = parse_object(bytes, max_len)?;
        let code = match m.get("code") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "code",
                    reason: "not a string",
                });
            }
            None => return Err(AdapterError::MissingField("code")),
        };
        if code != Self::CODE {
            return Err(AdapterError::AlibabaCode(code));
        }
        Ok(Self {
            id: MessageId::parse(&m)?,
            message: opt_string(&m, "message")?.map(str::to_owned),
            package: Package::parse(obj(&m, "data")?)?,
        })
    }

    /// Serialises the push.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut v =
            json!({"code": Self::CODE, "data": self.package.to_json(), "id": self.id.to_json()});
        if let (Some(msg), Some(o)) = (&self.message, v.as_object_mut()) {
            o.insert("message".into(), json!(msg));
        }
        to_bytes(&v)
    }
}

/// Device → cloud version report on [`inform_topic`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inform {
    /// `id`.
    pub id: MessageId,
    /// `params.version`.
    pub version: String,
    /// `params.module`; `None` is the `default` module.
    pub module: Option<String>,
}

impl Inform {
    /// A report for `module` (`None` for the default module).
    #[must_use]
    pub fn new(id: MessageId, version: impl Into<String>, module: Option<String>) -> Self {
        Self {
            id,
            version: version.into(),
            module,
        }
    }

    /// Parses a report.
    ///
    /// # Errors
    /// [`AdapterError`] naming the first missing or invalid field.
    pub fn parse(bytes: &[u8], max_len: usize) -> Result<Self, AdapterError> {
        let m = parse_object(bytes, max_len)?;
        let p = obj(&m, "params")?;
        let version = string(p, "version")?;
        if version.is_empty() {
            return Err(AdapterError::InvalidField {
                field: "version",
                reason: "empty",
            });
        }
        Ok(Self {
            id: MessageId::parse(&m)?,
            version: version.to_owned(),
            module: opt_string(p, "module")?.map(str::to_owned),
        })
    }

    /// Serialises the report.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut params = json!({"version": self.version});
        if let (Some(module), Some(o)) = (&self.module, params.as_object_mut()) {
            o.insert("module".into(), json!(module));
        }
        to_bytes(&json!({"id": self.id.to_json(), "params": params}))
    }
}

/// The `step` of a progress report (`aiot_ota_protocol_errcode_t` for the negative codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProgressStep {
    /// Download progress in percent (0..=100; the document defines 1..=100, 0 is tolerated).
    Percent(u8),
    /// `-1`: the upgrade failed.
    UpgradeFailed,
    /// `-2`: the download failed.
    DownloadFailed,
    /// `-3`: checksum or signature verification failed.
    VerifyFailed,
    /// `-4`: writing to flash (burning) failed.
    BurnFailed,
}

impl ProgressStep {
    /// The wire value.
    #[must_use]
    pub fn code(self) -> i64 {
        match self {
            Self::Percent(p) => i64::from(p),
            Self::UpgradeFailed => -1,
            Self::DownloadFailed => -2,
            Self::VerifyFailed => -3,
            Self::BurnFailed => -4,
        }
    }

    /// Decodes a wire value.
    ///
    /// # Errors
    /// [`AdapterError::AlibabaStep`] outside -4..=100.
    pub fn from_code(code: i64) -> Result<Self, AdapterError> {
        match code {
            -1 => Ok(Self::UpgradeFailed),
            -2 => Ok(Self::DownloadFailed),
            -3 => Ok(Self::VerifyFailed),
            -4 => Ok(Self::BurnFailed),
            0..=100 => Ok(Self::Percent(u8::try_from(code).unwrap_or(100))),
            other => Err(AdapterError::AlibabaStep(other)),
        }
    }

    /// Whether the step reports a failure.
    #[must_use]
    pub const fn is_failure(self) -> bool {
        !matches!(self, Self::Percent(_))
    }
}

/// Device → cloud progress report on [`progress_topic`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// `id`.
    pub id: MessageId,
    /// `params.step`.
    pub step: ProgressStep,
    /// `params.desc`.
    pub desc: Option<String>,
    /// `params.module`.
    pub module: Option<String>,
}

impl Progress {
    /// A progress report.
    #[must_use]
    pub fn new(
        id: MessageId,
        step: ProgressStep,
        desc: Option<String>,
        module: Option<String>,
    ) -> Self {
        Self {
            id,
            step,
            desc,
            module,
        }
    }

    /// Parses a report; `step` may be a string (as documented) or a number.
    ///
    /// # Errors
    /// [`AdapterError`] naming the first missing or invalid field, [`AdapterError::AlibabaStep`]
    /// for an undefined step.
    pub fn parse(bytes: &[u8], max_len: usize) -> Result<Self, AdapterError> {
        let m = parse_object(bytes, max_len)?;
        let p = obj(&m, "params")?;
        let step = match p.get("step") {
            Some(Value::String(s)) => {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| AdapterError::InvalidField {
                        field: "step",
                        reason: "not an integer",
                    })?
            }
            Some(Value::Number(n)) => n.as_i64().ok_or(AdapterError::InvalidField {
                field: "step",
                reason: "not an integer",
            })?,
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "step",
                    reason: "not an integer",
                });
            }
            None => return Err(AdapterError::MissingField("step")),
        };
        Ok(Self {
            id: MessageId::parse(&m)?,
            step: ProgressStep::from_code(step)?,
            desc: opt_string(p, "desc")?.map(str::to_owned),
            module: opt_string(p, "module")?.map(str::to_owned),
        })
    }

    /// Serialises the report (`step` as a string, as the SDK sends it).
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut params = Map::new();
        params.insert("step".into(), json!(self.step.code().to_string()));
        if let Some(d) = &self.desc {
            params.insert("desc".into(), json!(d));
        }
        if let Some(m) = &self.module {
            params.insert("module".into(), json!(m));
        }
        to_bytes(&json!({"id": self.id.to_json(), "params": params}))
    }
}

/// Device → cloud `thing.ota.firmware.get` request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FirmwareGet {
    /// `id`.
    pub id: MessageId,
    /// `params.module`; `None` asks for the default module.
    pub module: Option<String>,
}

impl FirmwareGet {
    /// The Alink method name.
    pub const METHOD: &'static str = "thing.ota.firmware.get";

    /// A request.
    #[must_use]
    pub const fn new(id: MessageId, module: Option<String>) -> Self {
        Self { id, module }
    }

    /// Parses a request (`method` must be `thing.ota.firmware.get` when present).
    ///
    /// # Errors
    /// [`AdapterError`] naming the first missing or invalid field.
    pub fn parse(bytes: &[u8], max_len: usize) -> Result<Self, AdapterError> {
        let m = parse_object(bytes, max_len)?;
        if let Some(method) = opt_string(&m, "method")?
            && method != Self::METHOD
        {
            return Err(AdapterError::InvalidField {
                field: "method",
                reason: "not thing.ota.firmware.get",
            });
        }
        let module = match opt_obj(&m, "params")? {
            Some(p) => opt_string(p, "module")?.map(str::to_owned),
            None => None,
        };
        Ok(Self {
            id: MessageId::parse(&m)?,
            module,
        })
    }

    /// Serialises the request in the documented form.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let params = match &self.module {
            Some(m) => json!({"module": m}),
            None => json!({}),
        };
        to_bytes(
            &json!({"id": self.id.to_json(), "version": "1.0", "params": params, "method": Self::METHOD}),
        )
    }

    /// Parses the reply: `Ok(None)` when `data` is absent or empty (no update available).
    ///
    /// # Errors
    /// [`AdapterError::InvalidField`] when `code` is not 200, or as [`UpgradePush::parse`].
    pub fn parse_reply(bytes: &[u8], max_len: usize) -> Result<Option<Package>, AdapterError> {
        let m = parse_object(bytes, max_len)?;
        if uint(&m, "code")? != 200 {
            return Err(AdapterError::InvalidField {
                field: "code",
                reason: "not 200",
            });
        }
        match opt_obj(&m, "data")? {
            Some(d) if !d.is_empty() => Package::parse(d).map(Some),
            _ => Ok(None),
        }
    }
}
