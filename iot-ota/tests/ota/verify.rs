//! Manifest signatures, thresholds, expiry, rollback, downgrade; streaming image checks and
//! resumption. Each rejection must come with its own error.

use iot_ota::{
    Differential, Digest, DigestAlgorithm, ImageError, ImageVerifier, Installed, Manifest,
    ManifestError, ManifestVerifier, PublicKey, ResumeState, SignedManifest, SigningKey, Source,
    UnixMillis, VerifyError, VersionScheme,
};

const NOW: UnixMillis = UnixMillis(1_800_000_000_000);

fn keys() -> Vec<SigningKey> {
    vec![
        SigningKey::ed25519_from_seed(&[1; 32]),
        SigningKey::p256_from_scalar(&[2; 32]).unwrap(),
        SigningKey::ed25519_from_seed(&[3; 32]),
    ]
}

fn image(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn manifest(img: &[u8], sequence: u64, version: &str) -> Manifest {
    Manifest::new("MCU", version, sequence, img.len() as u64)
        .with_digest(Digest::of(DigestAlgorithm::Sha256, img))
        .with_digest(Digest::of(DigestAlgorithm::Sha512, img))
        .with_source(Source::Https {
            url: "https://ota.example.com/fw.bin".into(),
        })
}

fn verifier(threshold: usize) -> ManifestVerifier {
    ManifestVerifier::new(keys().iter().map(SigningKey::public_key), threshold).unwrap()
}

fn installed() -> Installed {
    Installed::new("MCU", 10, "1.5.0")
}

#[test]
fn accepts_a_good_manifest_with_each_scheme_and_through_json() {
    let img = image(5000);
    for k in keys() {
        let signed = manifest(&img, 11, "2.0.0").sign(&[&k]).unwrap();
        let wire = signed.to_json().unwrap();
        let back = SignedManifest::from_json(&wire, 64 * 1024).unwrap();
        assert_eq!(back, signed);
        let ok = verifier(1).verify(&back, &installed(), NOW).unwrap();
        assert_eq!(ok.signed_by, vec![k.public_key().key_id()]);
    }
}

#[test]
fn bad_signature_is_its_own_error() {
    let img = image(100);
    let k = &keys()[0];
    let mut signed = manifest(&img, 11, "2.0.0").sign(&[k]).unwrap();
    signed.signatures[0].signature[5] ^= 1;
    assert_eq!(
        verifier(1).verify(&signed, &installed(), NOW).unwrap_err(),
        VerifyError::BadSignature {
            key_id: k.public_key().key_id()
        }
    );
    // A manifest changed after signing: same error.
    let mut signed = manifest(&img, 11, "2.0.0").sign(&[k]).unwrap();
    signed.manifest.size += 1;
    assert!(matches!(
        verifier(1).verify(&signed, &installed(), NOW),
        Err(VerifyError::BadSignature { .. })
    ));
    // P-256 too.
    let p = &keys()[1];
    let mut signed = manifest(&img, 11, "2.0.0").sign(&[p]).unwrap();
    signed.manifest.version = "2.0.1".into();
    assert!(matches!(
        verifier(1).verify(&signed, &installed(), NOW),
        Err(VerifyError::BadSignature { .. })
    ));
}

#[test]
fn threshold_counts_distinct_trusted_keys() {
    let img = image(100);
    let ks = keys();
    let two = manifest(&img, 11, "2.0.0").sign(&[&ks[0], &ks[1]]).unwrap();
    verifier(2).verify(&two, &installed(), NOW).unwrap();
    assert_eq!(
        verifier(3).verify(&two, &installed(), NOW).unwrap_err(),
        VerifyError::ThresholdNotMet {
            valid: 2,
            threshold: 3
        }
    );
    // The same key twice counts once (and is refused as a duplicate when parsed).
    let mut dup = manifest(&img, 11, "2.0.0").sign(&[&ks[0]]).unwrap();
    dup.signatures.push(dup.signatures[0].clone());
    assert_eq!(
        verifier(2).verify(&dup, &installed(), NOW).unwrap_err(),
        VerifyError::ThresholdNotMet {
            valid: 1,
            threshold: 2
        }
    );
    assert!(matches!(
        SignedManifest::from_json(&dup.to_json().unwrap(), 1 << 16),
        Err(ManifestError::DuplicateSignature(_))
    ));
    // Signatures by untrusted keys are ignored.
    let stranger = SigningKey::ed25519_from_seed(&[9; 32]);
    let s = manifest(&img, 11, "2.0.0")
        .sign(&[&stranger, &ks[2]])
        .unwrap();
    assert_eq!(
        verifier(2).verify(&s, &installed(), NOW).unwrap_err(),
        VerifyError::ThresholdNotMet {
            valid: 1,
            threshold: 2
        }
    );
    let none = manifest(&img, 11, "2.0.0").sign(&[]).unwrap();
    assert_eq!(
        verifier(1).verify(&none, &installed(), NOW).unwrap_err(),
        VerifyError::ThresholdNotMet {
            valid: 0,
            threshold: 1
        }
    );
    // A threshold no key set can meet is refused up front.
    assert!(ManifestVerifier::new(keys().iter().map(SigningKey::public_key), 4).is_err());
    assert!(ManifestVerifier::new(keys().iter().map(SigningKey::public_key), 0).is_err());
}

#[test]
fn expiry_uses_the_injected_clock() {
    let img = image(100);
    let mut m = manifest(&img, 11, "2.0.0");
    m.expires = Some(UnixMillis::parse_rfc3339("2030-01-01T00:00:00Z").unwrap());
    let signed = m.sign(&[&keys()[0]]).unwrap();
    verifier(1).verify(&signed, &installed(), NOW).unwrap();
    let later = UnixMillis(1_893_456_000_000);
    assert_eq!(
        verifier(1)
            .verify(&signed, &installed(), later)
            .unwrap_err(),
        VerifyError::Expired {
            expires: 1_893_456_000_000,
            now: 1_893_456_000_000
        }
    );
    // The expiry survives the JSON round trip as RFC 3339.
    let wire = String::from_utf8(signed.to_json().unwrap()).unwrap();
    assert!(wire.contains("\"expires\":\"2030-01-01T00:00:00Z\""));
}

#[test]
fn replay_and_rollback_versus_operator_downgrade() {
    let img = image(100);
    let k = &keys()[0];
    // Replaying the installed manifest (same sequence) and an older one are rollbacks.
    for seq in [10, 3] {
        let s = manifest(&img, seq, "2.0.0").sign(&[k]).unwrap();
        assert_eq!(
            verifier(1).verify(&s, &installed(), NOW).unwrap_err(),
            VerifyError::Rollback {
                sequence: seq,
                installed: 10
            }
        );
    }
    // An older version with a newer sequence is a downgrade, refused unless allowed.
    let older = manifest(&img, 11, "1.4.9").sign(&[k]).unwrap();
    assert_eq!(
        verifier(1).verify(&older, &installed(), NOW).unwrap_err(),
        VerifyError::Downgrade {
            offered: "1.4.9".into(),
            installed: "1.5.0".into()
        }
    );
    let mut v = verifier(1);
    v.allow_downgrade(true);
    v.verify(&older, &installed(), NOW).unwrap();
    // Allowing downgrades never allows a rollback of the sequence number.
    let replay = manifest(&img, 9, "1.4.9").sign(&[k]).unwrap();
    assert!(matches!(
        v.verify(&replay, &installed(), NOW),
        Err(VerifyError::Rollback { .. })
    ));
}

#[test]
fn component_and_delta_base() {
    let img = image(100);
    let k = &keys()[0];
    let mut m = manifest(&img, 11, "2.0.0");
    m.component = "WIFI".into();
    let s = m.sign(&[k]).unwrap();
    assert!(matches!(
        verifier(1).verify(&s, &installed(), NOW),
        Err(VerifyError::WrongComponent { .. })
    ));
    let mut m = manifest(&img, 11, "2.0.0");
    m.differential = Some(Differential {
        source_version: "1.4.0".into(),
        source_digest: None,
    });
    let s = m.sign(&[k]).unwrap();
    assert!(matches!(
        verifier(1).verify(&s, &installed(), NOW),
        Err(VerifyError::DifferentialBaseMismatch { .. })
    ));
    let mut m = manifest(&img, 11, "2.0.0");
    m.differential = Some(Differential {
        source_version: "1.5.0".into(),
        source_digest: None,
    });
    verifier(1)
        .verify(&m.sign(&[k]).unwrap(), &installed(), NOW)
        .unwrap();
}

#[test]
fn version_schemes_in_manifests() {
    let img = image(10);
    let k = &keys()[0];
    let mut m = manifest(&img, 11, "V1.10");
    m.version_scheme = VersionScheme::Dotted;
    let s = m.sign(&[k]).unwrap();
    verifier(1)
        .verify(&s, &Installed::new("MCU", 10, "1.9"), NOW)
        .unwrap();
    let mut bad = manifest(&img, 11, "not semver");
    bad.version_scheme = VersionScheme::Semver;
    assert!(matches!(
        bad.sign(&[k]),
        Err(ManifestError::InvalidField {
            field: "version",
            ..
        })
    ));
}

#[test]
fn json_limits_and_floats() {
    let img = image(10);
    let s = manifest(&img, 11, "2.0.0").sign(&[&keys()[0]]).unwrap();
    let wire = s.to_json().unwrap();
    assert!(matches!(
        SignedManifest::from_json(&wire, 10),
        Err(ManifestError::TooLarge { .. })
    ));
    assert!(matches!(
        SignedManifest::from_json(b"{", 100),
        Err(ManifestError::Json(_))
    ));
    let mut m = manifest(&img, 11, "2.0.0");
    m.extensions.insert("ratio".into(), serde_json::json!(0.5));
    assert!(matches!(
        m.sign(&[&keys()[0]]),
        Err(ManifestError::NonCanonicalNumber(_))
    ));
}

// ---- streaming -------------------------------------------------------------------------

fn stream(m: &Manifest, data: &[u8], chunk: usize) -> Result<(), ImageError> {
    let mut v = ImageVerifier::for_manifest(m)?;
    for c in data.chunks(chunk.max(1)) {
        v.update(c)?;
    }
    v.finish().map(|_| ())
}

#[test]
fn image_rejections_have_their_own_errors() {
    let img = image(10_000);
    let m = manifest(&img, 11, "2.0.0");
    stream(&m, &img, 4096).unwrap();
    let mut tampered = img.clone();
    tampered[1234] ^= 0x80;
    assert_eq!(
        stream(&m, &tampered, 4096),
        Err(ImageError::DigestMismatch {
            algorithm: DigestAlgorithm::Sha256
        })
    );
    assert_eq!(
        stream(&m, &img[..9_999], 4096),
        Err(ImageError::Truncated {
            received: 9_999,
            size: 10_000
        })
    );
    let mut extra = img.clone();
    extra.push(0);
    assert_eq!(
        stream(&m, &extra, 4096),
        Err(ImageError::TooLong {
            end: 10_001,
            size: 10_000
        })
    );
    // Wrong declared size: the right bytes under a manifest that claims one byte less.
    let mut wrong = m.clone();
    wrong.size = 9_999;
    assert_eq!(
        stream(&wrong, &img, 4096),
        Err(ImageError::TooLong {
            end: 10_000,
            size: 9_999
        })
    );
    // A refused chunk is not hashed: the verifier stays usable at the same offset.
    let mut v = ImageVerifier::for_manifest(&m).unwrap();
    v.update(&img[..9_000]).unwrap();
    assert!(v.update(&[0; 1001]).is_err());
    assert_eq!(v.received(), 9_000);
    v.update(&img[9_000..]).unwrap();
    v.finish().unwrap();
}

#[test]
fn md5_only_needs_opt_in_and_digest_lengths_are_checked() {
    let img = image(100);
    let md5 = [Digest::of(DigestAlgorithm::Md5, &img)];
    assert!(matches!(
        ImageVerifier::new(100, &md5),
        Err(ImageError::NoDigest(_))
    ));
    let mut v = ImageVerifier::allow_md5_only(100, &md5).unwrap();
    v.update(&img).unwrap();
    v.finish().unwrap();
    let short = Digest {
        algorithm: DigestAlgorithm::Sha256,
        value: vec![0; 31],
    };
    assert!(matches!(
        ImageVerifier::new(100, &[short]),
        Err(ImageError::DigestLength { .. })
    ));
}

#[test]
fn resuming_from_every_chunk_boundary_matches_one_pass() {
    let img = image(3 * 1024 + 77);
    let m = manifest(&img, 11, "2.0.0");
    let mut tampered = img.clone();
    tampered[2000] ^= 1;
    for (data, expect_ok) in [(&img, true), (&tampered, false)] {
        for chunk in [7usize, 64, 1000, 4096] {
            let boundaries: Vec<usize> = (0..=data.len())
                .step_by(chunk)
                .chain([data.len()])
                .collect();
            for &cut in &boundaries {
                let mut v = ImageVerifier::for_manifest(&m).unwrap();
                for c in data[..cut].chunks(chunk) {
                    v.update(c).unwrap();
                }
                // Persist as JSON, as a device would, and resume.
                let saved = serde_json::to_string(&v.save()).unwrap();
                let state: ResumeState = serde_json::from_str(&saved).unwrap();
                let mut r = ImageVerifier::resume(&m, &state).unwrap();
                assert_eq!(r.received(), cut as u64);
                for c in data[cut..].chunks(chunk) {
                    r.update(c).unwrap();
                }
                assert_eq!(r.finish().is_ok(), expect_ok, "chunk {chunk} cut {cut}");
            }
        }
    }
}

#[test]
fn resume_state_is_bound_to_its_manifest() {
    let img = image(1000);
    let m = manifest(&img, 11, "2.0.0");
    let mut v = ImageVerifier::for_manifest(&m).unwrap();
    v.update(&img[..500]).unwrap();
    let state = v.save();
    let other = manifest(&image(999), 11, "2.0.0");
    assert!(matches!(
        ImageVerifier::resume(&other, &state),
        Err(ImageError::BadResumeState(_))
    ));
    let mut corrupt = state.clone();
    corrupt.hashes[0].state.truncate(3);
    assert!(matches!(
        ImageVerifier::resume(&m, &corrupt),
        Err(ImageError::BadResumeState(_))
    ));
    let mut past = state;
    past.received = 2000;
    assert!(matches!(
        ImageVerifier::resume(&m, &past),
        Err(ImageError::BadResumeState(_))
    ));
}

#[test]
fn aws_style_image_signature() {
    use sha2::Digest as _;
    let img = image(4000);
    let key = SigningKey::p256_from_scalar(&[5; 32]).unwrap();
    let SigningKey::EcdsaP256(sk) = &key else {
        unreachable!()
    };
    use p256::ecdsa::signature::hazmat::PrehashSigner as _;
    let digest = sha2::Sha256::digest(&img);
    let sig: p256::ecdsa::Signature = sk.sign_prehash(&digest).unwrap();
    let der = sig.to_der().as_bytes().to_vec();
    let check = |data: &[u8], sig: Vec<u8>| {
        let mut v = ImageVerifier::signed_image(img.len() as u64, key.public_key(), sig).unwrap();
        v.update(data)?;
        v.finish().map(|_| ())
    };
    check(&img, der.clone()).unwrap();
    check(&img, sig.to_bytes().to_vec()).unwrap();
    let mut t = img.clone();
    t[0] ^= 1;
    assert_eq!(check(&t, der), Err(ImageError::BadImageSignature));
    assert!(
        ImageVerifier::signed_image(
            1,
            SigningKey::ed25519_from_seed(&[1; 32]).public_key(),
            vec![]
        )
        .is_err()
    );
    let _ = PublicKey::p256_sec1(&[4; 65]).unwrap_err();
}
