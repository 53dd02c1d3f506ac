//! Azure Device Update for IoT Hub: the import manifest, schema version 5.0.
//!
//! Rules enforced (from the import-manifest schema): `updateId`, `compatibility`, `instructions`,
//! `manifestVersion` (`"5.0"`) and `createdDateTime` are required; no other top-level members
//! than those plus `$schema`, `description`, `isDeployable` and `files`; `updateId.provider` and
//! `updateId.name` match `^[a-zA-Z0-9.-]+$` (at most 64 characters); `updateId.version` has two
//! to four dot-separated numeric parts; `description` is at most 512 characters; at most 10
//! files; file hashes are base64 and `sha256` is required.

use super::{obj, opt_string, parse_object, string, to_bytes, uint};
use crate::digest::{Digest, DigestAlgorithm};
use crate::error::AdapterError;
use crate::manifest::Manifest;
use crate::time::UnixMillis;
use crate::version::VersionScheme;
use base64::Engine as _;
use serde_json::{Map, Value, json};

/// `updateId`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateId {
    /// `provider`.
    pub provider: String,
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
}

/// One entry of `files`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportFile {
    /// `filename`.
    pub filename: String,
    /// `sizeInBytes`.
    pub size: u64,
    /// `hashes`, decoded (`sha256` always present).
    pub hashes: Vec<Digest>,
}

/// An import manifest (v5.0). Members this crate does not interpret (`instructions`,
/// `compatibility`) are kept as JSON.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ImportManifest {
    /// `updateId`.
    pub update_id: UpdateId,
    /// `isDeployable` (default true).
    pub is_deployable: bool,
    /// `description`.
    pub description: Option<String>,
    /// `compatibility`: property sets, each a map of strings.
    pub compatibility: Vec<Map<String, Value>>,
    /// `instructions`, verbatim.
    pub instructions: Value,
    /// `files`.
    pub files: Vec<ImportFile>,
    /// `createdDateTime`.
    pub created: UnixMillis,
}

const TOP_LEVEL: [&str; 9] = [
    "$schema",
    "updateId",
    "isDeployable",
    "description",
    "compatibility",
    "instructions",
    "files",
    "createdDateTime",
    "manifestVersion",
];

fn id_part(m: &Map<String, Value>, key: &'static str) -> Result<String, AdapterError> {
    let s = string(m, key)?;
    if s.is_empty()
        || s.len() > 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err(AdapterError::InvalidField {
            field: key,
            reason: "must match ^[a-zA-Z0-9.-]+$, at most 64 characters",
        });
    }
    Ok(s.to_owned())
}

impl UpdateId {
    /// An update id (validated when the manifest is parsed or built).
    #[must_use]
    pub fn new(
        provider: impl Into<String>,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Self {
            provider: provider.into(),
            name: name.into(),
            version: version.into(),
        }
    }
}

impl ImportFile {
    /// The file entry for a manifest: its size and SHA-256/SHA-512 digests.
    ///
    /// # Errors
    /// [`AdapterError::MissingField`] when the manifest has no SHA-256 digest.
    pub fn from_manifest(filename: impl Into<String>, m: &Manifest) -> Result<Self, AdapterError> {
        if m.digest(DigestAlgorithm::Sha256).is_none() {
            return Err(AdapterError::MissingField("sha256"));
        }
        let hashes = m
            .digests
            .iter()
            .filter(|d| d.algorithm.is_secure())
            .cloned()
            .collect();
        Ok(Self {
            filename: filename.into(),
            size: m.size,
            hashes,
        })
    }
}

impl ImportManifest {
    /// Builds a manifest and checks it against the schema rules by serialising and parsing it.
    ///
    /// # Errors
    /// [`AdapterError`] naming the first rule broken.
    pub fn new(
        update_id: UpdateId,
        compatibility: Vec<Map<String, Value>>,
        instructions: Value,
        files: Vec<ImportFile>,
        created: UnixMillis,
    ) -> Result<Self, AdapterError> {
        let m = Self {
            update_id,
            is_deployable: true,
            description: None,
            compatibility,
            instructions,
            files,
            created,
        };
        Self::parse(&m.to_json(), usize::MAX)
    }

    /// Parses and validates an import manifest.
    ///
    /// # Errors
    /// [`AdapterError`] naming the first rule broken.
    pub fn parse(bytes: &[u8], max_len: usize) -> Result<Self, AdapterError> {
        let m = parse_object(bytes, max_len)?;
        if let Some(k) = m.keys().find(|k| !TOP_LEVEL.contains(&k.as_str())) {
            return Err(AdapterError::UnknownField(k.clone()));
        }
        if string(&m, "manifestVersion")? != "5.0" {
            return Err(AdapterError::InvalidField {
                field: "manifestVersion",
                reason: "must be \"5.0\"",
            });
        }
        let u = obj(&m, "updateId")?;
        let version = string(u, "version")?.to_owned();
        let parts = version.split('.').count();
        if !(2..=4).contains(&parts)
            || VersionScheme::Dotted.validate(&version).is_err()
            || version.starts_with(['v', 'V'])
        {
            return Err(AdapterError::InvalidField {
                field: "version",
                reason: "two to four dot-separated numbers",
            });
        }
        let update_id = UpdateId {
            provider: id_part(u, "provider")?,
            name: id_part(u, "name")?,
            version,
        };
        let description = opt_string(&m, "description")?.map(str::to_owned);
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 512)
        {
            return Err(AdapterError::InvalidField {
                field: "description",
                reason: "longer than 512 characters",
            });
        }
        let is_deployable = match m.get("isDeployable") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "isDeployable",
                    reason: "not a boolean",
                });
            }
        };
        let compatibility = match m.get("compatibility") {
            Some(Value::Array(a)) if !a.is_empty() => a
                .iter()
                .map(|c| match c {
                    Value::Object(o) if !o.is_empty() && o.values().all(Value::is_string) => {
                        Ok(o.clone())
                    }
                    _ => Err(AdapterError::InvalidField {
                        field: "compatibility",
                        reason: "entries are non-empty maps of strings",
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "compatibility",
                    reason: "a non-empty array",
                });
            }
            None => return Err(AdapterError::MissingField("compatibility")),
        };
        let instructions = obj(&m, "instructions")?;
        match instructions.get("steps") {
            Some(Value::Array(s)) if !s.is_empty() => {}
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "steps",
                    reason: "a non-empty array",
                });
            }
            None => return Err(AdapterError::MissingField("steps")),
        }
        let files = match m.get("files") {
            None => Vec::new(),
            Some(Value::Array(a)) if a.len() <= 10 => {
                a.iter().map(parse_file).collect::<Result<Vec<_>, _>>()?
            }
            Some(Value::Array(_)) => {
                return Err(AdapterError::InvalidField {
                    field: "files",
                    reason: "at most 10 files",
                });
            }
            Some(_) => {
                return Err(AdapterError::InvalidField {
                    field: "files",
                    reason: "not an array",
                });
            }
        };
        let created = UnixMillis::parse_rfc3339(string(&m, "createdDateTime")?).map_err(|_| {
            AdapterError::InvalidField {
                field: "createdDateTime",
                reason: "not an ISO 8601 date-time",
            }
        })?;
        Ok(Self {
            update_id,
            is_deployable,
            description,
            compatibility,
            instructions: Value::Object(instructions.clone()),
            files,
            created,
        })
    }

    /// Serialises the manifest (`createdDateTime` at millisecond precision).
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let files: Vec<Value> = self
            .files
            .iter()
            .map(|f| {
                let hashes: Map<String, Value> = f
                    .hashes
                    .iter()
                    .map(|d| (d.algorithm.name().to_owned(), json!(b64.encode(&d.value))))
                    .collect();
                json!({"filename": f.filename, "sizeInBytes": f.size, "hashes": hashes})
            })
            .collect();
        let mut m = Map::new();
        m.insert("updateId".into(), json!({"provider": self.update_id.provider, "name": self.update_id.name, "version": self.update_id.version}));
        m.insert("isDeployable".into(), json!(self.is_deployable));
        if let Some(d) = &self.description {
            m.insert("description".into(), json!(d));
        }
        m.insert(
            "compatibility".into(),
            Value::Array(
                self.compatibility
                    .iter()
                    .cloned()
                    .map(Value::Object)
                    .collect(),
            ),
        );
        m.insert("instructions".into(), self.instructions.clone());
        m.insert("files".into(), Value::Array(files));
        m.insert("createdDateTime".into(), json!(self.created.to_rfc3339()));
        m.insert("manifestVersion".into(), json!("5.0"));
        to_bytes(&Value::Object(m))
    }

    /// One manifest per file: component `provider/name`, the update version ([`VersionScheme::Dotted`]),
    /// the caller's sequence number, size and decoded hashes; `filename` and the compatibility sets
    /// go to extensions.
    #[must_use]
    pub fn to_manifests(&self, sequence: u64) -> Vec<Manifest> {
        self.files
            .iter()
            .map(|f| {
                let component = format!("{}/{}", self.update_id.provider, self.update_id.name);
                let mut m =
                    Manifest::new(component, self.update_id.version.clone(), sequence, f.size);
                m.version_scheme = VersionScheme::Dotted;
                m.digests.clone_from(&f.hashes);
                m.extensions.insert("filename".into(), json!(f.filename));
                m.extensions.insert(
                    "compatibility".into(),
                    Value::Array(
                        self.compatibility
                            .iter()
                            .cloned()
                            .map(Value::Object)
                            .collect(),
                    ),
                );
                m
            })
            .collect()
    }
}

fn parse_file(v: &Value) -> Result<ImportFile, AdapterError> {
    let f = v.as_object().ok_or(AdapterError::InvalidField {
        field: "files",
        reason: "entries are objects",
    })?;
    let filename = string(f, "filename")?;
    if filename.is_empty() || filename.len() > 255 {
        return Err(AdapterError::InvalidField {
            field: "filename",
            reason: "1 to 255 characters",
        });
    }
    let size = uint(f, "sizeInBytes")?;
    if size == 0 {
        return Err(AdapterError::InvalidField {
            field: "sizeInBytes",
            reason: "must be at least 1",
        });
    }
    let h = obj(f, "hashes")?;
    let mut hashes = Vec::new();
    for (k, v) in h {
        let Some(alg) = DigestAlgorithm::from_vendor_name(k) else {
            continue;
        };
        if alg == DigestAlgorithm::Md5 {
            continue;
        }
        let text = v.as_str().ok_or(AdapterError::InvalidField {
            field: "hashes",
            reason: "values are base64 strings",
        })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| AdapterError::InvalidField {
                field: "hashes",
                reason: "not base64",
            })?;
        hashes.push(
            Digest::new(alg, bytes).map_err(|_| AdapterError::InvalidField {
                field: "hashes",
                reason: "wrong digest length",
            })?,
        );
    }
    if !hashes
        .iter()
        .any(|d| d.algorithm == DigestAlgorithm::Sha256)
    {
        return Err(AdapterError::MissingField("sha256"));
    }
    Ok(ImportFile {
        filename: filename.to_owned(),
        size,
        hashes,
    })
}
