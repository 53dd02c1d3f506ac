//! Proof that the Alibaba MQTT password path does not touch the heap: signing, hex output,
//! CONNECT parsing and verification (success and the common rejections) run under a counting
//! global allocator and must make zero allocations.
//!
//! The counter is process-wide, so this binary runs without the libtest harness
//! (`harness = false`): no other thread allocates while it measures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use iot_auth::alibaba::mqtt::{
    MqttAuthRequest, VerifyPolicy, mqtt_password, mqtt_password_prepared, parse_connect,
};
use iot_auth::error::AuthError;
use iot_auth::ident::DeviceSecret;
use iot_auth::sign::{HexCase, SignMethod};
use iot_auth::time::UnixMillis;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

// TV-03 (wire-formats.md §0): the C SDK example triple.
const PK: &str = "a1X2bEnP82z";
const DN: &str = "example1";
const DS: &str = "ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe";
const CID: &str = "a1X2bEnP82z.example1";
const TS: &str = "2524608000000";
const CLIENT_ID: &str = "a1X2bEnP82z.example1|timestamp=2524608000000,_v=sdk-c-3.0.1,securemode=3,signmethod=hmacsha256,lan=C,gw=0,ext=0|";
const USERNAME: &str = "example1&a1X2bEnP82z";
const PASSWORD: &str = "B8CE8F1D706DD3C61D13BFD9855DEF7E321B785084CA9C93F0169A2B46785DD2";
const WRONG: &str = "B8CE8F1D706DD3C61D13BFD9855DEF7E321B785084CA9C93F0169A2B46785DD3";

/// Runs `f` and returns how many allocations and reallocations it made.
fn count<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let region = Region::new(GLOBAL);
    let r = black_box(f());
    let s = region.change();
    (s.allocations + s.reallocations, r)
}

fn password_sign_and_verify_do_not_allocate() {
    // The counter is live: a real allocation is seen.
    let (n, v) = count(|| vec![1u8; 10]);
    assert!(
        n >= 1 && v.len() == 10,
        "the counting allocator saw nothing"
    );

    // Everything that may allocate is made before measuring.
    let ds = DeviceSecret::new(DS).unwrap();
    let prepared = ds.prepare();
    let mut window = VerifyPolicy::new();
    window.timestamp_window_ms(Some(60_000));
    let now = UnixMillis(2_524_608_000_000);

    for method in SignMethod::ALL {
        let (n, hex) =
            count(|| mqtt_password(&ds, method, CID, DN, PK, Some(TS)).to_hex(HexCase::Upper));
        assert_eq!(n, 0, "sign with {method} allocated");
        assert_eq!(hex.as_str().len(), method.output_len() * 2);
        let (n, _) = count(|| mqtt_password_prepared(&prepared, method, CID, DN, PK, None));
        assert_eq!(n, 0, "prepared sign with {method} allocated");
    }

    let (n, r) = count(|| {
        let MqttAuthRequest::DeviceSecret(c) =
            parse_connect(CLIENT_ID, USERNAME, PASSWORD.as_bytes())?
        else {
            return Err(AuthError::SignatureMismatch);
        };
        c.verify(&ds, &window, now)?;
        c.verify_prepared(&prepared, &window, now)
    });
    assert_eq!(n, 0, "parse + verify allocated");
    r.unwrap();

    // Rejections are typed values without heap data too.
    let cases: [(&str, &[u8], UnixMillis); 3] = [
        (CLIENT_ID, WRONG.as_bytes(), now),
        (CLIENT_ID, b"B8CE", now),
        (CLIENT_ID, PASSWORD.as_bytes(), UnixMillis(0)),
    ];
    for (cid, pw, at) in cases {
        let (n, r) = count(|| {
            let MqttAuthRequest::DeviceSecret(c) = parse_connect(cid, USERNAME, pw)? else {
                return Ok(());
            };
            c.verify(&ds, &window, at)
        });
        assert_eq!(n, 0, "rejection allocated");
        assert!(r.is_err());
    }
    let (n, r) = count(|| parse_connect("a1X2bEnP82z.example1|timestamp=x|", USERNAME, b""));
    assert_eq!(n, 0, "malformed client id allocated");
    assert!(r.is_err());
}

/// `harness = false` (see Cargo.toml): the one check runs on the main thread, alone.
fn main() {
    password_sign_and_verify_do_not_allocate();
    #[allow(clippy::print_stdout)]
    {
        println!("iot-auth alloc: password sign, parse and verify made no allocation");
    }
}
