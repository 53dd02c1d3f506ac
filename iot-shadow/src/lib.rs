//! Device shadows (设备影子, device twins) on one core with AWS, Alibaba and Azure dialects.
//!
//! A shadow keeps the state applications want a device to be in (`desired`) and the state the
//! device last said it is in (`reported`), so that each side can work while the other is
//! offline. This crate provides:
//!
//! - [`ShadowDocument`]: the two sections with per-leaf metadata timestamps, the document
//!   version, per-section versions, an RFC 7396-style update (`null` deletes a key, objects
//!   merge, arrays are replaced whole, `null` inside an array is rejected, a section set to
//!   `null` is cleared) and the delta by AWS's rules, including "only the part of the delta this
//!   update changed".
//! - [`Dialect`]: the version rule and limits of each vendor as data ([`Dialect::aws`],
//!   [`Dialect::alibaba`], [`Dialect::azure`]); the core applies whichever it is given.
//! - [`aws`], [`alibaba`], [`azure`]: message adapters (topics, request parsing, response
//!   documents) that translate to and from the core.
//! - [`ShadowService`]: the platform side. Give it a request message and a [`ShadowStore`];
//!   it returns the messages to publish (accepted/rejected, delta or desired push, documents).
//! - [`DeviceSync`]: the device side as a sans-IO state machine: GET on connect, apply the
//!   difference through a callback, report and clear desired, ignore stale versions.
//! - [`ShadowStore`] with compare-and-swap on the version, and [`MemoryStore`]. A
//!   [`ShadowDocument`] serializes with serde into one JSON value (metadata and versions
//!   included), which is all a persistent store needs to keep.
//!
//! # What it does not do
//!
//! No MQTT, no sockets, no tasks and no clock: the time is always passed in as
//! [`EpochMillis`], and messages are handed back as [`Outgoing`] for your MQTT stack to
//! publish. Authorisation (which client may touch which shadow) belongs to your ACL layer.
//! No persistent store ships here (the reference server adds SQLite), and AWS's REST API,
//! shadow listing and the 10-in-flight-requests throttle are left to the server around it.
//!
//! # Example
//!
//! ```
//! use iot_shadow::{Dialect, EpochMillis, ShadowDocument, UpdateRequest};
//! use serde_json::json;
//!
//! let aws = Dialect::aws();
//! let mut doc = ShadowDocument::new();
//! let obj = |v: serde_json::Value| v.as_object().cloned().unwrap();
//!
//! // The device reports, then an application asks for a new colour.
//! doc.apply_update(&UpdateRequest::reported(obj(json!({"color": "GREEN", "on": true}))),
//!                  &aws, EpochMillis(1_000)).unwrap();
//! let out = doc.apply_update(&UpdateRequest::desired(obj(json!({"color": "RED", "on": true})))
//!                                .with_version(1),
//!                            &aws, EpochMillis(2_000)).unwrap();
//! assert_eq!(out.version, 2);
//! assert_eq!(out.delta, obj(json!({"color": "RED"})));
//!
//! // A stale writer gets AWS's 409.
//! let stale = UpdateRequest::desired(obj(json!({"on": false}))).with_version(1);
//! let err = doc.apply_update(&stale, &aws, EpochMillis(3_000)).unwrap_err();
//! assert_eq!(err.aws_code().as_u16(), 409);
//! ```
//!
//! # Decisions where the vendors' documents are silent
//!
//! - Depth counts the objects and arrays nested below the section object (a section
//!   `{"a":1}` has depth 0, `{"a":{"b":1}}` depth 1), as Microsoft's depth example counts;
//!   AWS allows 6, Azure 10.
//! - AWS's 8 KB is the compact JSON of the `desired` object plus that of the `reported` object.
//! - AWS `{"state": null}` clears both sections (the shadow and its version stay).
//! - Alibaba: a stale version is 409 (version conflict); a missing or malformed version is
//!   403. A `version: -1` clears the shadow, resets the version to 0, then applies the request's
//!   state, if any, at version 0.
//! - Numbers compare by value in the delta (`20` equals `20.0`).
//! - Metadata treats an array as one leaf with one timestamp.

#![forbid(unsafe_code)]

pub mod alibaba;
pub mod aws;
pub mod azure;
pub mod delta;
pub mod device;
pub mod dialect;
pub mod document;
pub mod error;
pub mod json;
pub mod message;
mod metadata;
pub mod service;
pub mod store;
pub mod time;

pub use delta::delta;
pub use device::{DeviceSync, Endpoint, SyncEvent};
pub use dialect::{Dialect, SizeScope, Vendor, VersionRule};
pub use document::{
    MetaStyle, Object, Section, SectionUpdate, ShadowDocument, UpdateOutcome, UpdateRequest,
};
pub use error::{
    AlibabaErrorCode, AwsErrorCode, AzureStatus, ShadowError, StoreError, SyncError, TopicError,
};
pub use json::{json_eq, merge_patch};
pub use message::Outgoing;
pub use service::{Committed, ShadowService};
pub use store::{MemoryStore, ShadowKey, ShadowStore, VersionTag};
pub use time::EpochMillis;
