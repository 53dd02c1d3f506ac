//! Interleaved A/B timing of the Alibaba hmacsha256 password against a raw `hmac` + `sha2`
//! HMAC of the same content, for a noisy shared machine where criterion's separate groups drift.
//!
//! Each round runs every variant for a batch of iterations, in rotating order, and records
//! nanoseconds per iteration; the ratio to the raw HMAC is taken within each round (same
//! machine state), and the median over rounds is printed.
//!
//! `cargo bench -p iot-auth --bench ab` (about 10 seconds; `AB_ROUNDS` and `AB_BATCH` tune it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::hint::black_box;
use std::time::Instant;

use hmac::{Hmac, KeyInit, Mac};
use iot_auth::alibaba::mqtt::{MqttAuthRequest, VerifyPolicy, mqtt_password, parse_connect};
use iot_auth::ident::DeviceSecret;
use iot_auth::sign::{HexCase, SignMethod};
use iot_auth::time::UnixMillis;
use sha2::Sha256;

#[path = "support/tv03.rs"]
mod tv03;
use tv03::{CID, CONTENT, DN, DS, MQTT_CLIENT_ID, PASSWORD, PK, TS, USERNAME};

/// The raw peer: key setup, one `update` over the concatenated content, `finalize`.
fn raw_tag() -> [u8; 32] {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(black_box(DS.as_bytes())).unwrap();
    m.update(black_box(CONTENT.as_bytes()));
    m.finalize().into_bytes().into()
}

/// The raw peer with the tag written as 64 uppercase hex digits (what a password is).
fn raw_hex() -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let tag = raw_tag();
    let mut out = [0u8; 64];
    for (i, b) in tag.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

/// A named closure under test.
type Variant<'a> = (&'static str, Box<dyn FnMut() + 'a>);

fn time_batch(batch: u32, f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..batch {
        f();
    }
    t.elapsed().as_nanos() as f64 / f64::from(batch)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("AB_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let batch: u32 = std::env::var("AB_BATCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let ds = DeviceSecret::new(DS).unwrap();
    let policy = VerifyPolicy::new();
    let parsed = parse_connect(MQTT_CLIENT_ID, USERNAME, PASSWORD.as_bytes()).unwrap();
    let MqttAuthRequest::DeviceSecret(parsed) = parsed else {
        unreachable!()
    };
    // Same content, same answer: the comparison is like for like.
    let mine = mqtt_password(&ds, SignMethod::HmacSha256, CID, DN, PK, Some(TS));
    assert_eq!(mine.as_bytes(), raw_tag());
    assert_eq!(mine.to_hex(HexCase::Upper).as_str().as_bytes(), raw_hex());

    let mut variants: Vec<Variant<'_>> = vec![
        (
            "raw-hmac-sha256",
            Box::new(|| {
                black_box(raw_tag());
            }),
        ),
        (
            "raw-hmac-sha256+hex",
            Box::new(|| {
                black_box(raw_hex());
            }),
        ),
        (
            "password-sign",
            Box::new(|| {
                let tag = tv03::password_tag(&ds);
                black_box(tag.to_hex(HexCase::Upper));
            }),
        ),
        (
            "password-sign-tag (no hex)",
            Box::new(|| {
                black_box(tv03::password_tag(&ds));
            }),
        ),
        (
            "our-hmac (contiguous content)",
            Box::new(|| {
                black_box(iot_auth::sign::hmac(
                    SignMethod::HmacSha256,
                    black_box(DS.as_bytes()),
                    &[black_box(CONTENT.as_bytes())],
                ));
            }),
        ),
        (
            "password-verify-parsed",
            Box::new(|| {
                black_box(&parsed)
                    .verify(black_box(&ds), &policy, UnixMillis(0))
                    .unwrap();
            }),
        ),
        (
            "password-verify (parse+verify)",
            Box::new(|| {
                let req = parse_connect(
                    black_box(MQTT_CLIENT_ID),
                    black_box(USERNAME),
                    black_box(PASSWORD.as_bytes()),
                )
                .unwrap();
                let MqttAuthRequest::DeviceSecret(c) = req else {
                    unreachable!()
                };
                c.verify(black_box(&ds), &policy, UnixMillis(0)).unwrap();
            }),
        ),
    ];
    // `AB_ONLY=name` keeps one variant (for profiling it alone).
    if let Ok(only) = std::env::var("AB_ONLY") {
        variants.retain(|(name, _)| *name == only || *name == "raw-hmac-sha256");
    }
    let n = variants.len();
    // Warm-up.
    for (_, f) in variants.iter_mut() {
        time_batch(batch, f.as_mut());
    }
    let mut times = vec![Vec::with_capacity(rounds); n];
    let mut ratios = vec![Vec::with_capacity(rounds); n];
    for r in 0..rounds {
        let mut t = vec![0f64; n];
        for k in 0..n {
            let i = (r + k) % n;
            t[i] = time_batch(batch, variants[i].1.as_mut());
        }
        for i in 0..n {
            times[i].push(t[i]);
            // Rate relative to the raw HMAC (without hex): raw time / variant time.
            ratios[i].push(t[0] / t[i]);
        }
    }
    println!("{rounds} rounds x {batch} iterations, interleaved; medians");
    println!(
        "{:<34} {:>9} {:>12} {:>12}",
        "variant", "ns/iter", "vs raw", "vs raw+hex"
    );
    // The rate against the raw HMAC with hex output (the second variant), when it ran.
    let hex_times = (n >= 5).then(|| times[1].clone());
    for i in 0..n {
        let ns = median(&mut times[i].clone());
        let ratio = median(&mut ratios[i]);
        let vs_hex = hex_times.as_ref().map_or(f64::NAN, |h| {
            let mut r: Vec<f64> = h.iter().zip(&times[i]).map(|(a, b)| a / b).collect();
            median(&mut r)
        });
        println!(
            "{:<34} {:>9.1} {:>11.2}x {:>11.2}x",
            variants[i].0, ns, ratio, vs_hex
        );
    }
}
