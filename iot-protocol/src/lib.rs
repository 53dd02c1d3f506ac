//! MQTT 3.1.1/5.0 and CoAP codecs, sans-IO session and exchange state machines, and the
//! workspace's single implementation of MQTT topic semantics.
//!
//! # Modules
//!
//! - [`topic`]: topic name and filter validation, matching with `+` and `#`, shared subscriptions
//!   and [`topic::TopicTree`], a subscription trie. Always built; `iot-auth` and `iot-rules` use it
//!   with the crate's default features off.
//! - `mqtt` (feature `mqtt`): the MQTT 3.1.1 and 5.0 codec and sessions.
//! - `coap` (feature `coap`): the CoAP codec (RFC 7252), block-wise transfer (RFC 7959), observe
//!   (RFC 7641) and exchanges.
//!
//! # What this crate does not do
//!
//! It opens no sockets and reads no clock. Decoders take bytes; state machines take bytes, events
//! and the current time from the caller and hand back what to send and when to wake them. The
//! optional `tokio` feature adds thin runtime adapters on top.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `std` | yes | `std::error::Error` support through `thiserror`, `Bytes` with std |
//! | `mqtt` | yes | the [`mqtt`](crate#modules) module |
//! | `coap` | yes | the [`coap`](crate#modules) module |
//! | `tokio` | no | tokio-util codecs and a UDP driver |
//!
//! Without `std` the crate is `#![no_std]` and needs only `alloc`.
//!
//! ## Unsafe code
//!
//! One purpose only: the MQTT decoder wraps a received string whose bytes its own scan has
//! just proved to be ASCII as a `MqttString` without having `bytestring` check the UTF-8 a
//! second time. All of it goes through one crate-private function
//! (`MqttString::from_ascii_unchecked`, with a debug assertion that the tests and the fuzz
//! smoke runs exercise), called from the three places that read strings (`Reader::string`,
//! `topic_filter`, and the PUBLISH topic), each right after the scan that proves it. Everything
//! else is safe code; every other crate of the workspace forbids `unsafe`.
#![no_std]
#![deny(unsafe_code)]
#![warn(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod topic;

#[cfg(feature = "mqtt")]
pub mod mqtt;

#[cfg(feature = "coap")]
pub mod coap;
