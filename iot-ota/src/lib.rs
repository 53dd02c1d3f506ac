//! Firmware manifests, signatures, streaming verification, the device upgrade state machine and
//! staged rollouts — the over-the-air update path of an IoT platform, device side and platform
//! side, so that a tampered or rolled-back image never installs.
//!
//! # What it does
//!
//! - **One manifest model** ([`Manifest`]): component, version with a per-product ordering rule
//!   ([`VersionScheme`]), size, digests (SHA-256, SHA-512; MD5 only for Alibaba), sources (HTTPS,
//!   MQTT stream, CoAP block-wise), delta packages, a monotonic sequence number, expiry and
//!   extension data.
//! - **Signatures with a threshold** ([`ManifestVerifier`]): Ed25519 and ECDSA P-256 over the
//!   canonical JSON of the manifest, TUF key ids, expiry against an injected `now`, rollback
//!   protection by sequence number, and version downgrades only when an operator allows them.
//! - **Streaming verification** ([`ImageVerifier`]): chunks of any size, size and digests
//!   checked at the end, never a byte past the declared size, resumable from a saved
//!   [`ResumeState`].
//! - **Vendor adapters** ([`adapters`]): Alibaba upgrade push, inform, progress and
//!   `thing.ota.firmware.get`; AWS IoT Jobs updates and the FreeRTOS `afr_ota` document; the
//!   Azure Device Update import manifest. **SUIT** envelopes ([`suit`]): parsing, COSE_Sign1
//!   (ES256, EdDSA) verification of the published examples, and encoding and signing of our own.
//! - **Device upgrade state machine** ([`device::UpgradeAgent`]) and **staged rollouts**
//!   ([`campaign::Campaign`]), both sans-IO: inputs and `now` in, actions and wake-up times out,
//!   state as plain serde values.
//!
//! # What it does not do
//!
//! It opens no connection, reads no clock, writes no flash and spawns no task: the integrator
//! moves the bytes (HTTP, MQTT streams, CoAP) and flips the bootloader flags the agent asks for.
//! It does not implement the full TUF client workflow (root rotation, snapshot/timestamp roles),
//! the SUIT command interpreter, COSE_Sign/COSE_Mac, encrypted payloads, or delta patching itself.
//!
//! # Example
//!
//! ```
//! use iot_ota::{Digest, DigestAlgorithm, ImageVerifier, Installed, Manifest, ManifestVerifier, SigningKey, UnixMillis};
//!
//! # fn main() -> Result<(), iot_ota::Error> {
//! let image = vec![0x5a_u8; 10_000];
//! let key = SigningKey::ed25519_from_seed(&[7; 32]);
//!
//! // Build server: describe and sign the image.
//! let manifest = Manifest::new("MCU", "2.0.0", 42, image.len() as u64)
//!     .with_digest(Digest::of(DigestAlgorithm::Sha256, &image));
//! let signed = manifest.sign(&[&key])?;
//! let wire = signed.to_json()?;
//!
//! // Device: check the manifest against what is installed, then stream the image.
//! let received = iot_ota::SignedManifest::from_json(&wire, 64 * 1024)?;
//! let verifier = ManifestVerifier::new([key.public_key()], 1)?;
//! let installed = Installed::new("MCU", 41, "1.9.0");
//! let ok = verifier.verify(&received, &installed, UnixMillis(1_700_000_000_000))?;
//!
//! let mut stream = ImageVerifier::for_manifest(&ok.manifest)?;
//! for chunk in image.chunks(4096) {
//!     stream.update(chunk)?;
//! }
//! stream.finish()?;
//!
//! // A replay of the same manifest is refused once it is installed.
//! let now_installed = Installed::new("MCU", 42, "2.0.0");
//! assert!(verifier.verify(&received, &now_installed, UnixMillis(1_700_000_000_000)).is_err());
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod adapters;
pub mod campaign;
pub mod device;
mod digest;
pub mod encoding;
mod error;
mod keys;
mod manifest;
mod stream;
pub mod suit;
mod time;
mod verify;
mod version;

pub use digest::{Digest, DigestAlgorithm};
pub use error::{
    AdapterError, AgentError, CampaignError, CborError, Error, ImageError, KeyError, ManifestError,
    SuitError, VerifyError, VersionError,
};
pub use keys::{KeyId, PublicKey, SignatureScheme, SigningKey, key_id_of};
pub use manifest::{
    DEFAULT_MAX_MANIFEST_LEN, Differential, Manifest, ManifestSignature, SignedManifest, Source,
};
pub use stream::{ImageVerifier, ResumeState, SavedHash, VerifiedImage};
pub use time::UnixMillis;
pub use verify::{Installed, ManifestVerifier, VerifiedManifest};
pub use version::VersionScheme;
