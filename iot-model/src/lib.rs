//! Thing models for IoT platforms: Alibaba TSL and W3C WoT Thing Models, payload validators
//! compiled from them (with JSON Schema export), and the Alink envelopes and topic catalogue.
//!
//! An IoT platform describes every product with a *thing model* (物模型): its properties,
//! events and services, each with a data type. Devices report and are commanded with Alink JSON
//! messages, and the platform checks every message against the model. This crate gives you the
//! pieces to do the same in your own platform:
//!
//! - [`Tsl`]: the vendor's TSL JSON, read and written without loss (numbers in specs stay
//!   strings, unknown members are kept), with model checks ([`Tsl::check`]) that return every
//!   [`ModelIssue`] located by a JSON Pointer, and a builder ([`TslBuilder`]).
//! - [`CompiledModel`]: compile once, validate many. Each [`Validator`] has a fast
//!   [`is_valid`](Validator::is_valid) that allocates nothing, [`validate`](Validator::validate)
//!   for the first error and [`iter_errors`](Validator::iter_errors) for all of them, the
//!   shape of the `jsonschema` crate. Errors carry the JSON path, the [`Rule`] broken and the
//!   [`AlinkCode`] to answer. [`Validator::filter`] keeps the valid properties of a report and
//!   drops the others, as the platform does.
//! - [`Validator::json_schema`]: a JSON Schema (draft 2020-12) of every message kind, accepting
//!   what the validator accepts (tested against the `jsonschema` crate).
//! - [`wot`]: W3C WoT Thing Model / Thing Description import and export; what cannot be mapped
//!   is reported as [`Unmapped`], never dropped silently.
//! - [`alink`]: request and response envelopes; [`topic`]: the topic catalogue, built from a
//!   device and a method and parsed back without allocating.
//!
//! # Example
//!
//! ```
//! use iot_model::{CompiledModel, Rule, Tsl};
//! use serde_json::json;
//!
//! let tsl = Tsl::from_json(r#"{
//!   "profile": {"productKey": "a1pkcDf0Xv0"},
//!   "properties": [
//!     {"identifier": "Temperature", "name": "温度", "accessMode": "r",
//!      "dataType": {"type": "int", "specs": {"min": "-40", "max": "120", "step": "1"}}}
//!   ],
//!   "events": [], "services": []
//! }"#)?;
//! let post = CompiledModel::compile(&tsl)?.property_post();
//!
//! assert!(post.is_valid(&json!({"Temperature": {"value": 21, "time": 1524448722000u64}})));
//! assert!(post.is_valid(&json!({"Temperature": 21})));
//!
//! let err = post.validate(&json!({"Temperature": 130})).unwrap_err();
//! assert_eq!(err.path, "/Temperature");
//! assert_eq!(err.rule, Rule::Maximum);
//! assert_eq!(err.code.0, 460);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Decisions where the vendor documents are silent or contradict each other
//!
//! - **Numbers sent as strings are rejected.** The vendor's property-set example sends a float as
//!   `"30.5"`; a `float` property accepts only JSON numbers.
//! - **`int` is 32-bit**; `float` is bounded by `f32::MAX`; `double` by the model only.
//! - **`step` is enforced for `int`** (a multiple of the step, as JSON Schema's `multipleOf`).
//!   For `float`/`double` it is a display granularity unless
//!   [`CompileOptions::enforce_float_step`] is set: the vendor's own SetWeight example sends
//!   `100.8` for a double with step `"1"`.
//! - **`bool` is the integer 0 or 1** on the wire (JSON `true` is rejected); **`date`** is epoch
//!   milliseconds as a string of 1–13 digits, or as a non-negative integer.
//! - **Struct members are all required**; event outputs and service inputs/outputs may be
//!   partial. Unknown members are rejected everywhere.
//! - **Array `size` is a maximum** (the docs write it `<=512`).
//! - **Identifier rules** (unconfirmed by the vendor): ASCII letters, digits and `_`, at most 50
//!   characters, not one of `set`, `get`, `post`, `property`, `time`, `value`, `event` (the
//!   generated `post`/`set`/`get` members excepted).
//! - **Alink codes**: every payload failure answers 460 except more than 200 properties (6106)
//!   and gateway pack limits (6357). The TSL-check codes 6300–6328 exist but which number
//!   belongs to which check is not documented reliably, so none is guessed; map them with
//!   [`Validator::with_code`] if you know them.
//! - **Topics**: replies are the request topic plus `_reply` (the English doc's property-post
//!   reply topic without it is a typo); message `id`s are accepted as strings and as numbers.
//!
//! # What this crate does not do
//!
//! No networking, MQTT, storage or clock: it validates values you hand it. It does not fetch
//! models from a cloud, evaluate WoT forms or security schemes, or resolve `tm:ref`. The TSL
//! "extended info" of Modbus/OPC UA gateways (a separate document) is not modelled.
#![forbid(unsafe_code)]

pub mod alink;
mod builder;
mod compile;
pub mod error;
mod schema;
pub mod topic;
pub mod tsl;
mod validator;
mod walk;
pub mod wot;

pub use alink::{AlinkCode, MessageId, Request, Response};
pub use builder::{TSL_SCHEMA, TslBuilder};
pub use error::{Expected, ModelError, ModelIssue, ModelIssueKind, Rule, ValidationError};
pub use error::{TopicError, Unmapped, WotError};
pub use topic::{Topic, TopicKind};
pub use tsl::{AccessMode, DataType, Event, Param, Property, Service, Tsl};
pub use validator::{CompileOptions, CompiledModel, Filtered, ModelSet, Validator};
