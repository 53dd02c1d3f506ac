//! MQTT 3.1.1/5.0 and CoAP codecs, sans-IO session and exchange state machines, and the
//! workspace's single implementation of MQTT topic semantics.
//!
//! This crate is being built; see the workspace README for the plan.
#![no_std]
#![warn(clippy::std_instead_of_core, clippy::std_instead_of_alloc, clippy::alloc_instead_of_core)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;
