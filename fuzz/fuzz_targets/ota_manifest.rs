//! Fuzz the iot-ota parsers: arbitrary bytes as a SUIT envelope (parse and verify against the
//! draft's example key), as a signed JSON manifest (parse and verify), and as every vendor OTA
//! message; plus the streaming verifier fed the input as an image in input-chosen chunks.
//!
//! `cd fuzz && cargo fuzz run -s none ota_manifest`
#![no_main]

use std::sync::OnceLock;

use iot_ota::adapters::alibaba::{FirmwareGet, Inform, Progress, UpgradePush};
use iot_ota::adapters::aws::{AfrOtaDocument, UpdateJobExecution};
use iot_ota::adapters::azure::ImportManifest;
use iot_ota::suit::SuitEnvelope;
use iot_ota::{Digest, DigestAlgorithm, ImageVerifier, Installed, ManifestVerifier, PublicKey, SignedManifest, SigningKey, UnixMillis};
use libfuzzer_sys::fuzz_target;

const MAX: usize = 64 * 1024;

fn suit_key() -> &'static PublicKey {
    static K: OnceLock<PublicKey> = OnceLock::new();
    K.get_or_init(|| {
        PublicKey::p256_pem(
            "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhJaBGq4LqqvSYVcYnuzaJr6qi/Eb\nbz/m4rVlnIXbwK07HypLbAmBMcCjbazR14vTgdzfsJwFLbM5kdtzOLSolg==\n-----END PUBLIC KEY-----\n",
        )
        .expect("example key parses")
    })
}

fn verifier() -> &'static ManifestVerifier {
    static V: OnceLock<ManifestVerifier> = OnceLock::new();
    V.get_or_init(|| {
        ManifestVerifier::new([SigningKey::ed25519_from_seed(&[1; 32]).public_key(), suit_key().clone()], 1).expect("threshold 1")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = SuitEnvelope::parse(data) {
        let _ = env.verify(std::slice::from_ref(suit_key()));
        let _ = env.to_manifest(0);
    }
    if let Ok(signed) = SignedManifest::from_json(data, MAX) {
        let _ = verifier().verify(&signed, &Installed::new("MCU", 5, "1.0.0"), UnixMillis(1_800_000_000_000));
    }
    if let Ok(push) = UpgradePush::parse(data, MAX) {
        let _ = push.package.to_manifest(1, Some("1.0.0"));
        let _ = UpgradePush::parse(&push.to_json(), MAX);
    }
    let _ = Inform::parse(data, MAX);
    let _ = Progress::parse(data, MAX);
    let _ = FirmwareGet::parse(data, MAX);
    let _ = FirmwareGet::parse_reply(data, MAX);
    if let Ok(doc) = AfrOtaDocument::parse(data, MAX) {
        let _ = doc.files.first().map(|f| f.to_manifest(&doc, "1", 1));
    }
    let _ = UpdateJobExecution::parse(data, MAX);
    if let Ok(m) = ImportManifest::parse(data, MAX) {
        let _ = m.to_manifests(1);
    }

    // Streaming: the first byte picks the chunk size, the declared size is off by up to ±2.
    if let Some((&first, image)) = data.split_first() {
        let chunk = usize::from(first % 64) + 1;
        let declared = (image.len() as u64).saturating_add(u64::from(first % 5)).saturating_sub(2);
        let digest = Digest::of(DigestAlgorithm::Sha256, image);
        if let Ok(mut v) = ImageVerifier::new(declared, std::slice::from_ref(&digest)) {
            let mut accepted = 0u64;
            for c in image.chunks(chunk) {
                if v.update(c).is_ok() {
                    accepted += c.len() as u64;
                }
            }
            assert!(accepted <= declared, "accepted bytes past the declared size");
            let ok = v.finish().is_ok();
            assert_eq!(ok, declared == image.len() as u64, "verdict differs from the truth");
        }
    }
});
