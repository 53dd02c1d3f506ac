//! Fuzz the iot-auth credential parsers: Alibaba MQTT client id / user name / CONNECT, TLS-PSK
//! identity, HTTP / CoAP / registration bodies, Azure SAS tokens and user names.
//! Nothing may panic; a successful parse must verify to a typed result.
#![no_main]

use iot_auth::alibaba::mqtt::{MqttAuthRequest, MqttClientId, VerifyPolicy, parse_connect};
use iot_auth::ident::DeviceSecret;
use iot_auth::time::UnixMillis;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Split the input into the three CONNECT fields on NUL bytes.
    let mut parts = text.splitn(3, '\0');
    let cid = parts.next().unwrap_or("");
    let user = parts.next().unwrap_or("");
    let pw = parts.next().unwrap_or("").as_bytes();
    if let Ok(c) = MqttClientId::parse(cid) {
        let _ = c.params().count();
        let _ = c.sign_method();
    }
    if let Ok(MqttAuthRequest::DeviceSecret(c)) = parse_connect(cid, user, pw) {
        if let Ok(ds) = DeviceSecret::new("fuzz-secret") {
            let _ = c.verify(&ds, &VerifyPolicy::new(), UnixMillis(0));
        }
    }
    let _ = iot_auth::alibaba::mqtt::parse_username(&text);
    let _ = iot_auth::alibaba::psk::PskIdentity::parse(&text);
    let _ = iot_auth::alibaba::http::HttpAuthRequest::parse(data);
    let _ = iot_auth::alibaba::coap::CoapAuthRequest::parse(data);
    let _ = iot_auth::alibaba::register::HttpsRegisterRequest::parse(data);
    let _ = iot_auth::alibaba::register::RegisteredDevice::parse_mqtt_payload(data);
    let _ = iot_auth::alibaba::subdevice::CombineLogin::parse_params(data);
    let _ = iot_auth::azure::SasToken::parse(&text);
    let _ = iot_auth::azure::HubUsername::parse(&text, cid);
});
