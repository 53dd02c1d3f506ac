//! Alibaba Cloud IoT device authentication: one-device-one-secret (一机一密) over MQTT, HTTP
//! and CoAP, TLS-PSK, sub-device login, and one-product-one-secret (一型一密) dynamic
//! registration.
//!
//! Every scheme signs "content": the request parameters other than the signature and sign
//! method, sorted by name and concatenated as `name` + `value`, under HMAC keyed with the UTF-8
//! bytes of the secret (see [`crate::sign`]).

pub mod coap;
pub mod http;
pub mod mqtt;
pub mod psk;
pub mod register;
pub mod subdevice;
