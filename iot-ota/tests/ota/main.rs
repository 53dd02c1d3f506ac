//! Integration tests of iot-ota: conformance vectors from `testdata/ota/`, rejection cases,
//! resumption, the device agent and campaigns, and property tests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

mod agent;
mod campaign;
mod common;
mod props;
mod suit;
mod vendors;
mod verify;
