//! AWS IoT Device Shadow messages: topics under `$aws/things/{thing}/shadow[/name/{name}]`,
//! request documents, and the `accepted`, `rejected`, `delta` and `documents` responses.
//!
//! This module only translates; the rules live in [`crate::document`] with [`Dialect::aws`].
//!
//! [`Dialect::aws`]: crate::Dialect::aws

use core::fmt;

use serde_json::Value;

use crate::dialect::Dialect;
use crate::document::{MetaStyle, Object, Section, ShadowDocument, UpdateOutcome, UpdateRequest};
use crate::document::{SectionUpdate, stamp_patch};
use crate::error::{ShadowError, TopicError};
use crate::message::{self, obj};
use crate::time::EpochMillis;

/// A shadow operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `get`.
    Get,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
}

impl Operation {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// Which topic of an operation: the request itself or one of its responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suffix {
    /// The request topic (`…/update`).
    Request,
    /// `…/accepted`.
    Accepted,
    /// `…/rejected`.
    Rejected,
    /// `…/update/delta`.
    Delta,
    /// `…/update/documents`.
    Documents,
}

/// A parsed AWS shadow topic, borrowing the names from the topic string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic<'a> {
    /// The thing name.
    pub thing: &'a str,
    /// The shadow name, `None` for the classic shadow.
    pub shadow: Option<&'a str>,
    /// The operation.
    pub operation: Operation,
    /// Request or response.
    pub suffix: Suffix,
}

impl<'a> Topic<'a> {
    /// Parses `$aws/things/{thing}/shadow[/name/{shadow}]/{op}[/{suffix}]`.
    ///
    /// # Errors
    /// [`TopicError`] naming what is wrong.
    pub fn parse(topic: &'a str) -> Result<Self, TopicError> {
        let rest = topic
            .strip_prefix("$aws/things/")
            .ok_or(TopicError::NotShadowTopic)?;
        let (thing, rest) = rest.split_once('/').ok_or(TopicError::NotShadowTopic)?;
        let rest = rest
            .strip_prefix("shadow/")
            .ok_or(TopicError::NotShadowTopic)?;
        let (shadow, rest) = match rest.strip_prefix("name/") {
            Some(named) => {
                let (name, rest) = named.split_once('/').ok_or(TopicError::UnknownOperation)?;
                (Some(message::check_name(name)?), rest)
            }
            None => (None, rest),
        };
        let (op, suffix) = match rest.split_once('/') {
            Some((op, suffix)) => (op, Some(suffix)),
            None => (rest, None),
        };
        let operation = match op {
            "get" => Operation::Get,
            "update" => Operation::Update,
            "delete" => Operation::Delete,
            _ => return Err(TopicError::UnknownOperation),
        };
        let suffix = match (operation, suffix) {
            (_, None) => Suffix::Request,
            (_, Some("accepted")) => Suffix::Accepted,
            (_, Some("rejected")) => Suffix::Rejected,
            (Operation::Update, Some("delta")) => Suffix::Delta,
            (Operation::Update, Some("documents")) => Suffix::Documents,
            _ => return Err(TopicError::UnknownOperation),
        };
        Ok(Self {
            thing: message::check_name(thing)?,
            shadow,
            operation,
            suffix,
        })
    }

    /// The same shadow and operation with another suffix.
    #[must_use]
    pub const fn with_suffix(self, suffix: Suffix) -> Self {
        Self { suffix, ..self }
    }
}

impl fmt::Display for Topic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "$aws/things/{}/shadow", self.thing)?;
        if let Some(name) = self.shadow {
            write!(f, "/name/{name}")?;
        }
        write!(f, "/{}", self.operation.as_str())?;
        match self.suffix {
            Suffix::Request => Ok(()),
            Suffix::Accepted => f.write_str("/accepted"),
            Suffix::Rejected => f.write_str("/rejected"),
            Suffix::Delta => f.write_str("/delta"),
            Suffix::Documents => f.write_str("/documents"),
        }
    }
}

/// Reads the `clientToken` of a request payload, if it has a usable one, so that a rejection can
/// echo it even when the rest of the request is invalid.
#[must_use]
pub fn peek_client_token(payload: &[u8], dialect: &Dialect) -> Option<String> {
    if payload.len() > dialect.max_payload() {
        return None;
    }
    let value: Value = serde_json::from_slice(payload).ok()?;
    let token = value.get("clientToken")?.as_str()?;
    (token.len() <= dialect.max_client_token()).then(|| token.to_owned())
}

/// Parses an `/update` request document.
///
/// `state.desired` / `state.reported` set to `null` clear the section; `"state": null` clears
/// both. Only `desired` and `reported` may appear under `state`.
///
/// # Errors
/// The [`ShadowError`] AWS would report (see [`ShadowError::aws_code`]).
pub fn parse_update(payload: &[u8], dialect: &Dialect) -> Result<UpdateRequest, ShadowError> {
    let request = message::parse_object(payload, dialect)?;
    let client_token = message::client_token(&request, dialect)?;
    let version = message::request_version(&request)?;
    let (desired, reported) = match request.get("state") {
        None => return Err(ShadowError::MissingState),
        Some(Value::Null) => (SectionUpdate::Clear, SectionUpdate::Clear),
        Some(Value::Object(state)) => {
            if state.keys().any(|k| k != "desired" && k != "reported") {
                return Err(ShadowError::InvalidStateNode);
            }
            (
                message::section_update(state.get("desired"), ShadowError::DesiredNotObject)?,
                message::section_update(state.get("reported"), ShadowError::ReportedNotObject)?,
            )
        }
        Some(_) => return Err(ShadowError::StateNotObject),
    };
    Ok(UpdateRequest {
        desired,
        reported,
        version,
        client_token,
    })
}

/// A parsed `/get` or `/delete` request: only `clientToken` and (for delete) `version` matter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Simple {
    /// The `clientToken`, if any.
    pub client_token: Option<String>,
    /// The `version`, if any.
    pub version: Option<i64>,
}

/// Parses a `/get` or `/delete` request; an empty payload is allowed.
///
/// # Errors
/// [`ShadowError::InvalidJson`], [`ShadowError::InvalidClientToken`] or
/// [`ShadowError::InvalidVersion`].
pub fn parse_simple(payload: &[u8], dialect: &Dialect) -> Result<Simple, ShadowError> {
    match message::parse_object(payload, dialect) {
        Err(ShadowError::EmptyRequest) => Ok(Simple::default()),
        Err(e) => Err(e),
        Ok(request) => Ok(Simple {
            client_token: message::client_token(&request, dialect)?,
            version: message::request_version(&request)?,
        }),
    }
}

fn finish(mut doc: Object, now: EpochMillis, client_token: Option<&str>) -> Value {
    doc.insert("timestamp".into(), Value::from(now.as_secs()));
    if let Some(token) = client_token {
        doc.insert("clientToken".into(), Value::from(token));
    }
    Value::Object(doc)
}

fn section_value(update: &SectionUpdate) -> Option<Value> {
    match update {
        SectionUpdate::Keep => None,
        SectionUpdate::Clear => Some(Value::Null),
        SectionUpdate::Merge(p) => Some(Value::Object(p.clone())),
    }
}

fn section_meta(update: &SectionUpdate, at: EpochMillis) -> Option<Value> {
    match update {
        SectionUpdate::Keep => None,
        SectionUpdate::Clear => Some(obj([("timestamp", Value::from(at.as_secs()))])),
        SectionUpdate::Merge(p) => Some(stamp_patch(p, at)),
    }
}

/// The `/update/accepted` document: the request's state, its metadata, the new version.
#[must_use]
pub fn update_accepted(request: &UpdateRequest, outcome: &UpdateOutcome) -> Value {
    let mut state = Object::new();
    let mut meta = Object::new();
    for (name, update) in [
        ("desired", &request.desired),
        ("reported", &request.reported),
    ] {
        if let Some(v) = section_value(update) {
            state.insert(name.into(), v);
        }
        if let Some(m) = section_meta(update, outcome.timestamp) {
            meta.insert(name.into(), m);
        }
    }
    let doc = Object::from_iter([
        ("state".to_owned(), Value::Object(state)),
        ("metadata".to_owned(), Value::Object(meta)),
        ("version".to_owned(), Value::from(outcome.version)),
    ]);
    finish(doc, outcome.timestamp, request.client_token.as_deref())
}

/// The `/update/delta` document for a delta (no `desired` wrapper), with the desired metadata.
#[must_use]
pub fn update_delta(
    document: &ShadowDocument,
    delta: &Object,
    now: EpochMillis,
    client_token: Option<&str>,
) -> Value {
    let doc = Object::from_iter([
        ("state".to_owned(), Value::Object(delta.clone())),
        (
            "metadata".to_owned(),
            document.delta_metadata(delta, MetaStyle::Timestamp),
        ),
        ("version".to_owned(), Value::from(document.version())),
    ]);
    finish(doc, now, client_token)
}

/// `state`, `metadata` and `version` of a document, as `/update/documents` shows each side.
#[must_use]
pub fn snapshot(document: &ShadowDocument) -> Value {
    let (state, meta) = document.state_and_metadata(MetaStyle::Timestamp);
    obj([
        ("state", state),
        ("metadata", meta),
        ("version", Value::from(document.version())),
    ])
}

/// [`snapshot`] serialized straight from the document, without building a `Value`.
#[must_use]
pub fn snapshot_bytes(document: &ShadowDocument) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_snapshot(&mut out, document);
    out
}

struct SnapshotView<'a>(&'a ShadowDocument);
struct StateView<'a>(&'a ShadowDocument);
struct MetaSections<'a>(&'a ShadowDocument);

impl serde::Serialize for StateView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        if let Some(d) = self.0.desired() {
            map.serialize_entry("desired", d)?;
        }
        if let Some(r) = self.0.reported() {
            map.serialize_entry("reported", r)?;
        }
        map.end()
    }
}

impl serde::Serialize for MetaSections<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        if let Some(m) = self.0.metadata_view(Section::Desired, MetaStyle::Timestamp) {
            map.serialize_entry("desired", &m)?;
        }
        if let Some(m) = self
            .0
            .metadata_view(Section::Reported, MetaStyle::Timestamp)
        {
            map.serialize_entry("reported", &m)?;
        }
        map.end()
    }
}

impl serde::Serialize for SnapshotView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("state", &StateView(self.0))?;
        map.serialize_entry("metadata", &MetaSections(self.0))?;
        map.serialize_entry("version", &self.0.version())?;
        map.end()
    }
}

fn write_snapshot(out: &mut Vec<u8>, document: &ShadowDocument) {
    // Writing to a Vec cannot fail and every key is a string.
    let _ = serde_json::to_writer(out, &SnapshotView(document));
}

/// The `/update/documents` payload built from `previous` as [`snapshot_bytes`] wrote it
/// (`None`: the shadow did not exist, `null`) and the current document, serialized without
/// intermediate `Value`s. Equal as JSON to [`update_documents`].
#[must_use]
pub fn update_documents_bytes(
    previous: Option<&[u8]>,
    current: &ShadowDocument,
    now: EpochMillis,
    client_token: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(previous.map_or(0, <[u8]>::len) * 2 + 128);
    out.extend_from_slice(br#"{"previous":"#);
    out.extend_from_slice(previous.unwrap_or(b"null"));
    out.extend_from_slice(br#","current":"#);
    write_snapshot(&mut out, current);
    out.extend_from_slice(format!(r#","timestamp":{}"#, now.as_secs()).as_bytes());
    if let Some(token) = client_token {
        out.extend_from_slice(br#","clientToken":"#);
        let _ = serde_json::to_writer(&mut out, token);
    }
    out.push(b'}');
    out
}

/// The `/update/documents` document: `previous` (`null` for a new shadow) and `current`.
#[must_use]
pub fn update_documents(
    previous: &ShadowDocument,
    current: &ShadowDocument,
    now: EpochMillis,
    client_token: Option<&str>,
) -> Value {
    let previous = if previous.exists() {
        snapshot(previous)
    } else {
        Value::Null
    };
    let doc = Object::from_iter([
        ("previous".to_owned(), previous),
        ("current".to_owned(), snapshot(current)),
    ]);
    finish(doc, now, client_token)
}

/// The `/get/accepted` document: state with `delta` when non-empty, metadata, version.
#[must_use]
pub fn get_accepted(
    document: &ShadowDocument,
    now: EpochMillis,
    client_token: Option<&str>,
) -> Value {
    let mut doc = match snapshot(document) {
        Value::Object(map) => map,
        _ => Object::new(),
    };
    let delta = document.delta();
    if !delta.is_empty()
        && let Some(Value::Object(state)) = doc.get_mut("state")
    {
        state.insert("delta".into(), Value::Object(delta));
    }
    finish(doc, now, client_token)
}

/// The `/delete/accepted` document.
#[must_use]
pub fn delete_accepted(version: u64, now: EpochMillis, client_token: Option<&str>) -> Value {
    let doc = Object::from_iter([("version".to_owned(), Value::from(version))]);
    finish(doc, now, client_token)
}

/// A `/rejected` error document: `code`, `message`, `timestamp` and the `clientToken` echo.
///
/// `shadow_name` fills AWS's 404 message ("No shadow exists with name: …").
#[must_use]
pub fn error_document(
    error: &ShadowError,
    shadow_name: &str,
    now: EpochMillis,
    client_token: Option<&str>,
) -> Value {
    let message = match error {
        ShadowError::NotFound => format!("No shadow exists with name: {shadow_name}"),
        other => other.aws_message(),
    };
    let doc = Object::from_iter([
        ("code".to_owned(), Value::from(error.aws_code().as_u16())),
        ("message".to_owned(), Value::from(message)),
    ]);
    finish(doc, now, client_token)
}
