//! Public keys, key ids and signing keys (Ed25519 and ECDSA P-256).
//!
//! Key ids follow TUF: the lowercase hex SHA-256 of the canonical JSON of the key object
//! `{"keytype":…,"keyval":{"public":…},"scheme":…}`. Ed25519 public keys are hex in `public`
//! (`"scheme":"ed25519"`); P-256 keys are the PEM of their SubjectPublicKeyInfo
//! (`"keytype":"ecdsa","scheme":"ecdsa-sha2-nistp256"`), as python-tuf and tough write them.

use crate::digest::DigestAlgorithm;
use crate::encoding::{canonical_json, hex_decode, hex_encode, pem_decode, pem_encode};
use crate::error::KeyError;
use core::fmt;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use serde::{Deserialize, Serialize};

/// A TUF key id: SHA-256 of the canonical key object.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 32]);

impl KeyId {
    /// Parses 64 hex characters.
    ///
    /// # Errors
    /// [`KeyError::Encoding`] on anything else.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes = hex_decode(text).ok_or(KeyError::Encoding("key id is not hex"))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::Encoding("key id is not 32 bytes"))?;
        Ok(Self(arr))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex_encode(&self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// Ed25519 (RFC 8032), verified strictly (no small-order keys, canonical `S`).
    #[serde(rename = "ed25519")]
    Ed25519,
    /// ECDSA over P-256 with SHA-256; signatures are raw `r‖s` (64 bytes) or DER.
    #[serde(rename = "ecdsa-sha2-nistp256")]
    EcdsaP256Sha256,
}

/// A public key that verifies manifest signatures.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An Ed25519 key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An ECDSA P-256 key.
    EcdsaP256(p256::ecdsa::VerifyingKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({:?}, {})", self.scheme(), self.key_id())
    }
}

impl PublicKey {
    /// An Ed25519 key from its 32 bytes.
    ///
    /// # Errors
    /// [`KeyError`] for a wrong length or a point that does not decode.
    pub fn ed25519(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::Ed25519Length(bytes.len()))?;
        ed25519_dalek::VerifyingKey::from_bytes(arr)
            .map(Self::Ed25519)
            .map_err(|_| KeyError::InvalidKey("Ed25519"))
    }

    /// A P-256 key from its SEC1 encoding (65-byte uncompressed or 33-byte compressed point).
    ///
    /// # Errors
    /// [`KeyError::InvalidKey`] when the point is not on the curve.
    pub fn p256_sec1(bytes: &[u8]) -> Result<Self, KeyError> {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
            .map(Self::EcdsaP256)
            .map_err(|_| KeyError::InvalidKey("P-256"))
    }

    /// A P-256 key from DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// [`KeyError::InvalidKey`] when the DER or the point is invalid.
    pub fn p256_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        p256::ecdsa::VerifyingKey::from_public_key_der(der)
            .map(Self::EcdsaP256)
            .map_err(|_| KeyError::InvalidKey("P-256"))
    }

    /// A P-256 key from a PEM `PUBLIC KEY` block.
    ///
    /// # Errors
    /// [`KeyError::Encoding`] when there is no such block, [`KeyError::InvalidKey`] as for DER.
    pub fn p256_pem(pem: &str) -> Result<Self, KeyError> {
        let der =
            pem_decode("PUBLIC KEY", pem).ok_or(KeyError::Encoding("no PUBLIC KEY PEM block"))?;
        Self::p256_spki_der(&der)
    }

    /// Parses a TUF key object (`keytype`, `scheme`, `keyval.public`).
    ///
    /// # Errors
    /// [`KeyError`] for an unknown type/scheme or bad key material.
    pub fn from_tuf_json(value: &serde_json::Value) -> Result<Self, KeyError> {
        let keytype = value
            .get("keytype")
            .and_then(|v| v.as_str())
            .ok_or(KeyError::Encoding("keytype"))?;
        let scheme = value
            .get("scheme")
            .and_then(|v| v.as_str())
            .ok_or(KeyError::Encoding("scheme"))?;
        let public = value
            .get("keyval")
            .and_then(|v| v.get("public"))
            .and_then(|v| v.as_str())
            .ok_or(KeyError::Encoding("keyval.public"))?;
        match (keytype, scheme) {
            ("ed25519", "ed25519") => {
                Self::ed25519(&hex_decode(public).ok_or(KeyError::Encoding("public is not hex"))?)
            }
            ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => {
                if public.contains("-----BEGIN") {
                    Self::p256_pem(public)
                } else {
                    Self::p256_sec1(
                        &hex_decode(public).ok_or(KeyError::Encoding("public is not hex"))?,
                    )
                }
            }
            _ => Err(KeyError::Encoding("unsupported keytype/scheme")),
        }
    }

    /// The signature scheme of this key.
    #[must_use]
    pub const fn scheme(&self) -> SignatureScheme {
        match self {
            Self::Ed25519(_) => SignatureScheme::Ed25519,
            Self::EcdsaP256(_) => SignatureScheme::EcdsaP256Sha256,
        }
    }

    /// The TUF key object of this key.
    #[must_use]
    pub fn to_tuf_json(&self) -> serde_json::Value {
        match self {
            Self::Ed25519(k) => serde_json::json!({
                "keytype": "ed25519",
                "keyval": {"public": hex_encode(k.as_bytes())},
                "scheme": "ed25519",
            }),
            Self::EcdsaP256(k) => {
                let der = k
                    .to_public_key_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default();
                serde_json::json!({
                    "keytype": "ecdsa",
                    "keyval": {"public": pem_encode("PUBLIC KEY", &der)},
                    "scheme": "ecdsa-sha2-nistp256",
                })
            }
        }
    }

    /// The TUF key id: SHA-256 over the canonical JSON of [`to_tuf_json`](Self::to_tuf_json).
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        key_id_of(&self.to_tuf_json()).unwrap_or(KeyId([0; 32]))
    }

    /// Verifies `signature` over `message`.
    ///
    /// Ed25519 uses strict verification. P-256 accepts raw `r‖s` (64 bytes, as COSE) or ASN.1 DER
    /// (as TUF tooling writes); high-`S` signatures are accepted, as RFC 6979 verifiers do.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Ed25519(k) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| k.verify_strict(message, &sig).is_ok()),
            Self::EcdsaP256(k) => {
                let sig = if signature.len() == 64 {
                    p256::ecdsa::Signature::from_slice(signature).ok()
                } else {
                    p256::ecdsa::Signature::from_der(signature).ok()
                };
                sig.is_some_and(|s| k.verify(message, &s).is_ok())
            }
        }
    }
}

impl PublicKey {
    /// Verifies a P-256 signature (raw `r‖s` or DER) over an already computed SHA-256 digest.
    /// Always `false` for Ed25519 keys, which sign messages, not digests.
    #[must_use]
    pub fn verify_prehash(&self, digest: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
        let Self::EcdsaP256(k) = self else {
            return false;
        };
        let sig = if signature.len() == 64 {
            p256::ecdsa::Signature::from_slice(signature).ok()
        } else {
            p256::ecdsa::Signature::from_der(signature).ok()
        };
        sig.is_some_and(|s| k.verify_prehash(digest, &s).is_ok())
    }
}

/// The TUF key id of any key object (TV-11): SHA-256 of its canonical JSON.
///
/// # Errors
/// [`KeyError::Encoding`] when the object holds a non-integer number.
pub fn key_id_of(key_object: &serde_json::Value) -> Result<KeyId, KeyError> {
    let bytes = canonical_json(key_object)
        .map_err(|_| KeyError::Encoding("key object is not canonicalisable"))?;
    let d = DigestAlgorithm::Sha256.digest(&bytes);
    let arr: [u8; 32] = d
        .try_into()
        .map_err(|_| KeyError::Encoding("digest length"))?;
    Ok(KeyId(arr))
}

/// A private key that signs manifests (for build servers and tests; devices only verify).
#[derive(Clone)]
pub enum SigningKey {
    /// An Ed25519 key.
    Ed25519(ed25519_dalek::SigningKey),
    /// An ECDSA P-256 key (deterministic RFC 6979 nonces).
    EcdsaP256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey({:?}, {})",
            self.public_key().scheme(),
            self.public_key().key_id()
        )
    }
}

impl SigningKey {
    /// An Ed25519 key from its 32-byte seed.
    #[must_use]
    pub fn ed25519_from_seed(seed: &[u8; 32]) -> Self {
        Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// A P-256 key from its 32-byte big-endian scalar.
    ///
    /// # Errors
    /// [`KeyError::InvalidKey`] when the scalar is zero or not below the group order.
    pub fn p256_from_scalar(scalar: &[u8]) -> Result<Self, KeyError> {
        p256::ecdsa::SigningKey::from_slice(scalar)
            .map(Self::EcdsaP256)
            .map_err(|_| KeyError::InvalidKey("P-256"))
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        match self {
            Self::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            Self::EcdsaP256(k) => PublicKey::EcdsaP256(*k.verifying_key()),
        }
    }

    /// Signs `message`; P-256 signatures are raw `r‖s`.
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => {
                let s: ed25519_dalek::Signature = k.sign(message);
                s.to_bytes().to_vec()
            }
            Self::EcdsaP256(k) => {
                let s: p256::ecdsa::Signature = k.sign(message);
                s.to_bytes().to_vec()
            }
        }
    }
}
