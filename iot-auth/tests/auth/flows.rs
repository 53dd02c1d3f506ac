//! Platform flows through `Authenticator` + `InMemoryCredentialStore`: one-device-one-secret,
//! MQTT dynamic registration (register, regnwl, connwl), vendor codes, HTTP and CoAP `/auth`,
//! sub-device login, TLS-PSK.

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use iot_auth::TokenIssuer;
use iot_auth::alibaba::coap::{CoapAuthRequest, CoapAuthResponse, psk_session_key};
use iot_auth::alibaba::http::{HttpAuthRequest, parse_auth_response};
use iot_auth::alibaba::mqtt::{
    AuthType, MqttSignOptions, RegisterSignOptions, SecureMode, VerifyPolicy, sign_mqtt,
    sign_mqtt_connwl, sign_mqtt_register,
};
use iot_auth::alibaba::register::{
    DeviceRegistrationState, RegisterKind, RegisteredDevice, RegistrationPolicy,
    https_error_response, parse_https_response,
};
use iot_auth::alibaba::subdevice::CombineLogin;
use iot_auth::error::{AuthError, HttpAuthCode, RegistrationCode};
use iot_auth::ident::{ClientId, DeviceId, DeviceName, DeviceSecret, ProductKey, ProductSecret};
use iot_auth::random;
use iot_auth::sign::SignMethod;
use iot_auth::store::{Authenticator, InMemoryCredentialStore, MqttAuthOutcome};
use iot_auth::time::UnixMillis;
use iot_auth::token::IssuedToken;

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// A deterministic RNG for tests (xorshift; not for production).
struct TestRng(u64);
impl rand_core::TryRng for TestRng {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.try_next_u64()? as u8;
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for TestRng {}

const NOW: UnixMillis = UnixMillis(1_700_000_000_000);

fn ids() -> (ProductKey, DeviceName) {
    (
        ProductKey::new("a1X2bEnP82z").unwrap(),
        DeviceName::new("example1").unwrap(),
    )
}

#[test]
fn device_secret_connect_and_replay_window() {
    let (pk, dn) = ids();
    let ds = random::device_secret(&mut TestRng(7)).unwrap();
    let store = InMemoryCredentialStore::new();
    store.add_device(&pk, &dn, Some(ds.clone()));
    let mut auth = Authenticator::new(store);
    auth.policy_mut()
        .timestamp_window_ms(Some(60_000))
        .require_timestamp(true);
    let mut o = MqttSignOptions::new();
    o.timestamp(Some(NOW));
    let c = sign_mqtt(&pk, &dn, &ds, &o).unwrap();
    let r = block_on(auth.authenticate_mqtt(
        &c.client_id,
        &c.username,
        c.password.as_bytes(),
        NOW,
        &mut TestRng(1),
    ));
    assert_eq!(
        r,
        Ok(MqttAuthOutcome::Connected(DeviceId::new(
            pk.clone(),
            dn.clone()
        )))
    );
    // Replayed ten minutes later.
    let later = UnixMillis(NOW.0 + 600_000);
    let r = block_on(auth.authenticate_mqtt(
        &c.client_id,
        &c.username,
        c.password.as_bytes(),
        later,
        &mut TestRng(1),
    ));
    assert_eq!(
        r,
        Err(AuthError::StaleTimestamp {
            timestamp: NOW.0,
            now: later.0,
            window_ms: 60_000
        })
    );
    // No timestamp while one is required.
    let c2 = sign_mqtt(&pk, &dn, &ds, &MqttSignOptions::new()).unwrap();
    let r = block_on(auth.authenticate_mqtt(
        &c2.client_id,
        &c2.username,
        c2.password.as_bytes(),
        NOW,
        &mut TestRng(1),
    ));
    assert_eq!(r, Err(AuthError::MissingTimestamp));
    // Unknown device, unsupported method, forbidden mode, malformed.
    let other = DeviceName::new("example2").unwrap();
    let c3 = sign_mqtt(&pk, &other, &ds, &o).unwrap();
    let r = block_on(auth.authenticate_mqtt(
        &c3.client_id,
        &c3.username,
        c3.password.as_bytes(),
        NOW,
        &mut TestRng(1),
    ));
    assert_eq!(r, Err(AuthError::UnknownDevice));
    let bad_method = c.client_id.replace("hmacsha256", "hmacsha512");
    let r = block_on(auth.authenticate_mqtt(
        &bad_method,
        &c.username,
        c.password.as_bytes(),
        NOW,
        &mut TestRng(1),
    ));
    assert_eq!(r, Err(AuthError::UnsupportedSignMethod));
    auth.policy_mut().allow_secure_mode(SecureMode::Tcp, false);
    let mut tcp = o.clone();
    tcp.secure_mode(SecureMode::Tcp);
    let c4 = sign_mqtt(&pk, &dn, &ds, &tcp).unwrap();
    let r = block_on(auth.authenticate_mqtt(
        &c4.client_id,
        &c4.username,
        c4.password.as_bytes(),
        NOW,
        &mut TestRng(1),
    ));
    assert_eq!(r, Err(AuthError::SecureModeNotAllowed));
    let r = block_on(auth.authenticate_mqtt(
        "no-extension",
        &c.username,
        c.password.as_bytes(),
        NOW,
        &mut TestRng(1),
    ));
    assert!(matches!(r, Err(AuthError::MalformedClientId(_))));
    // The prepared-key path agrees.
    let p =
        iot_auth::alibaba::mqtt::parse_connect(&c.client_id, &c.username, c.password.as_bytes())
            .unwrap();
    let iot_auth::alibaba::mqtt::MqttAuthRequest::DeviceSecret(sc) = p else {
        panic!()
    };
    sc.verify_prepared(&ds.prepare(), &VerifyPolicy::new(), NOW)
        .unwrap();
}

#[test]
fn mqtt_dynamic_registration_register_regnwl_connwl() {
    let (pk, dn) = ids();
    let ps = ProductSecret::new("7jluWm1zql7bt8qK").unwrap();
    let store = InMemoryCredentialStore::new();
    store.add_product(&pk, ps.clone());
    store.add_device(&pk, &dn, None);
    let mut auth = Authenticator::new(store);
    let mut rng = TestRng(42);
    let mut opts = RegisterSignOptions {
        client_id: ClientId::from_device(&pk, &dn).unwrap(),
        auth_type: AuthType::Register,
        secure_mode: SecureMode::ProductSecret,
        sign_method: SignMethod::HmacSha256,
        random: random::registration_nonce(&mut rng).unwrap(),
        instance_id: Some("iot-06z00ax1o4qxxxx".into()),
    };
    let c = sign_mqtt_register(&pk, &dn, &ps, &opts).unwrap();
    assert!(c.client_id.contains("authType=register"));
    let r = block_on(auth.authenticate_mqtt(
        &c.client_id,
        &c.username,
        c.password.as_bytes(),
        NOW,
        &mut rng,
    ))
    .unwrap();
    let MqttAuthOutcome::Registered { topic, payload, .. } = r else {
        panic!("{r:?}")
    };
    assert_eq!(topic, "/ext/register");
    let reg = RegisteredDevice::parse_mqtt_payload(payload.as_bytes()).unwrap();
    let secret = DeviceSecret::new(reg.device_secret.clone().unwrap()).unwrap();
    // Re-registration before activation is allowed (a new secret wins)...
    let again = block_on(auth.authenticate_mqtt(
        &c.client_id,
        &c.username,
        c.password.as_bytes(),
        NOW,
        &mut rng,
    ))
    .unwrap();
    let MqttAuthOutcome::Registered { payload: p2, .. } = again else {
        panic!()
    };
    let secret2 = RegisteredDevice::parse_mqtt_payload(p2.as_bytes())
        .unwrap()
        .device_secret
        .clone()
        .unwrap();
    assert_ne!(secret.expose(), secret2);
    let secret = DeviceSecret::new(secret2).unwrap();
    // ...then the device connects with it (activation)...
    let cc = sign_mqtt(&pk, &dn, &secret, &MqttSignOptions::new()).unwrap();
    let r = block_on(auth.authenticate_mqtt(
        &cc.client_id,
        &cc.username,
        cc.password.as_bytes(),
        NOW,
        &mut rng,
    ));
    assert!(matches!(r, Ok(MqttAuthOutcome::Connected(_))));
    // ...and registering again is 6289.
    let r = block_on(auth.authenticate_mqtt(
        &c.client_id,
        &c.username,
        c.password.as_bytes(),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        r,
        Err(AuthError::Registration(
            RegistrationCode::DeviceAlreadyActivated
        ))
    );
    // Wrong product secret: signature mismatch (6600 on the wire).
    let bad = sign_mqtt_register(
        &pk,
        &dn,
        &ProductSecret::new("wrong-secret").unwrap(),
        &opts,
    )
    .unwrap();
    let r = block_on(auth.authenticate_mqtt(
        &bad.client_id,
        &bad.username,
        bad.password.as_bytes(),
        NOW,
        &mut rng,
    ));
    assert_eq!(r, Err(AuthError::SignatureMismatch));
    assert_eq!(
        iot_auth::alibaba::register::code_for(&r.unwrap_err()),
        RegistrationCode::SignatureInvalid
    );
    // Not pre-registered: refused while pre-registration is required.
    let newdn = DeviceName::new("fresh-device").unwrap();
    let c5 = sign_mqtt_register(&pk, &newdn, &ps, &opts).unwrap();
    let r = block_on(auth.authenticate_mqtt(
        &c5.client_id,
        &c5.username,
        c5.password.as_bytes(),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        r,
        Err(AuthError::Registration(RegistrationCode::DeviceNotFound))
    );
    // regnwl: off by default (6288), then on; connect with connwl and the token.
    opts.auth_type = AuthType::RegisterNoWhitelist;
    let c6 = sign_mqtt_register(&pk, &newdn, &ps, &opts).unwrap();
    let r = block_on(auth.authenticate_mqtt(
        &c6.client_id,
        &c6.username,
        c6.password.as_bytes(),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        r,
        Err(AuthError::Registration(
            RegistrationCode::DynamicRegistrationDisabled
        ))
    );
    auth.registration_mut().allow_no_whitelist(true);
    let r = block_on(auth.authenticate_mqtt(
        &c6.client_id,
        &c6.username,
        c6.password.as_bytes(),
        NOW,
        &mut rng,
    ))
    .unwrap();
    let MqttAuthOutcome::Registered { topic, payload, .. } = r else {
        panic!()
    };
    assert_eq!(topic, "/ext/regnwl");
    let reg = RegisteredDevice::parse_mqtt_payload(payload.as_bytes()).unwrap();
    let cid = ClientId::new(reg.client_id.clone().unwrap()).unwrap();
    let token = reg.device_token.clone().unwrap();
    let cw = sign_mqtt_connwl(&cid, &pk, &newdn, &token);
    let r = block_on(auth.authenticate_mqtt(
        &cw.client_id,
        &cw.username,
        cw.password.as_bytes(),
        NOW,
        &mut rng,
    ));
    assert!(matches!(r, Ok(MqttAuthOutcome::Connected(_))));
    let r = block_on(auth.authenticate_mqtt(
        &cw.client_id,
        &cw.username,
        b"forged-token",
        NOW,
        &mut rng,
    ));
    assert_eq!(r, Err(AuthError::InvalidToken));
    // A product with registration off.
    auth.registration_mut().enabled(false);
    let r = block_on(auth.authenticate_mqtt(
        &c.client_id,
        &c.username,
        c.password.as_bytes(),
        NOW,
        &mut rng,
    ));
    assert_eq!(
        r,
        Err(AuthError::Registration(
            RegistrationCode::DynamicRegistrationDisabled
        ))
    );
}

#[test]
fn registration_policy_and_https_documents() {
    let mut p = RegistrationPolicy::new();
    assert_eq!(
        p.decide(RegisterKind::Secret, DeviceRegistrationState::NotActivated),
        Ok(())
    );
    assert_eq!(
        p.decide(RegisterKind::Secret, DeviceRegistrationState::Unknown),
        Err(RegistrationCode::DeviceNotFound)
    );
    p.require_preregistration(false);
    assert_eq!(
        p.decide(RegisterKind::Secret, DeviceRegistrationState::Unknown),
        Ok(())
    );
    p.sign_methods(&[SignMethod::HmacSha256]);
    assert_eq!(
        p.check_method(SignMethod::HmacMd5),
        Err(RegistrationCode::SignMethodNotSupported)
    );
    assert_eq!(
        RegistrationCode::from_code(6288),
        RegistrationCode::DynamicRegistrationDisabled
    );
    assert_eq!(RegistrationCode::from_code(6600).code(), 6600);
    let err = https_error_response(RegistrationCode::DeviceAlreadyActivated);
    assert_eq!(
        parse_https_response(err.as_bytes()).unwrap().unwrap_err(),
        RegistrationCode::DeviceAlreadyActivated
    );
    let doc = r#"{"code":200,"data":{"productKey":"a1234","deviceName":"deviceName1234","deviceSecret":"adsfw"},"message":"success"}"#;
    let ok = parse_https_response(doc.as_bytes()).unwrap().unwrap();
    assert_eq!(ok.device_secret.as_deref(), Some("adsfw"));
    assert!(!format!("{ok:?}").contains("adsfw"));
    assert_eq!(
        parse_https_response(ok.to_https_response().as_bytes())
            .unwrap()
            .unwrap(),
        ok
    );
    // The documentation's capitalised method name and form parsing.
    let (pk, dn) = ids();
    let ps = ProductSecret::new("7jluWm1zql7bt8qK").unwrap();
    let mut req = iot_auth::alibaba::register::HttpsRegisterRequest::sign(
        &pk,
        &dn,
        &ps,
        SignMethod::HmacMd5,
        "567345",
    )
    .unwrap();
    req.sign_method = "HmacMD5".into();
    let parsed =
        iot_auth::alibaba::register::HttpsRegisterRequest::parse(req.to_form().as_bytes()).unwrap();
    parsed.verify(&ps).unwrap();
    req.sign_method = "HmacSHA512".into();
    assert_eq!(req.verify(&ps), Err(AuthError::UnsupportedSignMethod));
}

struct Issuer(Mutex<Vec<(String, DeviceId)>>);
impl TokenIssuer for Issuer {
    fn issue(&self, device: &DeviceId, now: UnixMillis) -> Result<IssuedToken, AuthError> {
        let token = format!("tok-{}-{}", device.device_name, now.0);
        self.0.lock().unwrap().push((token.clone(), device.clone()));
        Ok(IssuedToken {
            token,
            expires: UnixMillis(now.0 + 48 * 3_600_000),
        })
    }
    fn validate(&self, token: &str, _now: UnixMillis) -> Result<DeviceId, AuthError> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, d)| d.clone())
            .ok_or(AuthError::InvalidToken)
    }
}

#[test]
fn http_and_coap_auth() {
    let (pk, dn) = ids();
    let ds = DeviceSecret::new("ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe").unwrap();
    let store = InMemoryCredentialStore::new();
    store.add_device(&pk, &dn, Some(ds.clone()));
    let auth = Authenticator::new(store);
    let issuer = Issuer(Mutex::new(Vec::new()));
    let cid = ClientId::from_device(&pk, &dn).unwrap();
    for (m, ts) in [
        (SignMethod::HmacMd5, Some(NOW)),
        (SignMethod::HmacSha1, Some(NOW)),
        (SignMethod::HmacSha256, None),
    ] {
        let body = HttpAuthRequest::sign(&pk, &dn, &cid, &ds, m, ts).to_json();
        let (code, resp) = block_on(auth.authenticate_http(body.as_bytes(), &issuer, NOW));
        assert_eq!(code, HttpAuthCode::Success);
        let token = parse_auth_response(resp.as_bytes()).unwrap().unwrap();
        assert_eq!(issuer.validate(&token, NOW).unwrap().device_name, dn);
    }
    let mut req = HttpAuthRequest::sign(&pk, &dn, &cid, &ds, SignMethod::HmacSha1, Some(NOW));
    req.sign = req.sign.replace(
        &req.sign[..1],
        if &req.sign[..1] == "0" { "1" } else { "0" },
    );
    let (code, resp) = block_on(auth.authenticate_http(req.to_json().as_bytes(), &issuer, NOW));
    assert_eq!(code, HttpAuthCode::AuthCheckError);
    assert_eq!(
        parse_auth_response(resp.as_bytes()).unwrap(),
        Err(HttpAuthCode::AuthCheckError)
    );
    let (code, _) = block_on(auth.authenticate_http(b"{not json", &issuer, NOW));
    assert_eq!(code, HttpAuthCode::ParamError);

    // CoAP, with and without the PSK-mode seq.
    for seq in [None, Some(17)] {
        let r = CoapAuthRequest::sign(&pk, &dn, &cid, &ds, seq);
        assert!(r.sign.bytes().all(|b| !b.is_ascii_uppercase()));
        let parsed = CoapAuthRequest::parse(r.to_json().as_bytes()).unwrap();
        parsed.verify(&ds).unwrap();
        let mut bad = parsed.clone();
        bad.device_name = "example2".into();
        assert_eq!(bad.verify(&ds), Err(AuthError::SignatureMismatch));
    }
    let resp = CoapAuthResponse {
        token: "t".into(),
        seq_offset: Some(3),
        random: Some("abc".into()),
    };
    assert_eq!(
        CoapAuthResponse::parse(resp.to_json().as_bytes()).unwrap(),
        resp
    );
    // SHA-256("ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe,abc")[8..24], computed with Python hashlib.
    assert_eq!(psk_session_key(&ds, "abc").len(), 16);
}

#[test]
fn subdevice_login() {
    let (pk, dn) = ids();
    let ds = DeviceSecret::new("ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe").unwrap();
    let cid = "a1X2bEnP82z.example1|_v=sdk-c-3.0.1|";
    let login = CombineLogin::sign(&pk, &dn, cid, &ds, SignMethod::HmacSha1, NOW, true).unwrap();
    let json = serde_json::to_string(&login).unwrap();
    let mut parsed = CombineLogin::parse_params(json.as_bytes()).unwrap();
    parsed.sign_method = "hmacSha1".into();
    parsed.verify(&ds, &VerifyPolicy::new(), NOW).unwrap();
    assert!(
        login
            .to_request_json("123")
            .contains("\"method\":\"combine.login\"")
    );
    parsed.timestamp = "1".into();
    assert_eq!(
        parsed.verify(&ds, &VerifyPolicy::new(), NOW),
        Err(AuthError::SignatureMismatch)
    );
}
