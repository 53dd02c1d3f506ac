//! Digest algorithms and values.
//!
//! SHA-256 and SHA-512 are the digests the crate relies on for integrity. MD5 exists only because
//! Alibaba's upgrade push may carry nothing else (`signMethod: "MD5"`); a verifier refuses an
//! MD5-only manifest unless the caller opts in (see [`crate::ImageVerifier::allow_md5_only`]).

use crate::encoding::{hex_decode, hex_encode};
use crate::error::ImageError;
use core::fmt;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-256 (FIPS 180-4). COSE id -16.
    Sha256,
    /// SHA-512 (FIPS 180-4). COSE id -44.
    Sha512,
    /// MD5 (RFC 1321), only for Alibaba compatibility: not collision resistant.
    Md5,
}

impl DigestAlgorithm {
    /// Output length in bytes.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha512 => 64,
            Self::Md5 => 16,
        }
    }

    /// Whether the algorithm is collision resistant (MD5 is not).
    #[must_use]
    pub const fn is_secure(self) -> bool {
        !matches!(self, Self::Md5)
    }

    /// Parses a vendor spelling case-insensitively: `sha256`, `SHA-256`, `Sha256`, `md5`, `MD5`…
    #[must_use]
    pub fn from_vendor_name(name: &str) -> Option<Self> {
        let n: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        match n.as_str() {
            "sha256" => Some(Self::Sha256),
            "sha512" => Some(Self::Sha512),
            "md5" => Some(Self::Md5),
            _ => None,
        }
    }

    /// The lowercase name (`sha256`, `sha512`, `md5`), as TUF and Azure spell it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
            Self::Md5 => "md5",
        }
    }

    /// One-shot digest of `data`.
    #[must_use]
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finalize()
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sha256 => "SHA-256",
            Self::Sha512 => "SHA-512",
            Self::Md5 => "MD5",
        })
    }
}

/// An expected digest: algorithm and value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Digest {
    /// The algorithm.
    pub algorithm: DigestAlgorithm,
    /// The digest bytes (hex in JSON).
    #[serde(serialize_with = "ser_hex", deserialize_with = "de_hex")]
    pub value: Vec<u8>,
}

impl Digest {
    /// Builds a digest, checking the length against the algorithm.
    ///
    /// # Errors
    /// [`ImageError::DigestLength`] when `value` has the wrong length.
    pub fn new(algorithm: DigestAlgorithm, value: Vec<u8>) -> Result<Self, ImageError> {
        if value.len() != algorithm.output_len() {
            return Err(ImageError::DigestLength {
                algorithm,
                expected: algorithm.output_len(),
                actual: value.len(),
            });
        }
        Ok(Self { algorithm, value })
    }

    /// Digest of `data` with `algorithm`.
    #[must_use]
    pub fn of(algorithm: DigestAlgorithm, data: &[u8]) -> Self {
        Self {
            algorithm,
            value: algorithm.digest(data),
        }
    }

    /// Lowercase hex of the value.
    #[must_use]
    pub fn hex(&self) -> String {
        hex_encode(&self.value)
    }
}

pub(crate) fn ser_hex<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex_encode(v))
}

pub(crate) fn de_hex<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    hex_decode(&s).ok_or_else(|| serde::de::Error::custom("invalid hex"))
}

/// An incremental hasher over one of the [`DigestAlgorithm`]s.
#[derive(Clone)]
pub(crate) enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
    Md5(md5::Md5),
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Hasher").field(&self.algorithm()).finish()
    }
}

impl Hasher {
    pub(crate) fn new(algorithm: DigestAlgorithm) -> Self {
        use sha2::Digest as _;
        match algorithm {
            DigestAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
            DigestAlgorithm::Sha512 => Self::Sha512(sha2::Sha512::new()),
            DigestAlgorithm::Md5 => Self::Md5(md5::Md5::new()),
        }
    }

    pub(crate) const fn algorithm(&self) -> DigestAlgorithm {
        match self {
            Self::Sha256(_) => DigestAlgorithm::Sha256,
            Self::Sha512(_) => DigestAlgorithm::Sha512,
            Self::Md5(_) => DigestAlgorithm::Md5,
        }
    }

    #[inline]
    pub(crate) fn update(&mut self, data: &[u8]) {
        use sha2::Digest as _;
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
            Self::Md5(h) => h.update(data),
        }
    }

    pub(crate) fn finalize(self) -> Vec<u8> {
        use sha2::Digest as _;
        match self {
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
            Self::Md5(h) => h.finalize().to_vec(),
        }
    }

    /// The hash's internal state (chaining value, length counter, buffered partial block).
    pub(crate) fn save(&self) -> Vec<u8> {
        use sha2::digest::common::hazmat::SerializableState as _;
        match self {
            Self::Sha256(h) => h.serialize().to_vec(),
            Self::Sha512(h) => h.serialize().to_vec(),
            Self::Md5(h) => h.serialize().to_vec(),
        }
    }

    pub(crate) fn restore(algorithm: DigestAlgorithm, state: &[u8]) -> Option<Self> {
        use sha2::digest::common::hazmat::SerializableState;
        fn load<T: SerializableState>(bytes: &[u8]) -> Option<T> {
            let arr = sha2::digest::common::hazmat::SerializedState::<T>::try_from(bytes).ok()?;
            T::deserialize(&arr).ok()
        }
        Some(match algorithm {
            DigestAlgorithm::Sha256 => Self::Sha256(load(state)?),
            DigestAlgorithm::Sha512 => Self::Sha512(load(state)?),
            DigestAlgorithm::Md5 => Self::Md5(load(state)?),
        })
    }
}
