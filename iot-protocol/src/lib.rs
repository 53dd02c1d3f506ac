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
//! Two purposes only, each behind one crate-private function:
//!
//! - The MQTT decoder wraps a received string whose bytes its own scan has just proved to be
//!   ASCII as a `MqttString` without having `bytestring` check the UTF-8 a second time
//!   (`MqttString::from_ascii_unchecked`, with a debug assertion that the tests and the fuzz
//!   smoke runs exercise). It is reached from the places that read strings (`Reader::string`,
//!   `topic_filter`, and `PublishAt::build` for the PUBLISH topic of both the short and the
//!   general PUBLISH path), each right after the scan that proves it.
//! - On x86-64, the topic filter scan compares 16 bytes at a time with SSE2 instructions
//!   (`topic::scan`, `sse2::block_masks`). SSE2 is part of the x86-64 baseline and the code is
//!   compiled only when the build enables it; the call is `unsafe` only because the function
//!   is marked `#[target_feature(enable = "sse2")]`. Other targets use a portable scan, and a
//!   test checks both against a level-by-level split of the filter.
//!
//! Everything else is safe code; every other crate of the workspace forbids `unsafe`.
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
