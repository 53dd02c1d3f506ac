//! AWS IoT Jobs as an OTA transport: execution states, the update request, and the FreeRTOS
//! `afr_ota` job document.
//!
//! FreeRTOS OTA documents carry no digest: the image is authenticated by a code-signing signature
//! (`sig-sha256-ecdsa`: ECDSA P-256 over the SHA-256 of the file, base64 of the DER signature).
//! [`AfrOtaFile::to_manifest`] keeps that signature in the manifest's extensions, and
//! [`crate::ImageVerifier::with_image_signature`] checks it at the end of the download.

use super::{obj, opt_string, opt_uint, parse_object, string, to_bytes, uint};
use crate::error::AdapterError;
use crate::manifest::{Manifest, Source};
use crate::version::VersionScheme;
use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// `$aws/things/{thing}/jobs/{job_id}/update`.
#[must_use]
pub fn update_topic(thing: &str, job_id: &str) -> String {
    format!("$aws/things/{thing}/jobs/{job_id}/update")
}

/// `$aws/things/{thing}/jobs/{job_id}/get` (`job_id` may be `$next`).
#[must_use]
pub fn get_topic(thing: &str, job_id: &str) -> String {
    format!("$aws/things/{thing}/jobs/{job_id}/get")
}

/// `$aws/things/{thing}/jobs/start-next`.
#[must_use]
pub fn start_next_topic(thing: &str) -> String {
    format!("$aws/things/{thing}/jobs/start-next")
}

/// `$aws/things/{thing}/jobs/notify-next`.
#[must_use]
pub fn notify_next_topic(thing: &str) -> String {
    format!("$aws/things/{thing}/jobs/notify-next")
}

/// A job execution status (AWS IoT Jobs lifecycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum JobExecutionStatus {
    /// Waiting for the device (set by Jobs).
    Queued,
    /// The device is working on it.
    InProgress,
    /// Done (terminal, set by the device).
    Succeeded,
    /// Failed (terminal, retryable, set by the device).
    Failed,
    /// The step timer expired (terminal, retryable, set by Jobs).
    TimedOut,
    /// The device refused the job (terminal, not retried).
    Rejected,
    /// Removed from the thing (terminal, set by Jobs).
    Removed,
    /// Canceled (terminal, set by Jobs).
    Canceled,
}

impl JobExecutionStatus {
    /// The wire string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "QUEUED",
            Self::InProgress => "IN_PROGRESS",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::TimedOut => "TIMED_OUT",
            Self::Rejected => "REJECTED",
            Self::Removed => "REMOVED",
            Self::Canceled => "CANCELED",
        }
    }

    /// Parses the wire string.
    ///
    /// # Errors
    /// [`AdapterError::AwsStatus`] for an unknown string.
    pub fn parse(s: &str) -> Result<Self, AdapterError> {
        Ok(match s {
            "QUEUED" => Self::Queued,
            "IN_PROGRESS" => Self::InProgress,
            "SUCCEEDED" => Self::Succeeded,
            "FAILED" => Self::Failed,
            "TIMED_OUT" => Self::TimedOut,
            "REJECTED" => Self::Rejected,
            "REMOVED" => Self::Removed,
            "CANCELED" => Self::Canceled,
            other => return Err(AdapterError::AwsStatus(other.to_owned())),
        })
    }

    /// Whether the state is terminal.
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        !matches!(self, Self::Queued | Self::InProgress)
    }

    /// Whether a device may set this state in an update request.
    #[must_use]
    pub const fn settable_by_device(self) -> bool {
        matches!(
            self,
            Self::InProgress | Self::Succeeded | Self::Failed | Self::Rejected
        )
    }
}

/// An `UpdateJobExecution` request body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateJobExecution {
    /// `status` (IN_PROGRESS, SUCCEEDED, FAILED or REJECTED).
    pub status: JobExecutionStatus,
    /// `statusDetails` (string values).
    pub status_details: BTreeMap<String, String>,
    /// `expectedVersion`: optimistic locking on the execution.
    pub expected_version: Option<u64>,
    /// `executionNumber`.
    pub execution_number: Option<u64>,
    /// `stepTimeoutInMinutes`.
    pub step_timeout_in_minutes: Option<u64>,
    /// `clientToken`.
    pub client_token: Option<String>,
}

impl UpdateJobExecution {
    /// An update to `status` with no details.
    ///
    /// # Errors
    /// [`AdapterError::InvalidField`] when the status is one only Jobs may set.
    pub fn new(status: JobExecutionStatus) -> Result<Self, AdapterError> {
        if !status.settable_by_device() {
            return Err(AdapterError::InvalidField {
                field: "status",
                reason: "not settable by a device",
            });
        }
        Ok(Self {
            status,
            status_details: BTreeMap::new(),
            expected_version: None,
            execution_number: None,
            step_timeout_in_minutes: None,
            client_token: None,
        })
    }

    /// Parses a request body.
    ///
    /// # Errors
    /// [`AdapterError`] naming the first missing or invalid field.
    pub fn parse(bytes: &[u8], max_len: usize) -> Result<Self, AdapterError> {
        let m = parse_object(bytes, max_len)?;
        let mut u = Self::new(JobExecutionStatus::parse(string(&m, "status")?)?)?;
        if let Some(d) = m.get("statusDetails") {
            let d = d.as_object().ok_or(AdapterError::InvalidField {
                field: "statusDetails",
                reason: "not an object",
            })?;
            for (k, v) in d {
                let v = v.as_str().ok_or(AdapterError::InvalidField {
                    field: "statusDetails",
                    reason: "values are strings",
                })?;
                u.status_details.insert(k.clone(), v.to_owned());
            }
        }
        u.expected_version = opt_uint(&m, "expectedVersion")?;
        u.execution_number = opt_uint(&m, "executionNumber")?;
        u.step_timeout_in_minutes = opt_uint(&m, "stepTimeoutInMinutes")?;
        u.client_token = opt_string(&m, "clientToken")?.map(str::to_owned);
        Ok(u)
    }

    /// Serialises the body.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut m = Map::new();
        m.insert("status".into(), json!(self.status.as_str()));
        if !self.status_details.is_empty() {
            m.insert("statusDetails".into(), json!(self.status_details));
        }
        if let Some(v) = self.expected_version {
            m.insert("expectedVersion".into(), json!(v));
        }
        if let Some(v) = self.execution_number {
            m.insert("executionNumber".into(), json!(v));
        }
        if let Some(v) = self.step_timeout_in_minutes {
            m.insert("stepTimeoutInMinutes".into(), json!(v));
        }
        if let Some(v) = &self.client_token {
            m.insert("clientToken".into(), json!(v));
        }
        to_bytes(&Value::Object(m))
    }
}

/// One file of an `afr_ota` job document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AfrOtaFile {
    /// `filepath` on the device.
    pub path: String,
    /// `filesize` in bytes.
    pub size: u64,
    /// `fileid` within the stream.
    pub file_id: u64,
    /// `certfile`: path of the code-signing certificate on the device.
    pub cert_file: Option<String>,
    /// `fileType`.
    pub file_type: Option<u64>,
    /// `update_data_url` for HTTP downloads.
    pub update_data_url: Option<String>,
    /// The signature member: key name (`sig-sha256-ecdsa`, `sig-sha1-rsa`, …) and base64 value.
    pub signature: Option<(String, String)>,
}

/// The FreeRTOS OTA job document (`{"afr_ota": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AfrOtaDocument {
    /// `protocols` in order of preference (`MQTT`, `HTTP`).
    pub protocols: Vec<String>,
    /// `streamname` of the AWS IoT stream (MQTT downloads).
    pub stream_name: Option<String>,
    /// `files`.
    pub files: Vec<AfrOtaFile>,
}

impl AfrOtaDocument {
    /// A document for `files`, fetched over `protocols` (`MQTT` needs `stream_name`).
    #[must_use]
    pub const fn new(
        protocols: Vec<String>,
        stream_name: Option<String>,
        files: Vec<AfrOtaFile>,
    ) -> Self {
        Self {
            protocols,
            stream_name,
            files,
        }
    }

    /// Parses a job document; accepts the document itself or an object holding it under
    /// `jobDocument` (as in a job execution).
    ///
    /// # Errors
    /// [`AdapterError`] naming the first missing or invalid field.
    pub fn parse(bytes: &[u8], max_len: usize) -> Result<Self, AdapterError> {
        let m = parse_object(bytes, max_len)?;
        let doc = if m.contains_key("jobDocument") {
            obj(&m, "jobDocument")?
        } else {
            &m
        };
        let afr = obj(doc, "afr_ota")?;
        let protocols = match afr.get("protocols") {
            Some(Value::Array(a)) if !a.is_empty() => a
                .iter()
                .map(|p| {
                    p.as_str()
                        .map(str::to_owned)
                        .ok_or(AdapterError::InvalidField {
                            field: "protocols",
                            reason: "entries are strings",
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "protocols",
                    reason: "a non-empty array",
                });
            }
            None => return Err(AdapterError::MissingField("protocols")),
        };
        let files_json = match afr.get("files") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "files",
                    reason: "a non-empty array",
                });
            }
            None => return Err(AdapterError::MissingField("files")),
        };
        let mut files = Vec::with_capacity(files_json.len());
        for f in files_json {
            let f = f.as_object().ok_or(AdapterError::InvalidField {
                field: "files",
                reason: "entries are objects",
            })?;
            let signature = f.iter().find(|(k, _)| k.starts_with("sig-")).map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_owned()))
                    .ok_or(AdapterError::InvalidField {
                        field: "sig-*",
                        reason: "not a string",
                    })
            });
            files.push(AfrOtaFile {
                path: string(f, "filepath")?.to_owned(),
                size: uint(f, "filesize")?,
                file_id: uint(f, "fileid")?,
                cert_file: opt_string(f, "certfile")?.map(str::to_owned),
                file_type: opt_uint(f, "fileType")?,
                update_data_url: opt_string(f, "update_data_url")?.map(str::to_owned),
                signature: signature.transpose()?,
            });
        }
        let stream_name = opt_string(afr, "streamname")?.map(str::to_owned);
        if protocols.iter().any(|p| p == "MQTT") && stream_name.is_none() {
            return Err(AdapterError::MissingField("streamname"));
        }
        Ok(Self {
            protocols,
            stream_name,
            files,
        })
    }

    /// Serialises as `{"afr_ota": {...}}`.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let files: Vec<Value> = self
            .files
            .iter()
            .map(|f| {
                let mut o = Map::new();
                o.insert("filepath".into(), json!(f.path));
                o.insert("filesize".into(), json!(f.size));
                o.insert("fileid".into(), json!(f.file_id));
                if let Some(c) = &f.cert_file {
                    o.insert("certfile".into(), json!(c));
                }
                if let Some(t) = f.file_type {
                    o.insert("fileType".into(), json!(t));
                }
                if let Some(u) = &f.update_data_url {
                    o.insert("update_data_url".into(), json!(u));
                }
                if let Some((k, v)) = &f.signature {
                    o.insert(k.clone(), json!(v));
                }
                Value::Object(o)
            })
            .collect();
        let mut afr = Map::new();
        afr.insert("protocols".into(), json!(self.protocols));
        if let Some(s) = &self.stream_name {
            afr.insert("streamname".into(), json!(s));
        }
        afr.insert("files".into(), Value::Array(files));
        to_bytes(&json!({"afr_ota": afr}))
    }
}

impl AfrOtaFile {
    /// The document entry for a manifest (platform side): path = component, the HTTPS source as
    /// `update_data_url`, and a `sig-…` member carried in the manifest's extensions.
    #[must_use]
    pub fn from_manifest(m: &Manifest, file_id: u64) -> Self {
        Self {
            path: m.component.clone(),
            size: m.size,
            file_id,
            cert_file: m
                .extensions
                .get("certfile")
                .and_then(Value::as_str)
                .map(str::to_owned),
            file_type: None,
            update_data_url: m.sources.iter().find_map(|s| match s {
                Source::Https { url } => Some(url.clone()),
                _ => None,
            }),
            signature: m
                .extensions
                .iter()
                .find(|(k, v)| k.starts_with("sig-") && v.is_string())
                .and_then(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))),
        }
    }

    /// Converts to the crate's manifest. The document has no version or sequence number (the
    /// firmware carries its version), so the caller supplies both; the version scheme is
    /// [`VersionScheme::Opaque`]. Sources follow `protocols`: an MQTT stream and/or the HTTP URL.
    /// The signature goes to `extensions["sig-…"]`.
    #[must_use]
    pub fn to_manifest(&self, doc: &AfrOtaDocument, version: &str, sequence: u64) -> Manifest {
        let mut m = Manifest::new(self.path.clone(), version, sequence, self.size);
        m.version_scheme = VersionScheme::Opaque;
        for p in &doc.protocols {
            match (p.as_str(), &doc.stream_name, &self.update_data_url) {
                ("MQTT", Some(stream), _) => m.sources.push(Source::MqttStream {
                    stream: stream.clone(),
                    file_id: self.file_id,
                }),
                ("HTTP", _, Some(url)) => m.sources.push(Source::Https { url: url.clone() }),
                _ => {}
            }
        }
        if let Some((k, v)) = &self.signature {
            m.extensions.insert(k.clone(), json!(v));
        }
        if let Some(c) = &self.cert_file {
            m.extensions.insert("certfile".into(), json!(c));
        }
        m
    }

    /// The decoded `sig-sha256-ecdsa` signature (DER), if the file carries one.
    ///
    /// # Errors
    /// [`AdapterError::InvalidField`] when the value is not base64.
    pub fn ecdsa_signature(&self) -> Result<Option<Vec<u8>>, AdapterError> {
        match &self.signature {
            Some((k, v)) if k == "sig-sha256-ecdsa" => base64::engine::general_purpose::STANDARD
                .decode(v)
                .map(Some)
                .map_err(|_| AdapterError::InvalidField {
                    field: "sig-sha256-ecdsa",
                    reason: "not base64",
                }),
            _ => Ok(None),
        }
    }
}
