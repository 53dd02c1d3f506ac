//! SUIT envelopes: the published Example 0 (TV-09, TV-10) and derived rejections.

use crate::common::{hex, str_of, testdata, vectors};
use iot_ota::suit::SuitEnvelope;
use iot_ota::{CborError, PublicKey, SuitError};

fn error_name(e: &SuitError) -> String {
    match e {
        SuitError::Cbor(c) => variant(&format!("{c:?}")),
        other => variant(&format!("{other:?}")),
    }
}

fn variant(debug: &str) -> String {
    debug.split(['(', ' ', '{']).next().unwrap().to_owned()
}

fn keys() -> (PublicKey, PublicKey) {
    let t = testdata("suit.toml");
    let key = t["key"].as_table().unwrap();
    let trusted = PublicKey::p256_pem(str_of(key, "public_key_pem")).unwrap();
    let other = PublicKey::p256_sec1(&hex(str_of(key, "other_key_sec1"))).unwrap();
    (trusted, other)
}

#[test]
fn suit_vectors() {
    let (trusted, other) = keys();
    for v in vectors("suit.toml") {
        let name = str_of(&v, "name");
        let bytes = hex(str_of(&v, "envelope"));
        let result = SuitEnvelope::parse(&bytes).and_then(|env| {
            env.verify(std::slice::from_ref(&trusted))?;
            Ok(env)
        });
        match v.get("error").and_then(|e| e.as_str()) {
            Some(expected) => {
                let err = result.expect_err(name);
                assert_eq!(error_name(&err), expected, "{name}: {err:?}");
            }
            None => {
                let env = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert_eq!(
                    env.manifest_digest().value,
                    hex(str_of(&v, "manifest_digest")),
                    "{name}"
                );
                let m = env.manifest();
                assert_eq!(
                    m.sequence_number,
                    v["sequence"].as_integer().unwrap() as u64
                );
                let c = &m.components[0];
                let ids: Vec<Vec<u8>> = v["component"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| hex(p.as_str().unwrap()))
                    .collect();
                assert_eq!(c.id, ids);
                assert_eq!(
                    c.vendor_id.as_deref(),
                    Some(&hex(str_of(&v, "vendor_id"))[..])
                );
                assert_eq!(
                    c.class_id.as_deref(),
                    Some(&hex(str_of(&v, "class_id"))[..])
                );
                assert_eq!(
                    c.image_digest.as_ref().unwrap().value,
                    hex(str_of(&v, "image_digest"))
                );
                assert_eq!(
                    c.image_size,
                    Some(v["image_size"].as_integer().unwrap() as u64)
                );
                // The same envelope with an untrusted key is refused.
                assert_eq!(
                    env.verify(std::slice::from_ref(&other)),
                    Err(SuitError::BadSignature),
                    "{name}"
                );
                // And it converts into the crate's manifest.
                let manifest = env.to_manifest(0).unwrap();
                assert_eq!(manifest.size, 34768);
                assert_eq!(manifest.sequence, 0);
            }
        }
    }
}

#[test]
fn tv09_digest_covers_the_bstr_header() {
    let v = &vectors("suit.toml")[0];
    let bytes = hex(str_of(v, "envelope"));
    let env = SuitEnvelope::parse(&bytes).unwrap();
    assert_eq!(&env.wrapped_manifest()[..2], &[0x58, 0x71]);
    assert_eq!(env.wrapped_manifest().len(), 115);
}

#[test]
fn every_single_byte_flip_of_example0_is_rejected() {
    let (trusted, _) = keys();
    let v = &vectors("suit.toml")[0];
    let bytes = hex(str_of(v, "envelope"));
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        let ok = SuitEnvelope::parse(&b)
            .and_then(|e| e.verify(std::slice::from_ref(&trusted)).map(|_| ()));
        assert!(ok.is_err(), "flip at {i} accepted");
    }
}

#[test]
fn every_truncation_is_an_error() {
    let v = &vectors("suit.toml")[0];
    let bytes = hex(str_of(v, "envelope"));
    for n in 0..bytes.len() {
        assert!(SuitEnvelope::parse(&bytes[..n]).is_err(), "prefix {n}");
    }
    assert!(matches!(
        SuitEnvelope::parse(&[]),
        Err(SuitError::Cbor(CborError::UnexpectedEnd { .. }))
    ));
}

#[test]
fn encoder_reproduces_the_published_example0_manifest() {
    use iot_ota::suit::{SuitEncodeOptions, encode_manifest, sign_envelope};
    let v = &vectors("suit.toml")[0];
    let bytes = hex(str_of(v, "envelope"));
    let env = SuitEnvelope::parse(&bytes).unwrap();
    let manifest = env.to_manifest(0).unwrap();
    let c = &env.manifest().components[0];
    let mut options = SuitEncodeOptions::default();
    options.vendor_id = Some(c.vendor_id.clone().unwrap().try_into().unwrap());
    options.class_id = Some(c.class_id.clone().unwrap().try_into().unwrap());
    options.invoke = true;
    let encoded = encode_manifest(&manifest, &options).unwrap();
    // Byte for byte the 113 manifest bytes of the draft's Example 0.
    assert_eq!(encoded, env.wrapped_manifest()[2..]);

    // A manifest of ours goes out as a signed envelope (EdDSA and ES256) and comes back.
    for key in [
        iot_ota::SigningKey::ed25519_from_seed(&[8; 32]),
        iot_ota::SigningKey::p256_from_scalar(&[8; 32]).unwrap(),
    ] {
        let mut m = iot_ota::Manifest::new("MCU", "3", 3, 1000)
            .with_digest(iot_ota::Digest::of(iot_ota::DigestAlgorithm::Sha256, b"fw"))
            .with_source(iot_ota::Source::CoapBlockwise {
                uri: "coap://fw.example/mcu".into(),
            });
        m.version_scheme = iot_ota::VersionScheme::Dotted;
        let envelope = sign_envelope(
            &encode_manifest(&m, &SuitEncodeOptions::default()).unwrap(),
            &key,
        );
        let parsed = SuitEnvelope::parse(&envelope).unwrap();
        parsed.verify(&[key.public_key()]).unwrap();
        let back = parsed.to_manifest(0).unwrap();
        assert_eq!(back.size, 1000);
        assert_eq!(back.sequence, 3);
        assert_eq!(back.digests, m.digests);
        assert_eq!(back.sources, m.sources);
        assert_eq!(back.component, "4d4355", "component bytes come back as hex");
        // The other scheme's key does not verify it.
        let other = iot_ota::SigningKey::ed25519_from_seed(&[9; 32]).public_key();
        assert_eq!(parsed.verify(&[other]), Err(SuitError::BadSignature));
    }
}
