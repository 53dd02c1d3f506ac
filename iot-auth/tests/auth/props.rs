//! Property tests: sign then verify succeeds; a change to one byte of a signed field fails with
//! the right reason; parsers never panic on arbitrary input.

use iot_auth::alibaba::coap::CoapAuthRequest;
use iot_auth::alibaba::http::HttpAuthRequest;
use iot_auth::alibaba::mqtt::{
    MqttAuthRequest, MqttClientId, MqttSignOptions, SecureMode, VerifyPolicy, parse_connect,
    parse_username, sign_mqtt,
};
use iot_auth::alibaba::psk::PskIdentity;
use iot_auth::alibaba::register::{HttpsRegisterRequest, RegisteredDevice};
use iot_auth::alibaba::subdevice::CombineLogin;
use iot_auth::azure::{HubUsername, SasResource, SasToken, SharedAccessKey};
use iot_auth::error::{AuthError, ClientIdError};
use iot_auth::ident::{ClientId, DeviceName, DeviceSecret, ProductKey};
use iot_auth::sign::{HexCase, SignMethod};
use iot_auth::time::UnixMillis;
use proptest::prelude::*;

fn product_key() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]{1,16}"
}
fn device_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_@.:-]{4,24}"
}
fn secret() -> impl Strategy<Value = String> {
    "[!-~]{1,48}"
}
fn client_id() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.:-]{0,40}"
}
fn method() -> impl Strategy<Value = SignMethod> {
    prop_oneof![
        Just(SignMethod::HmacMd5),
        Just(SignMethod::HmacSha1),
        Just(SignMethod::HmacSha256)
    ]
}

struct Signed {
    pk: String,
    dn: String,
    ds: DeviceSecret,
    client_id: String,
    username: String,
    password: String,
}

fn sign(
    pk: &str,
    dn: &str,
    ds: &str,
    cid: &str,
    ts: Option<u64>,
    m: SignMethod,
    upper: bool,
) -> Signed {
    let (pkv, dnv) = (ProductKey::new(pk).unwrap(), DeviceName::new(dn).unwrap());
    let ds = DeviceSecret::new(ds).unwrap();
    let mut o = MqttSignOptions::new();
    o.client_id(ClientId::new(cid).unwrap())
        .sign_method(m)
        .secure_mode(SecureMode::Tcp)
        .timestamp(ts.map(UnixMillis))
        .hex_case(if upper {
            HexCase::Upper
        } else {
            HexCase::Lower
        });
    o.extra("_v", "sdk-rs-0.1").unwrap();
    let c = sign_mqtt(&pkv, &dnv, &ds, &o).unwrap();
    Signed {
        pk: pk.into(),
        dn: dn.into(),
        ds,
        client_id: c.client_id.clone(),
        username: c.username.clone(),
        password: c.password.clone(),
    }
}

/// Platform side with a one-device store: look up by (pk, dn), then verify.
fn platform(s: &Signed, cid: &str, user: &str, pw: &str) -> Result<(), AuthError> {
    let req = parse_connect(cid, user, pw.as_bytes())?;
    let MqttAuthRequest::DeviceSecret(c) = req else {
        return Err(AuthError::WrongAuthKind);
    };
    if c.product_key != s.pk || c.device_name != s.dn {
        return Err(AuthError::UnknownDevice);
    }
    c.verify(&s.ds, &VerifyPolicy::new(), UnixMillis(0))
}

fn replace_byte(s: &str, i: usize, b: u8) -> Option<String> {
    let mut v = s.as_bytes().to_vec();
    if v[i] == b {
        return None;
    }
    v[i] = b;
    String::from_utf8(v).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn sign_then_verify(pk in product_key(), dn in device_name(), ds in secret(),
                        cid in client_id(), ts in proptest::option::of(0u64..=9_999_999_999_999),
                        m in method(), upper in any::<bool>()) {
        let s = sign(&pk, &dn, &ds, &cid, ts, m, upper);
        prop_assert_eq!(platform(&s, &s.client_id, &s.username, &s.password), Ok(()));
        let parsed = MqttClientId::parse(&s.client_id).unwrap();
        prop_assert_eq!(parsed.client_id(), cid.as_str());
        prop_assert_eq!(parsed.timestamp(), ts.map(UnixMillis));
    }

    /// Any single-byte change in a signed field (the client id part, the timestamp, the user
    /// name, the password) is rejected, for the reason that fits the change.
    #[test]
    fn one_byte_change_fails_for_the_right_reason(
        pk in product_key(), dn in device_name(), ds in secret(), cid in client_id(),
        ts in 1u64..=9_999_999_999_999, m in method(),
        field in 0usize..4, pos in any::<prop::sample::Index>(), byte in 0x20u8..0x7f,
    ) {
        let s = sign(&pk, &dn, &ds, &cid, Some(ts), m, false);
        let ext_at = s.client_id.find('|').unwrap();
        let ts_at = s.client_id.find("timestamp=").unwrap() + "timestamp=".len();
        let ts_len = ts.to_string().len();
        match field {
            0 | 1 => {
                // 0: the signed client id; 1: the signed timestamp value.
                let (start, len) = if field == 0 { (0, ext_at) } else { (ts_at, ts_len) };
                prop_assume!(len > 0);
                let i = start + pos.index(len);
                let Some(changed) = replace_byte(&s.client_id, i, byte) else { return Ok(()) };
                let r = platform(&s, &changed, &s.username, &s.password);
                prop_assert!(
                    matches!(r, Err(AuthError::MalformedClientId(_) | AuthError::SignatureMismatch)),
                    "{changed}: {r:?}"
                );
                if byte.is_ascii_alphanumeric() && field == 0 {
                    prop_assert_eq!(r, Err(AuthError::SignatureMismatch));
                }
                if byte.is_ascii_digit() && field == 1 {
                    prop_assert_eq!(r, Err(AuthError::SignatureMismatch));
                }
            }
            2 => {
                let i = pos.index(s.username.len());
                let Some(changed) = replace_byte(&s.username, i, byte) else { return Ok(()) };
                let r = platform(&s, &s.client_id, &changed, &s.password);
                prop_assert!(
                    matches!(r, Err(AuthError::MalformedClientId(_) | AuthError::UnknownDevice)),
                    "{changed}: {r:?}"
                );
            }
            _ => {
                let i = pos.index(s.password.len());
                let old = s.password.as_bytes()[i];
                // Hex is case-insensitive: a case flip is not a change of value.
                prop_assume!(!old.eq_ignore_ascii_case(&byte));
                let changed = replace_byte(&s.password, i, byte).unwrap();
                let r = platform(&s, &s.client_id, &s.username, &changed);
                if byte.is_ascii_hexdigit() {
                    prop_assert_eq!(r, Err(AuthError::SignatureMismatch));
                } else {
                    prop_assert_eq!(r, Err(AuthError::MalformedSignature {
                        expected_hex_len: m.output_len() * 2
                    }));
                }
            }
        }
    }

    #[test]
    fn sas_round_trip_and_tamper(dev in "[a-zA-Z0-9._:@-]{1,40}", key in proptest::collection::vec(any::<u8>(), 1..64),
                                 se in 1_000u64..4_000_000_000, pos in any::<prop::sample::Index>(),
                                 byte in 0x21u8..0x7f) {
        let key = SharedAccessKey::from_bytes(&key);
        let res = SasResource::device("hub.azure-devices.net", &dev).unwrap();
        let token = SasToken::generate(&key, &res, se, None).to_string();
        let parsed = SasToken::parse(&token).unwrap();
        let now = UnixMillis::from_secs(se - 1);
        prop_assert_eq!(parsed.verify(&key, &res, None, now), Ok(()));
        let body_at = "SharedAccessSignature ".len();
        let i = body_at + pos.index(token.len() - body_at);
        if let Some(changed) = replace_byte(&token, i, byte) {
            let r = SasToken::parse(&changed).and_then(|t| t.verify(&key, &res, None, now));
            if r.is_ok() {
                // Only an equivalent spelling may verify: `%3D` vs `%3d` inside `sig`.
                let p = SasToken::parse(&changed).unwrap();
                prop_assert_eq!(p, parsed, "{} verified", changed);
            }
        }
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,200}", b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = MqttClientId::parse(&s);
        let _ = parse_username(&s);
        let _ = parse_connect(&s, &s, &b);
        let _ = PskIdentity::parse(&s);
        let _ = SasToken::parse(&s);
        let _ = HubUsername::parse(&s, &s);
        let _ = HttpAuthRequest::parse(&b);
        let _ = HttpAuthRequest::parse(s.as_bytes());
        let _ = CoapAuthRequest::parse(&b);
        let _ = HttpsRegisterRequest::parse(&b);
        let _ = HttpsRegisterRequest::parse(s.as_bytes());
        let _ = RegisteredDevice::parse_mqtt_payload(&b);
        let _ = CombineLogin::parse_params(&b);
        let _ = iot_auth::alibaba::register::parse_https_response(&b);
        let _ = iot_auth::alibaba::http::parse_auth_response(&b);
    }

    /// Client ids built from the grammar's pieces either parse or give a typed error; the
    /// parameters that parse are found again by `param`.
    #[test]
    fn structured_client_ids(cid in client_id(),
                             params in proptest::collection::vec(("[a-zA-Z_]{1,8}", "[a-z0-9-]{0,8}"), 0..8),
                             trailing in any::<bool>()) {
        let mut s = format!("{cid}|");
        let body: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        s.push_str(&body.join(","));
        if trailing && !body.is_empty() { s.push(','); }
        s.push('|');
        match MqttClientId::parse(&s) {
            Ok(p) => {
                prop_assert_eq!(p.client_id(), cid.as_str());
                for (k, _) in &params {
                    prop_assert!(p.param(k).is_some());
                }
            }
            Err(e) => prop_assert!(matches!(e,
                ClientIdError::DuplicateParameter(_) | ClientIdError::InvalidValue(_)
                | ClientIdError::UnknownSecureMode(_) | ClientIdError::UnknownAuthType)),
        }
    }
}
