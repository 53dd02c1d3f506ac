//! TV-01..TV-08 (wire-formats.md §0) loaded from `testdata/auth/`, signed and verified.

use std::path::PathBuf;

use iot_auth::alibaba::mqtt::{
    MqttAuthRequest, MqttSignOptions, SecureMode, VerifyPolicy, parse_connect,
    registration_password, sign_mqtt,
};
use iot_auth::alibaba::psk::{PskIdentity, tls_psk};
use iot_auth::azure::{HubUsername, SasResource, SasToken, SharedAccessKey, hub_mqtt_connect};
use iot_auth::error::{AuthError, SasError};
use iot_auth::ident::{ClientId, DeviceName, DeviceSecret, ProductKey, ProductSecret};
use iot_auth::sign::{HexCase, SignMethod, hmac};
use iot_auth::time::UnixMillis;
use toml::Value;

fn load(file: &str) -> Vec<toml::Table> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/auth")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let vectors: Vec<toml::Table> = doc["vector"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_table().unwrap().clone())
        .collect();
    for v in &vectors {
        assert!(
            v.contains_key("source"),
            "{file}: a vector without a source"
        );
        assert!(v.contains_key("name"));
    }
    vectors
}

fn s<'a>(v: &'a toml::Table, k: &str) -> &'a str {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{}: missing {k}", v["name"]))
}

fn opt<'a>(v: &'a toml::Table, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn case_of(hex: &str) -> HexCase {
    if hex.bytes().any(|b| b.is_ascii_uppercase()) {
        HexCase::Upper
    } else {
        HexCase::Lower
    }
}

#[test]
fn alibaba_vectors() {
    let vectors = load("alibaba.toml");
    assert_eq!(vectors.len(), 5);
    for v in &vectors {
        let name = s(v, "name");
        let pk = ProductKey::new(s(v, "product_key")).unwrap();
        let dn = DeviceName::new(s(v, "device_name")).unwrap();
        match s(v, "kind") {
            "mqtt" => {
                let ds = DeviceSecret::new(s(v, "secret")).unwrap();
                let method = SignMethod::from_name(s(v, "sign_method")).unwrap();
                let expected_pw = s(v, "password");
                // The content string as published signs to the published password.
                let direct = hmac(
                    method,
                    ds.expose().as_bytes(),
                    &[s(v, "content").as_bytes()],
                );
                assert_eq!(
                    direct.to_hex(case_of(expected_pw)).as_str(),
                    expected_pw,
                    "{name}"
                );
                // Sign (device side).
                let mut opts = MqttSignOptions::new();
                opts.client_id(ClientId::new(s(v, "client_id")).unwrap())
                    .sign_method(method)
                    .secure_mode(
                        SecureMode::from_code(
                            i32::try_from(v["secure_mode"].as_integer().unwrap()).unwrap(),
                        )
                        .unwrap(),
                    )
                    .timestamp(Some(UnixMillis(s(v, "timestamp").parse().unwrap())))
                    .hex_case(case_of(expected_pw));
                let creds = sign_mqtt(&pk, &dn, &ds, &opts).unwrap();
                assert_eq!(creds.client_id, s(v, "mqtt_client_id"), "{name}");
                assert_eq!(creds.username, s(v, "username"), "{name}");
                assert_eq!(creds.password, expected_pw, "{name}");
                // Verify (platform side), the published password in both hex cases, and the
                // SDK's own client id layout where the vector has one.
                let mut ids = vec![s(v, "mqtt_client_id")];
                ids.extend(opt(v, "sdk_client_id"));
                for cid in ids {
                    for pw in [
                        expected_pw.to_ascii_lowercase(),
                        expected_pw.to_ascii_uppercase(),
                    ] {
                        let req = parse_connect(cid, s(v, "username"), pw.as_bytes()).unwrap();
                        let MqttAuthRequest::DeviceSecret(c) = req else {
                            panic!("{name}: not a device-secret connect")
                        };
                        c.verify(&ds, &VerifyPolicy::new(), UnixMillis(0)).unwrap();
                        let wrong = DeviceSecret::new("x".repeat(32)).unwrap();
                        assert_eq!(
                            c.verify(&wrong, &VerifyPolicy::new(), UnixMillis(0)),
                            Err(AuthError::SignatureMismatch)
                        );
                    }
                }
            }
            "dynreg" => {
                let ps = ProductSecret::new(s(v, "secret")).unwrap();
                let method = SignMethod::from_name(s(v, "sign_method")).unwrap();
                let expected = s(v, "password");
                let direct = hmac(
                    method,
                    ps.expose().as_bytes(),
                    &[s(v, "content").as_bytes()],
                );
                assert_eq!(direct.to_hex(HexCase::Upper).as_str(), expected, "{name}");
                let tag =
                    registration_password(&ps, method, dn.as_str(), pk.as_str(), s(v, "random"));
                assert_eq!(tag.to_hex(HexCase::Upper).as_str(), expected, "{name}");
                // The HTTPS registration form signs and verifies the same content.
                let req = iot_auth::alibaba::register::HttpsRegisterRequest::sign(
                    &pk,
                    &dn,
                    &ps,
                    method,
                    s(v, "random"),
                )
                .unwrap();
                assert_eq!(req.sign.to_ascii_uppercase(), expected, "{name}");
                let parsed = iot_auth::alibaba::register::HttpsRegisterRequest::parse(
                    req.to_form().as_bytes(),
                )
                .unwrap();
                parsed.verify(&ps).unwrap();
            }
            "psk" => {
                let ds = DeviceSecret::new(s(v, "secret")).unwrap();
                let ts = UnixMillis(s(v, "timestamp").parse().unwrap());
                let psk = tls_psk(&pk, &dn, &ds, ts);
                assert_eq!(psk.identity, s(v, "identity"), "{name}");
                assert_eq!(psk.key.as_str(), s(v, "key"), "{name}");
                let direct = hmac(
                    SignMethod::HmacSha256,
                    ds.expose().as_bytes(),
                    &[s(v, "content").as_bytes()],
                );
                assert_eq!(direct.to_hex(HexCase::Upper).as_str(), s(v, "key"));
                let id = PskIdentity::parse(&psk.identity).unwrap();
                assert_eq!(id.key(&ds).as_str(), s(v, "key"));
            }
            other => panic!("{name}: unknown kind {other}"),
        }
    }
}

#[test]
fn azure_vectors() {
    let vectors = load("azure.toml");
    assert_eq!(vectors.len(), 7);
    for v in &vectors {
        let name = s(v, "name");
        let expiry =
            u64::try_from(v.get("expiry").and_then(Value::as_integer).unwrap_or(0)).unwrap();
        match s(v, "kind") {
            "sas" => {
                let key = SharedAccessKey::from_base64(s(v, "key")).unwrap();
                let (hub, dev) = s(v, "resource").split_once("/devices/").unwrap();
                let resource = SasResource::device(hub, dev).unwrap();
                assert_eq!(resource.uri(), s(v, "resource"));
                let token = SasToken::generate(&key, &resource, expiry, opt(v, "key_name"));
                assert_eq!(token.string_to_sign(), s(v, "string_to_sign"), "{name}");
                assert_eq!(token.encoded_resource(), s(v, "sr"), "{name}");
                assert_eq!(token.to_string(), s(v, "token"), "{name}");
                let parsed = SasToken::parse(s(v, "token")).unwrap();
                let before = UnixMillis::from_secs(expiry - 1);
                parsed
                    .verify(&key, &resource, opt(v, "key_name"), before)
                    .unwrap();
                assert_eq!(
                    parsed.verify(
                        &key,
                        &resource,
                        opt(v, "key_name"),
                        UnixMillis::from_secs(expiry)
                    ),
                    Err(SasError::Expired {
                        expiry,
                        now: expiry
                    })
                );
                let other = SasResource::device(hub, "someone-else").unwrap();
                assert_eq!(
                    parsed.verify(&key, &other, opt(v, "key_name"), before),
                    Err(SasError::ResourceMismatch)
                );
                let wrong = SharedAccessKey::from_bytes(b"not the key");
                assert_eq!(
                    parsed.verify(&wrong, &resource, opt(v, "key_name"), before),
                    Err(SasError::SignatureMismatch)
                );
            }
            "sas-format" => {
                let resource = match opt(v, "module_id") {
                    Some(m) => SasResource::module(s(v, "hub"), s(v, "device_id"), m).unwrap(),
                    None => SasResource::device(s(v, "hub"), s(v, "device_id")).unwrap(),
                };
                let token = SasToken::from_parts(
                    &resource.encoded(),
                    s(v, "signature"),
                    expiry,
                    opt(v, "key_name"),
                );
                assert_eq!(token.string_to_sign(), s(v, "string_to_sign"), "{name}");
                assert_eq!(token.to_string(), s(v, "token"), "{name}");
                let parsed = SasToken::parse(s(v, "token")).unwrap();
                assert_eq!(parsed, token, "{name}");
            }
            "mqtt-username" => {
                let c = hub_mqtt_connect(
                    s(v, "hub"),
                    s(v, "device_id"),
                    opt(v, "module_id"),
                    opt(v, "device_client_type"),
                    opt(v, "model_id"),
                )
                .unwrap();
                assert_eq!(c.username, s(v, "username"), "{name}");
                assert_eq!(c.client_id, s(v, "client_id"), "{name}");
                let parsed = HubUsername::parse(&c.username, &c.client_id).unwrap();
                assert_eq!(parsed.device_id, s(v, "device_id"));
                assert_eq!(parsed.module_id, opt(v, "module_id"));
            }
            other => panic!("{name}: unknown kind {other}"),
        }
    }
}
