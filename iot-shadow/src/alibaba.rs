//! Alibaba Cloud IoT device shadow (设备影子) messages: `/shadow/update/{pk}/{dn}` requests with
//! methods `update`, `get` and `delete`, and the `reply` and `control` pushes on
//! `/shadow/get/{pk}/{dn}`.
//!
//! Alibaba writes deletion as the **string** `"null"`: `{"desired":"null"}` clears desired, and
//! `{"color":"null"}` inside a section removes `color`. The parser turns those into the core's
//! clear and delete operations; the rules live in [`crate::document`] with
//! [`Dialect::alibaba`](crate::Dialect::alibaba).

use core::fmt;

use serde_json::Value;

use crate::dialect::Dialect;
use crate::document::{MetaStyle, Object, SectionUpdate, ShadowDocument, UpdateRequest};
use crate::error::{ShadowError, TopicError};
use crate::message::{self, obj};
use crate::time::EpochMillis;

/// Which of the two shadow topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicKind {
    /// `/shadow/update/{pk}/{dn}`: devices and applications publish requests here.
    Update,
    /// `/shadow/get/{pk}/{dn}`: the platform publishes `reply` and `control` here.
    Get,
}

/// A parsed Alibaba shadow topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic<'a> {
    /// Which topic.
    pub kind: TopicKind,
    /// The product key.
    pub product_key: &'a str,
    /// The device name.
    pub device_name: &'a str,
}

impl<'a> Topic<'a> {
    /// Parses `/shadow/update/{pk}/{dn}` or `/shadow/get/{pk}/{dn}`.
    ///
    /// # Errors
    /// [`TopicError`] naming what is wrong.
    pub fn parse(topic: &'a str) -> Result<Self, TopicError> {
        let rest = topic
            .strip_prefix("/shadow/")
            .ok_or(TopicError::NotShadowTopic)?;
        let (kind, rest) = rest.split_once('/').ok_or(TopicError::NotShadowTopic)?;
        let kind = match kind {
            "update" => TopicKind::Update,
            "get" => TopicKind::Get,
            _ => return Err(TopicError::UnknownOperation),
        };
        let (pk, dn) = rest.split_once('/').ok_or(TopicError::InvalidName)?;
        Ok(Self {
            kind,
            product_key: message::check_name(pk)?,
            device_name: message::check_name(dn)?,
        })
    }

    /// The same device's other topic.
    #[must_use]
    pub const fn with_kind(self, kind: TopicKind) -> Self {
        Self { kind, ..self }
    }
}

impl fmt::Display for Topic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            TopicKind::Update => "update",
            TopicKind::Get => "get",
        };
        write!(
            f,
            "/shadow/{kind}/{}/{}",
            self.product_key, self.device_name
        )
    }
}

/// A parsed request on `/shadow/update/…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `{"method":"get"}`.
    Get,
    /// `{"method":"update", …}`.
    Update(UpdateRequest),
    /// `{"method":"delete", …}`: every listed attribute is removed.
    Delete(UpdateRequest),
}

/// Parses a request.
///
/// # Errors
/// The [`ShadowError`] whose [`alibaba_code`](ShadowError::alibaba_code) Alibaba documents for
/// the case: 407 for an empty payload or `{}`, 400 invalid JSON, 401 no method, 406 unknown
/// method, 402 no state, 403 missing or invalid version, 404 neither desired nor reported,
/// 405 empty reported.
pub fn parse_request(payload: &[u8], dialect: &Dialect) -> Result<Request, ShadowError> {
    let request = message::parse_object(payload, dialect)?;
    if request.is_empty() {
        return Err(ShadowError::EmptyRequest);
    }
    let delete = match request.get("method") {
        None => return Err(ShadowError::MissingMethod),
        Some(Value::String(m)) if m == "get" => return Ok(Request::Get),
        Some(Value::String(m)) if m == "update" => false,
        Some(Value::String(m)) if m == "delete" => true,
        Some(_) => return Err(ShadowError::InvalidMethod),
    };
    let state = match request.get("state") {
        None => return Err(ShadowError::MissingState),
        Some(Value::Object(state)) => state,
        Some(_) => return Err(ShadowError::StateNotObject),
    };
    let version = match message::request_version(&request)? {
        Some(v) => v,
        None => return Err(ShadowError::InvalidVersion),
    };
    let desired = section(state.get("desired"), delete, ShadowError::DesiredNotObject)?;
    let reported = section(
        state.get("reported"),
        delete,
        ShadowError::ReportedNotObject,
    )?;
    match (&desired, &reported) {
        (SectionUpdate::Keep, SectionUpdate::Keep) => return Err(ShadowError::MissingReported),
        (_, SectionUpdate::Merge(r)) if r.is_empty() => return Err(ShadowError::EmptyReported),
        _ => {}
    }
    let update = UpdateRequest {
        desired,
        reported,
        version: Some(version),
        client_token: None,
    };
    Ok(if delete {
        Request::Delete(update)
    } else {
        Request::Update(update)
    })
}

fn is_null_marker(v: &Value) -> bool {
    v.is_null() || v.as_str() == Some("null")
}

fn section(
    node: Option<&Value>,
    delete: bool,
    not_object: ShadowError,
) -> Result<SectionUpdate, ShadowError> {
    match node {
        None => Ok(SectionUpdate::Keep),
        Some(v) if is_null_marker(v) => Ok(SectionUpdate::Clear),
        Some(Value::Object(map)) => Ok(SectionUpdate::Merge(if delete {
            deletions(map)
        } else {
            with_nulls(map)
        })),
        Some(_) => Err(not_object),
    }
}

/// An update section with the `"null"` markers turned into JSON `null` (deletion).
fn with_nulls(map: &Object) -> Object {
    map.iter()
        .map(|(k, v)| {
            let v = match v {
                v if is_null_marker(v) => Value::Null,
                Value::Object(sub) => Value::Object(with_nulls(sub)),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

/// A delete section: every listed leaf is removed, whatever its value.
fn deletions(map: &Object) -> Object {
    map.iter()
        .map(|(k, v)| {
            let v = match v {
                Value::Object(sub) if !sub.is_empty() => Value::Object(deletions(sub)),
                _ => Value::Null,
            };
            (k.clone(), v)
        })
        .collect()
}

/// The success `reply` to an `update` or `delete`.
#[must_use]
pub fn reply_success(version: u64, now: EpochMillis) -> Value {
    obj([
        ("method", Value::from("reply")),
        (
            "payload",
            obj([
                ("status", Value::from("success")),
                ("version", Value::from(version)),
            ]),
        ),
        ("timestamp", Value::from(now.as_secs())),
    ])
}

/// The error `reply`: `errorcode` (as a string, as Alibaba writes it) and `errormessage`.
#[must_use]
pub fn reply_error(error: &ShadowError, now: EpochMillis) -> Value {
    obj([
        ("method", Value::from("reply")),
        (
            "payload",
            obj([
                ("status", Value::from("error")),
                (
                    "content",
                    obj([
                        (
                            "errorcode",
                            Value::from(error.alibaba_code().as_u16().to_string()),
                        ),
                        ("errormessage", Value::from(error.to_string())),
                    ]),
                ),
            ]),
        ),
        ("timestamp", Value::from(now.as_secs())),
    ])
}

fn full_state(method: &'static str, document: &ShadowDocument, now: EpochMillis) -> Value {
    let (state, metadata) = document.state_and_metadata(MetaStyle::Timestamp);
    obj([
        ("method", Value::from(method)),
        (
            "payload",
            obj([
                ("status", Value::from("success")),
                ("state", state),
                ("metadata", metadata),
            ]),
        ),
        ("version", Value::from(document.version())),
        ("timestamp", Value::from(now.as_secs())),
    ])
}

/// The `reply` to a `get`: the whole state and metadata.
#[must_use]
pub fn reply_get(document: &ShadowDocument, now: EpochMillis) -> Value {
    full_state("reply", document, now)
}

/// The `control` push sent to the device when `desired` changed: the whole state.
#[must_use]
pub fn control(document: &ShadowDocument, now: EpochMillis) -> Value {
    full_state("control", document, now)
}
