//! Streaming verification of a firmware image against its manifest.
//!
//! [`ImageVerifier`] takes the image in chunks of any size, in order. It refuses any byte past the
//! declared size (the chunk is not hashed, so the verifier stays usable), checks the size and
//! every digest at [`ImageVerifier::finish`], and can be suspended into a plain
//! [`ResumeState`] (hash states included) and resumed after a reboot or a dropped connection
//! without reading the bytes already received again.

use crate::digest::{Digest, DigestAlgorithm, Hasher};
use crate::error::ImageError;
use crate::keys::PublicKey;
use crate::manifest::Manifest;
use serde::{Deserialize, Serialize};

/// Verifies an image as it streams in.
#[derive(Debug, Clone)]
pub struct ImageVerifier {
    size: u64,
    received: u64,
    checks: Vec<(Hasher, Vec<u8>)>,
    image_signature: Option<(PublicKey, Vec<u8>)>,
}

/// A suspended [`ImageVerifier`]: plain data that can be persisted (it serialises with serde).
///
/// It carries the expected digests, so a state cannot be resumed against another image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeState {
    /// Declared image size.
    pub size: u64,
    /// Bytes already hashed; the download resumes here.
    pub received: u64,
    /// One entry per digest being checked.
    pub hashes: Vec<SavedHash>,
}

/// The saved state of one running digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedHash {
    /// The algorithm.
    pub algorithm: DigestAlgorithm,
    /// Expected digest value; empty when the digest feeds an image signature instead.
    #[serde(
        serialize_with = "crate::digest::ser_hex",
        deserialize_with = "crate::digest::de_hex"
    )]
    pub expected: Vec<u8>,
    /// The hash function's internal state (format of the RustCrypto `SerializableState`).
    #[serde(
        serialize_with = "crate::digest::ser_hex",
        deserialize_with = "crate::digest::de_hex"
    )]
    pub state: Vec<u8>,
}

/// What [`ImageVerifier::finish`] returns: proof that size and digests matched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedImage {
    /// The image size.
    pub size: u64,
    /// The digests that were checked (all matched).
    pub digests: Vec<Digest>,
}

impl ImageVerifier {
    /// A verifier for an image of `size` bytes with the given expected digests.
    ///
    /// At least one SHA-256 or SHA-512 digest is required; see
    /// [`allow_md5_only`](Self::allow_md5_only) for Alibaba MD5-only packages.
    ///
    /// # Errors
    /// [`ImageError::NoDigest`] without a secure digest, [`ImageError::DigestLength`] for a digest
    /// of the wrong length.
    pub fn new(size: u64, digests: &[Digest]) -> Result<Self, ImageError> {
        if !digests.iter().any(|d| d.algorithm.is_secure()) {
            return Err(ImageError::NoDigest(
                "a SHA-256 or SHA-512 digest is required",
            ));
        }
        Self::build(size, digests)
    }

    /// Like [`new`](Self::new) but accepts a manifest whose only digest is MD5.
    ///
    /// MD5 detects transmission errors, not tampering: use it only where the manifest itself is
    /// signed or the transport is authenticated, as with Alibaba's `signMethod: "MD5"` pushes.
    ///
    /// # Errors
    /// [`ImageError::NoDigest`] without any digest, [`ImageError::DigestLength`] as for `new`.
    pub fn allow_md5_only(size: u64, digests: &[Digest]) -> Result<Self, ImageError> {
        if digests.is_empty() {
            return Err(ImageError::NoDigest("the manifest lists no digest"));
        }
        Self::build(size, digests)
    }

    /// A verifier for the image a manifest describes (size and all its digests).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn for_manifest(manifest: &Manifest) -> Result<Self, ImageError> {
        Self::new(manifest.size, &manifest.digests)
    }

    fn build(size: u64, digests: &[Digest]) -> Result<Self, ImageError> {
        let mut checks = Vec::with_capacity(digests.len());
        for d in digests {
            let d = Digest::new(d.algorithm, d.value.clone())?;
            checks.push((Hasher::new(d.algorithm), d.value));
        }
        Ok(Self {
            size,
            received: 0,
            checks,
            image_signature: None,
        })
    }

    /// A verifier for an image authenticated by an ECDSA P-256 signature over its SHA-256
    /// digest instead of a listed digest — the FreeRTOS/AWS code-signing scheme
    /// (`sig-sha256-ecdsa`). The signature may be raw `r‖s` or DER.
    ///
    /// # Errors
    /// [`ImageError::NoDigest`] when `key` is not a P-256 key (Ed25519 signs messages, not
    /// digests).
    pub fn signed_image(size: u64, key: PublicKey, signature: Vec<u8>) -> Result<Self, ImageError> {
        if !matches!(key, PublicKey::EcdsaP256(_)) {
            return Err(ImageError::NoDigest(
                "image signatures over a digest need a P-256 key",
            ));
        }
        Ok(Self {
            size,
            received: 0,
            checks: vec![(Hasher::new(DigestAlgorithm::Sha256), Vec::new())],
            image_signature: Some((key, signature)),
        })
    }

    /// Adds (or replaces) the image signature check, for example after
    /// [`resume_unchecked`](Self::resume_unchecked) of a [`signed_image`](Self::signed_image)
    /// verifier.
    ///
    /// # Errors
    /// As [`signed_image`](Self::signed_image); also when no SHA-256 is being computed.
    pub fn with_image_signature(
        mut self,
        key: PublicKey,
        signature: Vec<u8>,
    ) -> Result<Self, ImageError> {
        if !matches!(key, PublicKey::EcdsaP256(_)) {
            return Err(ImageError::NoDigest(
                "image signatures over a digest need a P-256 key",
            ));
        }
        if !self
            .checks
            .iter()
            .any(|(h, _)| h.algorithm() == DigestAlgorithm::Sha256)
        {
            return Err(ImageError::NoDigest(
                "an image signature needs a SHA-256 digest",
            ));
        }
        self.image_signature = Some((key, signature));
        Ok(self)
    }

    /// Declared image size.
    #[must_use]
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// Bytes accepted so far, which is also the offset the next chunk must start at.
    #[must_use]
    pub const fn received(&self) -> u64 {
        self.received
    }

    /// Bytes still expected.
    #[must_use]
    pub const fn remaining(&self) -> u64 {
        self.size - self.received
    }

    /// Progress in whole percent (0..=100); an empty image is 100 %.
    #[must_use]
    pub fn percent(&self) -> u8 {
        if self.size == 0 {
            return 100;
        }
        let p = u128::from(self.received) * 100 / u128::from(self.size);
        u8::try_from(p).unwrap_or(100)
    }

    /// Whether the declared size has been reached.
    #[must_use]
    pub const fn is_complete(&self) -> bool {
        self.received == self.size
    }

    /// Hashes the next chunk.
    ///
    /// # Errors
    /// [`ImageError::TooLong`] when the chunk would run past the declared size. Nothing of that
    /// chunk is hashed.
    #[inline]
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), ImageError> {
        let len = chunk.len() as u64;
        let end = self.received.saturating_add(len);
        if end > self.size {
            return Err(ImageError::TooLong {
                end,
                size: self.size,
            });
        }
        for (h, _) in &mut self.checks {
            h.update(chunk);
        }
        self.received = end;
        Ok(())
    }

    /// Checks the size and every digest.
    ///
    /// # Errors
    /// [`ImageError::Truncated`] before the declared size is reached,
    /// [`ImageError::DigestMismatch`] naming the first digest that differs.
    pub fn finish(self) -> Result<VerifiedImage, ImageError> {
        if self.received != self.size {
            return Err(ImageError::Truncated {
                received: self.received,
                size: self.size,
            });
        }
        let mut digests = Vec::with_capacity(self.checks.len());
        for (h, expected) in self.checks {
            let algorithm = h.algorithm();
            let actual = h.finalize();
            // An empty expectation is the SHA-256 computed for an image signature.
            if !expected.is_empty() && !ct_eq(&actual, &expected) {
                return Err(ImageError::DigestMismatch { algorithm });
            }
            digests.push(Digest {
                algorithm,
                value: actual,
            });
        }
        if let Some((key, signature)) = &self.image_signature {
            let sha256 = digests
                .iter()
                .find(|d| d.algorithm == DigestAlgorithm::Sha256)
                .map(|d| d.value.as_slice())
                .unwrap_or_default();
            if !key.verify_prehash(sha256, signature) {
                return Err(ImageError::BadImageSignature);
            }
        }
        Ok(VerifiedImage {
            size: self.size,
            digests,
        })
    }

    /// Suspends the verifier into plain data.
    #[must_use]
    pub fn save(&self) -> ResumeState {
        ResumeState {
            size: self.size,
            received: self.received,
            hashes: self
                .checks
                .iter()
                .map(|(h, e)| SavedHash {
                    algorithm: h.algorithm(),
                    expected: e.clone(),
                    state: h.save(),
                })
                .collect(),
        }
    }

    /// Resumes a saved verifier, checking that it belongs to the image `manifest` describes.
    ///
    /// # Errors
    /// [`ImageError::BadResumeState`] when the state is corrupt, or its size or digests differ
    /// from the manifest's.
    pub fn resume(manifest: &Manifest, state: &ResumeState) -> Result<Self, ImageError> {
        if state.size != manifest.size {
            return Err(ImageError::BadResumeState("size differs from the manifest"));
        }
        let same = state.hashes.len() == manifest.digests.len()
            && manifest.digests.iter().all(|d| {
                state
                    .hashes
                    .iter()
                    .any(|h| h.algorithm == d.algorithm && h.expected == d.value)
            });
        if !same {
            return Err(ImageError::BadResumeState(
                "digests differ from the manifest",
            ));
        }
        Self::resume_unchecked(state)
    }

    /// Resumes a saved verifier without a manifest to compare it with.
    ///
    /// # Errors
    /// [`ImageError::BadResumeState`] when the state is corrupt.
    pub fn resume_unchecked(state: &ResumeState) -> Result<Self, ImageError> {
        if state.received > state.size {
            return Err(ImageError::BadResumeState("offset past the declared size"));
        }
        if state.hashes.is_empty() {
            return Err(ImageError::BadResumeState("no digest"));
        }
        let mut checks = Vec::with_capacity(state.hashes.len());
        for saved in &state.hashes {
            if !saved.expected.is_empty() && saved.expected.len() != saved.algorithm.output_len() {
                return Err(ImageError::BadResumeState("digest length"));
            }
            let h = Hasher::restore(saved.algorithm, &saved.state)
                .ok_or(ImageError::BadResumeState("hash state"))?;
            checks.push((h, saved.expected.clone()));
        }
        Ok(Self {
            size: state.size,
            received: state.received,
            checks,
            image_signature: None,
        })
    }
}

/// Comparison that does not stop at the first differing byte.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
