//! Integration tests of iot-shadow: conformance vectors from `testdata/shadow/`, property tests
//! of the merge and delta laws, the device-side machine against the platform service, and a
//! concurrency test of the store.

// Test helpers outside #[test] functions unwrap and panic too: a failing test is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod concurrency;
mod device;
mod props;
mod vectors;
