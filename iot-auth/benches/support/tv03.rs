//! The TV-03 inputs (the Alibaba C SDK example triple, `testdata/auth/alibaba.toml`) that both
//! iot-auth benches measure (`benches/auth.rs` with criterion, `benches/ab.rs` interleaved), kept
//! in one place so that their figures describe the same work.
#![allow(dead_code)]

pub(crate) const PK: &str = "a1X2bEnP82z";
pub(crate) const DN: &str = "example1";
pub(crate) const DS: &str = "ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe";
pub(crate) const CID: &str = "a1X2bEnP82z.example1";
pub(crate) const TS: &str = "2524608000000";
/// The sorted name+value content the password signs (what the raw HMAC peer hashes).
pub(crate) const CONTENT: &str =
    "clientIda1X2bEnP82z.example1deviceNameexample1productKeya1X2bEnP82ztimestamp2524608000000";
pub(crate) const MQTT_CLIENT_ID: &str = "a1X2bEnP82z.example1|timestamp=2524608000000,_v=sdk-c-3.0.1,securemode=3,signmethod=hmacsha256,lan=C,gw=0,ext=0|";
pub(crate) const USERNAME: &str = "example1&a1X2bEnP82z";
pub(crate) const PASSWORD: &str =
    "B8CE8F1D706DD3C61D13BFD9855DEF7E321B785084CA9C93F0169A2B46785DD2";

/// The TV-03 hmacsha256 password tag, every input passed through `black_box` (what the
/// `password-sign` benches time, with or without writing the hex).
#[inline(always)]
pub(crate) fn password_tag(ds: &iot_auth::ident::DeviceSecret) -> iot_auth::sign::Tag {
    use std::hint::black_box;
    iot_auth::alibaba::mqtt::mqtt_password(
        black_box(ds),
        iot_auth::sign::SignMethod::HmacSha256,
        black_box(CID),
        black_box(DN),
        black_box(PK),
        Some(black_box(TS)),
    )
}
