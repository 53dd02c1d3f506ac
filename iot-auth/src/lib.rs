//! Device credentials and signing for IoT platforms (Alibaba Cloud IoT, Azure IoT Hub / DPS,
//! X.509) and topic ACL policies — both halves: the device that produces credentials (also on a
//! microcontroller, `no_std` + `alloc`) and the platform that verifies them.
//!
//! | module | what |
//! |---|---|
//! | [`ident`] | `ProductKey`, `DeviceName`, `ClientId` with the vendor's rules; `DeviceSecret`, `ProductSecret` (zeroized, redacted) |
//! | [`sign`] | the HMAC core every vendor signer uses: sign methods, tags, hex, constant-time compare, prepared keys |
//! | [`alibaba`] | one-device-one-secret over MQTT / HTTP / CoAP, TLS-PSK, sub-device login, dynamic registration |
//! | [`azure`] | SAS tokens for device, module and DPS scopes; IoT Hub / DPS MQTT user names |
//! | [`acl`] | policy templates with `${productKey}` / `${deviceName}` / `${clientId}`, built-in Alibaba and AWS sets |
//! | `x509` | (feature `x509`) PEM/DER, identity from CN / SAN / fingerprint, chain verification, fingerprint registry |
//! | [`store`] | (feature `std`) the async `CredentialStore`, an in-memory store, and an `Authenticator` running the platform decisions |
//! | [`token`] | the `TokenIssuer` trait for HTTP / CoAP `/auth` tokens |
//! | [`random`] | secrets, nonces and tokens from an injected RNG (`OsRng` with `std`) |
//!
//! # What this crate does not do
//!
//! No sockets, no TLS, no clock: every check that depends on time takes a `now` from the
//! caller ([`time::UnixMillis`]). It does not run an MQTT broker (see `iot-protocol` and the
//! reference server), does not mint JWTs (token issuance is a trait), does not check X.509
//! revocation, and does not match topics itself — ACLs use `iot_protocol::topic`.
//!
//! # Features
//!
//! - `std` (default): `std::error::Error`, `OsRng`, the `store` module.
//! - `x509`: X.509 certificates (needs `std`; pulls `x509-parser` with `ring`).
//! - Without default features the crate is `#![no_std]` + `alloc`.
//!
//! # Example
//!
//! A device signs its MQTT CONNECT (TV-03 of the conformance vectors); the platform verifies it
//! and checks the device's first publish against its ACL.
//!
//! ```
//! use iot_auth::acl::alibaba_device_policy;
//! use iot_auth::alibaba::mqtt::{parse_connect, sign_mqtt, MqttAuthRequest, MqttSignOptions, SecureMode, VerifyPolicy};
//! use iot_auth::ident::{ClientId, DeviceName, DeviceSecret, ProductKey};
//! use iot_auth::sign::{HexCase, SignMethod};
//! use iot_auth::time::UnixMillis;
//!
//! # fn main() -> Result<(), iot_auth::error::Error> {
//! let pk = ProductKey::new("a1X2bEnP82z")?;
//! let dn = DeviceName::new("example1")?;
//! let ds = DeviceSecret::new("ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe")?;
//!
//! // Device side.
//! let mut opts = MqttSignOptions::new();
//! opts.client_id(ClientId::from_device(&pk, &dn)?)
//!     .secure_mode(SecureMode::Tcp)
//!     .sign_method(SignMethod::HmacSha256)
//!     .timestamp(Some(UnixMillis(2_524_608_000_000)))
//!     .hex_case(HexCase::Upper);
//! let creds = sign_mqtt(&pk, &dn, &ds, &opts)?;
//! assert_eq!(creds.username, "example1&a1X2bEnP82z");
//! assert_eq!(creds.password, "B8CE8F1D706DD3C61D13BFD9855DEF7E321B785084CA9C93F0169A2B46785DD2");
//!
//! // Platform side: classify, look the secret up (here: we know it), verify with a replay window.
//! let mut policy = VerifyPolicy::new();
//! policy.timestamp_window_ms(Some(5 * 60 * 1000));
//! let now = UnixMillis(2_524_608_030_000);
//! match parse_connect(&creds.client_id, &creds.username, creds.password.as_bytes())? {
//!     MqttAuthRequest::DeviceSecret(connect) => connect.verify(&ds, &policy, now)?,
//!     _ => unreachable!("no authType: one-device-one-secret"),
//! }
//!
//! // Then every PUBLISH / SUBSCRIBE goes through the device's ACL.
//! let acl = alibaba_device_policy(pk.as_str(), dn.as_str())?;
//! assert!(acl.check_publish("/sys/a1X2bEnP82z/example1/thing/event/property/post").is_ok());
//! assert!(acl.check_subscribe("/sys/+/+/thing/#").is_err());
//! # Ok(())
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod acl;
pub mod alibaba;
pub mod azure;
pub mod error;
pub mod ident;
mod mac;
pub mod random;
pub mod sign;
#[cfg(feature = "std")]
pub mod store;
pub mod time;
pub mod token;
#[cfg(feature = "x509")]
pub mod x509;

pub use error::Error;
pub use token::TokenIssuer;
