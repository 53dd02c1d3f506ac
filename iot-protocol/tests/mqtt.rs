//! MQTT codec tests: conformance vectors from `testdata/mqtt/`, property tests and edge cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mqtt {
    mod encode_errors;
    mod props;
    mod smoke;
    mod vectors;
}
