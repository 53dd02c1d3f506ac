//! The crate's own HMAC (written on the hash compression functions) against the RFC 2202 and
//! RFC 4231 test cases, and against the `hmac` crate for every key and content length around
//! the block and buffer boundaries, for random keys and content split into random pieces, and
//! for the MQTT password content assembled from its fields.

use std::path::PathBuf;

use hmac::{Hmac, KeyInit, Mac};
use iot_auth::alibaba::mqtt::{mqtt_password, mqtt_password_prepared};
use iot_auth::ident::DeviceSecret;
use iot_auth::sign::{HexCase, PreparedKey, SignMethod, Tag, hmac, sign_params};
use proptest::prelude::*;

/// The reference: the `hmac` crate over the concatenation of `parts`.
fn reference(method: SignMethod, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }
    match method {
        SignMethod::HmacMd5 => run::<Hmac<md5::Md5>>(key, parts),
        SignMethod::HmacSha1 => run::<Hmac<sha1::Sha1>>(key, parts),
        SignMethod::HmacSha256 => run::<Hmac<sha2::Sha256>>(key, parts),
        _ => unreachable!("a sign method without a reference"),
    }
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every way of computing one MAC the crate offers, checked against each other.
fn all_ways(method: SignMethod, key: &[u8], parts: &[&[u8]]) -> Tag {
    let tag = hmac(method, key, parts);
    assert_eq!(PreparedKey::new(key).hmac(method, parts), tag);
    tag
}

#[test]
fn rfc2202_and_rfc4231_all_cases() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/auth/hmac-rfc.toml");
    let doc: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vectors = doc["vector"].as_array().unwrap();
    let mut counts = [0usize; 3];
    for v in vectors {
        let v = v.as_table().unwrap();
        let name = v["name"].as_str().unwrap();
        assert!(v.contains_key("source"), "{name}: no source");
        let method = SignMethod::from_name(v["method"].as_str().unwrap()).unwrap();
        let key = unhex(v["key"].as_str().unwrap());
        let data = match (v.get("data"), v.get("data_hex")) {
            (Some(t), None) => t.as_str().unwrap().as_bytes().to_vec(),
            (None, Some(h)) => unhex(h.as_str().unwrap()),
            _ => panic!("{name}: give data or data_hex"),
        };
        let want = v["tag"].as_str().unwrap();
        let truncated = v.get("truncated").and_then(toml::Value::as_bool) == Some(true);
        counts[SignMethod::ALL.iter().position(|m| *m == method).unwrap()] += 1;

        let check = |tag: Tag, how: &str| {
            let got = hex(tag.as_bytes());
            assert_eq!(tag.as_bytes().len(), method.output_len(), "{name} {how}");
            if truncated {
                assert!(got.starts_with(want), "{name} {how}: {got}");
            } else {
                assert_eq!(got, want, "{name} {how}");
                assert_eq!(tag.to_hex(HexCase::Lower).as_str(), want);
                assert_eq!(tag.ct_eq_hex(want.as_bytes()), Some(true));
            }
        };
        check(all_ways(method, &key, &[&data]), "whole");
        // The same content in two pieces split at every position.
        for at in 0..=data.len() {
            let (a, b) = data.split_at(at);
            check(all_ways(method, &key, &[a, b]), &format!("split at {at}"));
        }
        // Byte by byte.
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        check(all_ways(method, &key, &bytes), "byte by byte");
    }
    // RFC 2202: seven cases each for MD5 and SHA-1; RFC 4231: seven for SHA-256.
    assert_eq!(counts, [7, 7, 7]);
}

#[test]
fn every_content_length_up_to_five_blocks() {
    let content: Vec<u8> = (0..=320u32).map(|i| (i * 7 + 3) as u8).collect();
    for method in SignMethod::ALL {
        for key in [&b"k"[..], &[0x5a; 64][..], &[0xa5; 65][..]] {
            for len in 0..=content.len() {
                let c = &content[..len];
                let want = reference(method, key, &[c]);
                assert_eq!(
                    all_ways(method, key, &[c]).as_bytes(),
                    want,
                    "{method} {len}"
                );
                // Split in three around the buffer size: a fill, a spill, a remainder.
                let (a, rest) = c.split_at(len.min(100));
                let (b, d) = rest.split_at(rest.len().min(50));
                assert_eq!(
                    all_ways(method, key, &[a, b, d]).as_bytes(),
                    want,
                    "{method} {len}"
                );
            }
        }
    }
}

#[test]
fn every_key_length_up_to_three_blocks() {
    let long: Vec<u8> = (0..=200u32).map(|i| (i * 13 + 1) as u8).collect();
    for method in SignMethod::ALL {
        for len in 0..=long.len() {
            let key = &long[..len];
            for content in [&b""[..], b"abc", &long[..119], &long[..128]] {
                let want = reference(method, key, &[content]);
                assert_eq!(
                    all_ways(method, key, &[content]).as_bytes(),
                    want,
                    "{method} key {len}"
                );
            }
        }
    }
}

#[test]
fn mqtt_password_content_across_block_and_buffer_boundaries() {
    let secret = DeviceSecret::new("ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe").unwrap();
    let prepared = secret.prepare();
    let filler = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(10);
    // The fixed part without timestamp is 28 bytes of names plus the values; client ids of
    // 0..=300 bytes move the content end across 55/56/63/64/119/120/128 and far beyond.
    for method in SignMethod::ALL {
        for cid_len in 0..=300 {
            let cid = &filler[..cid_len];
            for ts in [None, Some("2524608000000")] {
                let mut content = format!("clientId{cid}deviceNameexample1productKeya1X2bEnP82z");
                if let Some(ts) = ts {
                    content.push_str("timestamp");
                    content.push_str(ts);
                }
                let want = reference(method, secret.expose().as_bytes(), &[content.as_bytes()]);
                let tag = mqtt_password(&secret, method, cid, "example1", "a1X2bEnP82z", ts);
                assert_eq!(tag.as_bytes(), want, "{method} cid {cid_len}");
                let tag =
                    mqtt_password_prepared(&prepared, method, cid, "example1", "a1X2bEnP82z", ts);
                assert_eq!(tag.as_bytes(), want, "{method} cid {cid_len} prepared");
            }
        }
    }
}

/// Random content cut into random pieces: the piece lengths, as fractions of what is left.
fn pieces(content: &[u8], cuts: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = content;
    for &c in cuts {
        let n = (usize::from(c) * rest.len()) / 255;
        let (a, b) = rest.split_at(n);
        out.push(a.to_vec());
        rest = b;
    }
    out.push(rest.to_vec());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn equals_the_hmac_crate(
        key in proptest::collection::vec(any::<u8>(), 0..200),
        content in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let parts = pieces(&content, &cuts);
        let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let prepared = PreparedKey::new(&key);
        for method in SignMethod::ALL {
            let want = reference(method, &key, &[&content]);
            prop_assert_eq!(hmac(method, &key, &parts).as_bytes().to_vec(), want.clone());
            prop_assert_eq!(prepared.hmac(method, &parts).as_bytes().to_vec(), want);
        }
    }

    #[test]
    fn sign_params_equals_the_hmac_crate_over_the_concatenation(
        key in "[!-~]{0,150}",
        params in proptest::collection::vec(("[a-zA-Z]{0,12}", "[!-~]{0,90}"), 0..6),
    ) {
        let params: Vec<(&str, &str)> =
            params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let content: String = params.iter().flat_map(|(n, v)| [*n, *v]).collect();
        let prepared = PreparedKey::new(key.as_bytes());
        for method in SignMethod::ALL {
            let want = reference(method, key.as_bytes(), &[content.as_bytes()]);
            prop_assert_eq!(
                sign_params(method, key.as_bytes(), &params).as_bytes().to_vec(),
                want.clone()
            );
            prop_assert_eq!(prepared.sign_params(method, &params).as_bytes().to_vec(), want);
        }
    }
}
