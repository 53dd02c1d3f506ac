//! Property tests: parsers never panic on arbitrary input, round trips, version ordering laws.

use iot_ota::adapters::DEFAULT_MAX_MESSAGE_LEN as MAX;
use iot_ota::adapters::alibaba::{FirmwareGet, Inform, Progress, UpgradePush};
use iot_ota::adapters::aws::{AfrOtaDocument, UpdateJobExecution};
use iot_ota::adapters::azure::ImportManifest;
use iot_ota::encoding::canonical_json;
use iot_ota::suit::SuitEnvelope;
use iot_ota::{
    Digest, DigestAlgorithm, Manifest, SignedManifest, SigningKey, Source, UnixMillis,
    VersionScheme,
};
use proptest::prelude::*;
use std::cmp::Ordering;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "[a-z\"\\\\é ]{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-zA-Z_é]{0,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = SuitEnvelope::parse(&bytes).map(|e| e.verify(&[]).is_ok());
        let _ = SignedManifest::from_json(&bytes, 1 << 16);
        let _ = UpgradePush::parse(&bytes, MAX);
        let _ = Inform::parse(&bytes, MAX);
        let _ = Progress::parse(&bytes, MAX);
        let _ = FirmwareGet::parse(&bytes, MAX);
        let _ = FirmwareGet::parse_reply(&bytes, MAX);
        let _ = AfrOtaDocument::parse(&bytes, MAX);
        let _ = UpdateJobExecution::parse(&bytes, MAX);
        let _ = ImportManifest::parse(&bytes, MAX);
    }

    /// Mutations of the published SUIT example never panic and never verify.
    #[test]
    fn mutated_suit_example_never_verifies(pos in 0usize..237, val in any::<u8>(), cut in 0usize..238) {
        let key = iot_ota::PublicKey::p256_pem("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhJaBGq4LqqvSYVcYnuzaJr6qi/Eb\nbz/m4rVlnIXbwK07HypLbAmBMcCjbazR14vTgdzfsJwFLbM5kdtzOLSolg==\n-----END PUBLIC KEY-----\n").unwrap();
        let v = &crate::common::vectors("suit.toml")[0];
        let mut b = crate::common::hex(crate::common::str_of(v, "envelope"));
        let original = b[pos];
        b[pos] = val;
        let b = &b[..cut.min(b.len())];
        let ok = SuitEnvelope::parse(b).and_then(|e| e.verify(std::slice::from_ref(&key)).map(|_| ())).is_ok();
        prop_assert_eq!(ok, val == original && cut >= 237);
    }

    /// Arbitrary JSON-ish text in a JSON string field never panics the vendor parsers.
    #[test]
    fn fuzzed_fields_never_panic(value in json_value()) {
        for doc in [
            serde_json::json!({"code": "1000", "id": 1, "data": {"size": 1, "version": "1", "url": "u", "sign": value.clone(), "signMethod": "SHA256"}}),
            serde_json::json!({"id": "1", "params": {"step": value.clone()}}),
            serde_json::json!({"afr_ota": {"protocols": ["MQTT"], "streamname": "s", "files": [{"filepath": value.clone(), "filesize": 1, "fileid": 0}]}}),
            serde_json::json!({"updateId": value.clone(), "compatibility": [{"a": "b"}], "instructions": {"steps": [{}]}, "manifestVersion": "5.0", "createdDateTime": "2022-01-01T00:00:00Z"}),
        ] {
            let bytes = serde_json::to_vec(&doc).unwrap();
            let _ = UpgradePush::parse(&bytes, MAX);
            let _ = Progress::parse(&bytes, MAX);
            let _ = AfrOtaDocument::parse(&bytes, MAX);
            let _ = ImportManifest::parse(&bytes, MAX);
        }
    }

    /// Canonical JSON parses back to the same value and is a fixed point.
    #[test]
    fn canonical_json_round_trip(value in json_value()) {
        let c = canonical_json(&value).unwrap();
        let back: serde_json::Value = serde_json::from_slice(&c).unwrap();
        prop_assert_eq!(&back, &value);
        prop_assert_eq!(canonical_json(&back).unwrap(), c);
    }

    /// A signed manifest survives its JSON form, signatures included.
    #[test]
    fn signed_manifest_round_trip(
        component in "[A-Za-z0-9_]{1,12}", major in 0u32..50, minor in 0u32..50, seq in any::<u64>(),
        size in any::<u64>(), expires in prop::option::of(0u64..4_000_000_000_000), ext in json_value(),
    ) {
        let mut m = Manifest::new(component, format!("{major}.{minor}.0"), seq, size)
            .with_digest(Digest::of(DigestAlgorithm::Sha256, b"x"))
            .with_source(Source::CoapBlockwise { uri: "coap://[::1]/fw".into() });
        m.expires = expires.map(UnixMillis);
        m.extensions.insert("ext".into(), ext);
        let key = SigningKey::ed25519_from_seed(&[3; 32]);
        let s = m.sign(&[&key]).unwrap();
        let back = SignedManifest::from_json(&s.to_json().unwrap(), 1 << 20).unwrap();
        prop_assert_eq!(&back, &s);
        let v = iot_ota::ManifestVerifier::new([key.public_key()], 1).unwrap();
        prop_assert!(v.check_signatures(&back).is_ok());
    }

    /// Version orders are total orders: antisymmetric and transitive.
    #[test]
    fn version_order_laws(a in (0u64..4, 0u64..4, 0u64..4, prop::option::of("[a-z0-9]{1,3}")), b in (0u64..4, 0u64..4, 0u64..4, prop::option::of("[a-z0-9]{1,3}")), c in (0u64..4, 0u64..4, 0u64..4, prop::option::of("[a-z0-9]{1,3}"))) {
        let fmt = |v: &(u64, u64, u64, Option<String>)| match &v.3 {
            Some(p) if !(p.len() > 1 && p.starts_with('0') && p.bytes().all(|x| x.is_ascii_digit())) => format!("{}.{}.{}-{p}", v.0, v.1, v.2),
            _ => format!("{}.{}.{}", v.0, v.1, v.2),
        };
        let (x, y, z) = (fmt(&a), fmt(&b), fmt(&c));
        for scheme in [VersionScheme::Semver, VersionScheme::Dotted] {
            if scheme == VersionScheme::Dotted && (a.3.is_some() || b.3.is_some() || c.3.is_some()) {
                continue;
            }
            let xy = scheme.compare(&x, &y).unwrap();
            prop_assert_eq!(xy.reverse(), scheme.compare(&y, &x).unwrap());
            let yz = scheme.compare(&y, &z).unwrap();
            if xy != Ordering::Greater && yz != Ordering::Greater {
                prop_assert_ne!(scheme.compare(&x, &z).unwrap(), Ordering::Greater);
            }
        }
    }

    /// RFC 3339 formatting and parsing are inverse.
    #[test]
    fn rfc3339_round_trip(ms in 0u64..253_402_300_799_000) {
        let t = UnixMillis(ms);
        prop_assert_eq!(UnixMillis::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
    }
}
