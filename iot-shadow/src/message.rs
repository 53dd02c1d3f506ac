//! Messages to publish, and the parsing helpers the three adapters share.

use serde_json::Value;

use crate::dialect::Dialect;
use crate::document::{Object, SectionUpdate};
use crate::error::{ShadowError, TopicError};

/// A message to publish: an MQTT topic and its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The topic to publish on.
    pub topic: String,
    /// The payload (JSON; empty for Azure's 204 responses).
    pub payload: Vec<u8>,
}

impl Outgoing {
    pub(crate) fn json(topic: String, value: &Value) -> Self {
        // Serializing a `Value` into memory cannot fail: its keys are strings.
        let payload = serde_json::to_vec(value).unwrap_or_default();
        Self { topic, payload }
    }

    /// The payload parsed as JSON, for tests and logging.
    ///
    /// # Errors
    /// [`ShadowError::InvalidJson`] when the payload is not JSON (Azure 204s are empty).
    pub fn payload_json(&self) -> Result<Value, ShadowError> {
        serde_json::from_slice(&self.payload).map_err(|e| ShadowError::from_json(&e))
    }
}

/// Parses a request payload into a JSON object, enforcing the dialect's payload limit.
pub(crate) fn parse_object(payload: &[u8], dialect: &Dialect) -> Result<Object, ShadowError> {
    if payload.len() > dialect.max_payload() {
        return Err(ShadowError::PayloadTooLarge {
            size: payload.len(),
            max: dialect.max_payload(),
        });
    }
    if core::str::from_utf8(payload).is_err() {
        return Err(ShadowError::UnsupportedEncoding);
    }
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Err(ShadowError::EmptyRequest);
    }
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ShadowError::RequestNotObject),
        Err(e) => Err(ShadowError::from_json(&e)),
    }
}

/// A section node of an update request: `null` clears, an object merges.
pub(crate) fn section_update(
    node: Option<&Value>,
    not_object: ShadowError,
) -> Result<SectionUpdate, ShadowError> {
    match node {
        None => Ok(SectionUpdate::Keep),
        Some(Value::Null) => Ok(SectionUpdate::Clear),
        Some(Value::Object(map)) => Ok(SectionUpdate::Merge(map.clone())),
        Some(_) => Err(not_object),
    }
}

/// The request `version`: absent, or an integer that fits `i64`.
pub(crate) fn request_version(request: &Object) -> Result<Option<i64>, ShadowError> {
    match request.get("version") {
        None => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or(ShadowError::InvalidVersion),
    }
}

/// The `clientToken`: absent, or a string.
pub(crate) fn client_token(
    request: &Object,
    dialect: &Dialect,
) -> Result<Option<String>, ShadowError> {
    match request.get("clientToken") {
        None => Ok(None),
        Some(Value::String(s)) => {
            crate::document::check_client_token(Some(s), dialect)?;
            Ok(Some(s.clone()))
        }
        Some(_) => Err(ShadowError::InvalidClientToken {
            len: 0,
            max: dialect.max_client_token(),
        }),
    }
}

/// A thing, shadow, product or device name inside a topic: 1 to 128 bytes of letters, digits
/// and `-_:.@`, which covers the AWS, Alibaba and Azure naming rules used in topics and keeps
/// topic wildcards and separators out.
pub(crate) fn check_name(name: &str) -> Result<&str, TopicError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.' | b'@'));
    if ok {
        Ok(name)
    } else {
        Err(TopicError::InvalidName)
    }
}

pub(crate) fn obj(entries: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}
