//! Vendor OTA messages: parsing, validation and conversion to and from [`crate::Manifest`].
//!
//! - [`alibaba`]: Alibaba Cloud IoT (Alink) upgrade push, inform, progress, `thing.ota.firmware.get`.
//! - [`aws`]: AWS IoT Jobs execution states and updates, and the FreeRTOS `afr_ota` job document.
//! - [`azure`]: Azure Device Update import manifest v5.0.
//!
//! Parsers take the raw JSON bytes and a size limit, and report the first missing or invalid
//! field by its vendor name ([`crate::AdapterError`]). Unknown fields are ignored where the
//! vendor may add fields (Alibaba, AWS) and refused where the schema forbids them (Azure).

pub mod alibaba;
pub mod aws;
pub mod azure;

use crate::error::AdapterError;
use serde_json::{Map, Value};

/// Default limit on a vendor message (64 KiB).
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 64 * 1024;

pub(crate) fn parse_object(
    bytes: &[u8],
    max_len: usize,
) -> Result<Map<String, Value>, AdapterError> {
    if bytes.len() > max_len {
        return Err(AdapterError::TooLarge {
            size: bytes.len(),
            limit: max_len,
        });
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(AdapterError::Json("top level is not an object".to_owned())),
        Err(e) => Err(AdapterError::Json(e.to_string())),
    }
}

pub(crate) fn obj<'a>(
    m: &'a Map<String, Value>,
    key: &'static str,
) -> Result<&'a Map<String, Value>, AdapterError> {
    match m.get(key) {
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(AdapterError::InvalidField {
            field: key,
            reason: "not an object",
        }),
        None => Err(AdapterError::MissingField(key)),
    }
}

pub(crate) fn opt_obj<'a>(
    m: &'a Map<String, Value>,
    key: &'static str,
) -> Result<Option<&'a Map<String, Value>>, AdapterError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(AdapterError::InvalidField {
            field: key,
            reason: "not an object",
        }),
    }
}

pub(crate) fn string<'a>(
    m: &'a Map<String, Value>,
    key: &'static str,
) -> Result<&'a str, AdapterError> {
    opt_string(m, key)?.ok_or(AdapterError::MissingField(key))
}

pub(crate) fn opt_string<'a>(
    m: &'a Map<String, Value>,
    key: &'static str,
) -> Result<Option<&'a str>, AdapterError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(AdapterError::InvalidField {
            field: key,
            reason: "not a string",
        }),
    }
}

pub(crate) fn uint(m: &Map<String, Value>, key: &'static str) -> Result<u64, AdapterError> {
    opt_uint(m, key)?.ok_or(AdapterError::MissingField(key))
}

/// An unsigned integer, also accepted as a decimal string (vendors mix both).
pub(crate) fn opt_uint(
    m: &Map<String, Value>,
    key: &'static str,
) -> Result<Option<u64>, AdapterError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or(AdapterError::InvalidField {
            field: key,
            reason: "not an unsigned integer",
        }),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().map(Some).map_err(|_| AdapterError::InvalidField {
                field: key,
                reason: "integer out of range",
            })
        }
        Some(_) => Err(AdapterError::InvalidField {
            field: key,
            reason: "not an unsigned integer",
        }),
    }
}

pub(crate) fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}
