//! MQTT session tests: scenarios over the deterministic two-party harness (each citing the
//! rule it checks), property tests of the delivery guarantees, and interop with mosquitto.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mosquitto.rs"]
mod mosquitto;

mod mqtt_session {
    mod harness;
    mod interop;
    mod properties;
    mod scenarios;
    mod vectors;
}
