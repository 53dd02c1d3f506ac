//! Device and platform side of an Alibaba MQTT CONNECT, an Azure SAS token, and an ACL check.
//!
//! `cargo run -p iot-auth --example mqtt_connect`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use iot_auth::acl::alibaba_device_policy;
use iot_auth::alibaba::mqtt::{MqttSignOptions, SecureMode};
use iot_auth::azure::{SasResource, SasToken, SharedAccessKey, hub_mqtt_connect};
use iot_auth::ident::{DeviceName, ProductKey};
use iot_auth::random::{OsRng, device_secret};
use iot_auth::store::{Authenticator, InMemoryCredentialStore, MqttAuthOutcome};
use iot_auth::time::UnixMillis;

fn main() {
    // The platform provisions a device with a fresh secret from the OS random source.
    let pk = ProductKey::new("a1X2bEnP82z").unwrap();
    let dn = DeviceName::new("lamp-0001").unwrap();
    let secret = device_secret(&mut OsRng).unwrap();
    let store = InMemoryCredentialStore::new();
    store.add_device(&pk, &dn, Some(secret.clone()));
    let mut auth = Authenticator::new(store);
    auth.policy_mut()
        .timestamp_window_ms(Some(300_000))
        .allow_secure_mode(SecureMode::Tcp, false);

    // The device signs its CONNECT (the caller supplies the time).
    let now = UnixMillis(1_780_000_000_000);
    let mut opts = MqttSignOptions::new();
    opts.timestamp(Some(now));
    opts.extra("_v", "iot-auth-0.1").unwrap();
    let creds = iot_auth::alibaba::mqtt::sign_mqtt(&pk, &dn, &secret, &opts).unwrap();
    println!(
        "client id: {}\nuser name: {}",
        creds.client_id, creds.username
    );

    // The platform authenticates it.
    let outcome = futures_lite_block_on(auth.authenticate_mqtt(
        &creds.client_id,
        &creds.username,
        creds.password.as_bytes(),
        now,
        &mut OsRng,
    ));
    match outcome {
        Ok(MqttAuthOutcome::Connected(id)) => println!("connected: {id:?}"),
        other => println!("rejected: {other:?}"),
    }

    // And confines it to its own topics.
    let acl = alibaba_device_policy(pk.as_str(), dn.as_str()).unwrap();
    for f in [
        "/sys/a1X2bEnP82z/lamp-0001/thing/#",
        "/sys/a1X2bEnP82z/+/thing/#",
    ] {
        println!("subscribe {f}: {:?}", acl.check_subscribe(f));
    }

    // Azure: a device SAS token valid for one hour.
    let key = SharedAccessKey::from_base64("+XLy+MVZ+aTeOnVzN2kLeB16O+kSxmz6g3rS6fAf6rw=").unwrap();
    let res = SasResource::device("myhub.azure-devices.net", "lamp-0001").unwrap();
    let token = SasToken::generate(&key, &res, now.as_secs() + 3600, None);
    let connect =
        hub_mqtt_connect("myhub.azure-devices.net", "lamp-0001", None, None, None).unwrap();
    println!(
        "azure user name: {}\nazure password: {token}",
        connect.username
    );
}

/// A minimal executor: the in-memory store never pends.
fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}
