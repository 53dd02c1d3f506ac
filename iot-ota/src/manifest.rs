//! The vendor-neutral firmware manifest and its signed envelope.
//!
//! A [`Manifest`] describes one image for one component: version (with the product's ordering
//! rule), size, digests, where to fetch it, whether it is a delta, a monotonic sequence number
//! for rollback protection, an optional expiry and free-form extension data. Vendor messages
//! (Alibaba, AWS, Azure, SUIT) convert into it, see [`crate::adapters`] and [`crate::suit`].
//!
//! A [`SignedManifest`] is the TUF-style envelope `{"signed": MANIFEST, "signatures": [{"keyid",
//! "sig"}]}`. Signatures cover the OLPC canonical JSON of `signed`
//! ([`Manifest::canonical_bytes`]), so any JSON library can re-create the signed bytes.

use crate::digest::{Digest, DigestAlgorithm};
use crate::encoding::canonical_json;
use crate::error::ManifestError;
use crate::keys::{KeyId, SigningKey};
use crate::time::UnixMillis;
use crate::version::VersionScheme;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Default limit on the size of a manifest's JSON text (64 KiB).
pub const DEFAULT_MAX_MANIFEST_LEN: usize = 64 * 1024;

/// Where the image can be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Source {
    /// An HTTPS URL (Alibaba `url`, AWS `update_data_url`, Azure file URLs).
    Https {
        /// The URL.
        url: String,
    },
    /// An MQTT file stream (Alibaba `streamId`/`streamFileId`, AWS IoT streams `streamname`/`fileid`).
    MqttStream {
        /// The stream id or name.
        stream: String,
        /// The file within the stream.
        file_id: u64,
    },
    /// A CoAP resource fetched with block-wise transfer (RFC 7959).
    CoapBlockwise {
        /// The `coap://` or `coaps://` URI.
        uri: String,
    },
}

/// A differential (delta) package: it can only be applied to one source version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Differential {
    /// The version the delta was built against.
    pub source_version: String,
    /// Digest of the source image, when known (SUIT precursor digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_digest: Option<Digest>,
}

/// A firmware manifest, independent of any vendor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Manifest {
    /// Component or module (Alibaba `module`; `"default"` is the whole device).
    pub component: String,
    /// Version string as the vendor writes it.
    pub version: String,
    /// How versions of this product are ordered.
    #[serde(default)]
    pub version_scheme: VersionScheme,
    /// Monotonic sequence number (SUIT `manifest-sequence-number`, TUF `version`): a device
    /// refuses a manifest whose number is not greater than the installed one.
    pub sequence: u64,
    /// Image size in bytes.
    pub size: u64,
    /// Expected digests of the image (for a delta: of the delta package).
    pub digests: Vec<Digest>,
    /// Where to fetch the image, in order of preference.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Set for differential packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differential: Option<Differential>,
    /// After this instant the manifest is refused (RFC 9124 REQ.SEC.EXP).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_rfc3339")]
    pub expires: Option<UnixMillis>,
    /// Vendor extension data (Alibaba `extData`, AWS custom fields), kept verbatim.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, serde_json::Value>,
}

mod opt_rfc3339 {
    use crate::time::UnixMillis;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        v: &Option<UnixMillis>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&t.to_rfc3339()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<UnixMillis>, D::Error> {
        let s: Option<std::borrow::Cow<'de, str>> = Option::deserialize(d)?;
        s.map(|s| UnixMillis::parse_rfc3339(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

impl Manifest {
    /// A manifest with no digests, sources or extensions yet; fill the public fields after.
    #[must_use]
    pub fn new(
        component: impl Into<String>,
        version: impl Into<String>,
        sequence: u64,
        size: u64,
    ) -> Self {
        Self {
            component: component.into(),
            version: version.into(),
            version_scheme: VersionScheme::default(),
            sequence,
            size,
            digests: Vec::new(),
            sources: Vec::new(),
            differential: None,
            expires: None,
            extensions: BTreeMap::new(),
        }
    }

    /// Adds a digest (builder style).
    #[must_use]
    pub fn with_digest(mut self, digest: Digest) -> Self {
        self.digests.push(digest);
        self
    }

    /// Adds a source (builder style).
    #[must_use]
    pub fn with_source(mut self, source: Source) -> Self {
        self.sources.push(source);
        self
    }

    /// The digest for `algorithm`, if the manifest carries one.
    #[must_use]
    pub fn digest(&self, algorithm: DigestAlgorithm) -> Option<&Digest> {
        self.digests.iter().find(|d| d.algorithm == algorithm)
    }

    /// Checks the model's rules: non-empty component and version, a version valid under its
    /// scheme, digests of the right length, no algorithm twice.
    ///
    /// # Errors
    /// [`ManifestError::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.component.is_empty() {
            return Err(ManifestError::InvalidField {
                field: "component",
                reason: "empty",
            });
        }
        if self.version_scheme.validate(&self.version).is_err() {
            return Err(ManifestError::InvalidField {
                field: "version",
                reason: "not valid under version_scheme",
            });
        }
        for (i, d) in self.digests.iter().enumerate() {
            if d.value.len() != d.algorithm.output_len() {
                return Err(ManifestError::InvalidField {
                    field: "digests",
                    reason: "wrong length for the algorithm",
                });
            }
            if self.digests[..i].iter().any(|e| e.algorithm == d.algorithm) {
                return Err(ManifestError::InvalidField {
                    field: "digests",
                    reason: "algorithm listed twice",
                });
            }
        }
        Ok(())
    }

    /// The bytes signatures cover: OLPC canonical JSON of the manifest.
    ///
    /// # Errors
    /// [`ManifestError::NonCanonicalNumber`] when an extension holds a floating-point number.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, ManifestError> {
        let value = serde_json::to_value(self).map_err(|e| ManifestError::Json(e.to_string()))?;
        canonical_json(&value)
    }

    /// Signs the manifest with each key.
    ///
    /// # Errors
    /// As [`canonical_bytes`](Self::canonical_bytes) and [`validate`](Self::validate).
    pub fn sign(self, keys: &[&SigningKey]) -> Result<SignedManifest, ManifestError> {
        self.validate()?;
        let bytes = self.canonical_bytes()?;
        let signatures = keys
            .iter()
            .map(|k| ManifestSignature {
                key_id: k.public_key().key_id(),
                signature: k.sign(&bytes),
            })
            .collect();
        Ok(SignedManifest {
            manifest: self,
            signatures,
        })
    }
}

/// One signature in a [`SignedManifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSignature {
    /// The signer's TUF key id.
    #[serde(rename = "keyid")]
    pub key_id: KeyId,
    /// The signature bytes (hex in JSON).
    #[serde(
        rename = "sig",
        serialize_with = "crate::digest::ser_hex",
        deserialize_with = "crate::digest::de_hex"
    )]
    pub signature: Vec<u8>,
}

/// A manifest with its signatures, in the TUF envelope layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedManifest {
    /// The signed manifest.
    #[serde(rename = "signed")]
    pub manifest: Manifest,
    /// Signatures over [`Manifest::canonical_bytes`].
    pub signatures: Vec<ManifestSignature>,
}

impl SignedManifest {
    /// Parses the JSON envelope, refusing inputs over `max_len` bytes and unknown shapes.
    ///
    /// # Errors
    /// [`ManifestError::TooLarge`], [`ManifestError::Json`], [`ManifestError::DuplicateSignature`],
    /// or [`ManifestError::InvalidField`] from [`Manifest::validate`].
    pub fn from_json(text: &[u8], max_len: usize) -> Result<Self, ManifestError> {
        if text.len() > max_len {
            return Err(ManifestError::TooLarge {
                size: text.len(),
                limit: max_len,
            });
        }
        let parsed: Self =
            serde_json::from_slice(text).map_err(|e| ManifestError::Json(e.to_string()))?;
        parsed.manifest.validate()?;
        for (i, s) in parsed.signatures.iter().enumerate() {
            if parsed.signatures[..i].iter().any(|t| t.key_id == s.key_id) {
                return Err(ManifestError::DuplicateSignature(s.key_id));
            }
        }
        Ok(parsed)
    }

    /// Serialises the envelope as compact JSON.
    ///
    /// # Errors
    /// [`ManifestError::Json`] if serialisation fails (it does not for valid manifests).
    pub fn to_json(&self) -> Result<Vec<u8>, ManifestError> {
        serde_json::to_vec(self).map_err(|e| ManifestError::Json(e.to_string()))
    }
}
