//! Integration tests of iot-auth: conformance vectors, properties, ACLs, X.509.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

mod acl;
mod flows;
mod mac;
mod props;
mod vectors;
#[cfg(feature = "x509")]
mod x509;
