//! Azure IoT Hub device twin messages: the `$iothub/twin/...` topics with `$rid` request ids,
//! desired and reported documents with `$version` and `$metadata`, and ETag `If-Match`.
//!
//! The twin's `desired` and `reported` are the core's two sections; the twin version is the
//! document version, and each section's `$version` counts the updates that changed it. The rules
//! live in [`crate::document`] with [`Dialect::azure`](crate::Dialect::azure).

use core::fmt;

use serde_json::Value;

use crate::dialect::Dialect;
use crate::document::{MetaStyle, Object, Section, ShadowDocument};
use crate::error::{ShadowError, TopicError};
use crate::message::{self, obj};

/// A parsed twin topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic<'a> {
    /// `$iothub/twin/GET/?$rid={rid}`: the device asks for the twin.
    Get {
        /// The request id.
        rid: &'a str,
    },
    /// `$iothub/twin/PATCH/properties/reported/?$rid={rid}`: the device reports.
    PatchReported {
        /// The request id.
        rid: &'a str,
    },
    /// `$iothub/twin/res/{status}/?$rid={rid}[&$version={n}]`: the hub answers.
    Response {
        /// The status code (200, 204, 4xx, 5xx).
        status: u16,
        /// The request id being answered.
        rid: &'a str,
        /// The new reported `$version`, on a 204.
        version: Option<u64>,
    },
    /// `$iothub/twin/PATCH/properties/desired/?$version={n}`: the hub pushes a desired patch.
    DesiredPatch {
        /// The desired `$version` after the patch.
        version: u64,
    },
}

/// Topic filters a device subscribes to for twin traffic.
pub const DEVICE_SUBSCRIPTIONS: [&str; 2] = [
    "$iothub/twin/res/#",
    "$iothub/twin/PATCH/properties/desired/#",
];

fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn rid(query: &str) -> Result<&str, TopicError> {
    match param(query, "$rid") {
        Some(r) if !r.is_empty() && r.len() <= 128 && !r.contains(['/', '+', '#']) => Ok(r),
        _ => Err(TopicError::InvalidParameter),
    }
}

fn version(query: &str) -> Result<Option<u64>, TopicError> {
    param(query, "$version")
        .map(|v| v.parse().map_err(|_| TopicError::InvalidParameter))
        .transpose()
}

impl<'a> Topic<'a> {
    /// Parses a twin topic.
    ///
    /// # Errors
    /// [`TopicError`] naming what is wrong.
    pub fn parse(topic: &'a str) -> Result<Self, TopicError> {
        let rest = topic
            .strip_prefix("$iothub/twin/")
            .ok_or(TopicError::NotShadowTopic)?;
        let (path, query) = rest.split_once("/?").ok_or(TopicError::InvalidParameter)?;
        match path {
            "GET" => Ok(Self::Get { rid: rid(query)? }),
            "PATCH/properties/reported" => Ok(Self::PatchReported { rid: rid(query)? }),
            "PATCH/properties/desired" => Ok(Self::DesiredPatch {
                version: version(query)?.ok_or(TopicError::InvalidParameter)?,
            }),
            _ => {
                let status = path
                    .strip_prefix("res/")
                    .ok_or(TopicError::UnknownOperation)?;
                let status = match status.parse::<u16>() {
                    Ok(s) if (100..=999).contains(&s) && status.len() == 3 => s,
                    _ => return Err(TopicError::InvalidParameter),
                };
                Ok(Self::Response {
                    status,
                    rid: rid(query)?,
                    version: version(query)?,
                })
            }
        }
    }
}

impl fmt::Display for Topic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Get { rid } => write!(f, "$iothub/twin/GET/?$rid={rid}"),
            Self::PatchReported { rid } => {
                write!(f, "$iothub/twin/PATCH/properties/reported/?$rid={rid}")
            }
            Self::Response {
                status,
                rid,
                version,
            } => {
                write!(f, "$iothub/twin/res/{status}/?$rid={rid}")?;
                match version {
                    Some(v) => write!(f, "&$version={v}"),
                    None => Ok(()),
                }
            }
            Self::DesiredPatch { version } => {
                write!(
                    f,
                    "$iothub/twin/PATCH/properties/desired/?$version={version}"
                )
            }
        }
    }
}

/// Parses a reported PATCH body: a JSON object merged into `reported` (`null` removes a
/// property). `$version` and `$metadata` are read-only and rejected like any `$` name.
///
/// # Errors
/// [`ShadowError::InvalidJson`], [`ShadowError::EmptyRequest`] or
/// [`ShadowError::RequestNotObject`]; key rules are checked by the core.
pub fn parse_patch(payload: &[u8], dialect: &Dialect) -> Result<Object, ShadowError> {
    message::parse_object(payload, dialect)
}

fn section_with_version(
    document: &ShadowDocument,
    section: Section,
    version: u64,
    metadata: bool,
) -> Value {
    let mut out = document.section(section).cloned().unwrap_or_default();
    if metadata {
        let style = MetaStyle::Azure {
            versions: section == Section::Desired,
        };
        if let Some(m) = document.metadata(section, style) {
            out.insert("$metadata".into(), m);
        }
    }
    out.insert("$version".into(), Value::from(version));
    Value::Object(out)
}

/// The body of a GET response: `{"desired":{…,"$version":n},"reported":{…,"$version":m}}`,
/// with `$metadata` in each section when `metadata` is set.
#[must_use]
pub fn twin_document(document: &ShadowDocument, metadata: bool) -> Value {
    obj([
        (
            "desired",
            section_with_version(
                document,
                Section::Desired,
                document.desired_version(),
                metadata,
            ),
        ),
        (
            "reported",
            section_with_version(
                document,
                Section::Reported,
                document.reported_version(),
                metadata,
            ),
        ),
    ])
}

/// The body of a desired-properties push: the patch and the new desired `$version`.
#[must_use]
pub fn desired_patch(patch: &Object, desired_version: u64) -> Value {
    let mut out = patch.clone();
    out.insert("$version".into(), Value::from(desired_version));
    Value::Object(out)
}

/// The body of an error response.
#[must_use]
pub fn error_body(error: &ShadowError) -> Value {
    obj([
        ("status", Value::from(error.azure_status().as_u16())),
        ("message", Value::from(error.to_string())),
    ])
}

/// A twin ETag: the twin version as eight big-endian bytes in base64, quoted, which is the shape
/// IoT Hub uses (for example `"AAAAAAAAAAE="` for version 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ETag(pub u64);

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0.to_be_bytes();
        let mut out = String::with_capacity(14);
        out.push('"');
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out.push('"');
        f.write_str(&out)
    }
}

impl ETag {
    /// Parses an `If-Match` value: `*` matches any version (`None`), otherwise a quoted ETag as
    /// [`ETag`]'s `Display` writes it (a `W/` weak prefix is accepted).
    ///
    /// # Errors
    /// [`ShadowError::PreconditionFailed`] for a value that is not such an ETag: it cannot
    /// match any version.
    pub fn parse_if_match(value: &str) -> Result<Option<Self>, ShadowError> {
        let value = value.trim();
        if value == "*" {
            return Ok(None);
        }
        let value = value.strip_prefix("W/").unwrap_or(value);
        let inner = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or(ShadowError::PreconditionFailed)?;
        let raw = inner.as_bytes();
        if raw.len() != 12 || &raw[11..] != b"=" {
            return Err(ShadowError::PreconditionFailed);
        }
        let mut n: u128 = 0;
        for &c in &raw[..11] {
            let d = B64
                .iter()
                .position(|&b| b == c)
                .ok_or(ShadowError::PreconditionFailed)?;
            n = (n << 6) | d as u128;
        }
        // 11 symbols carry 66 bits: 64 bits of version and 2 zero padding bits.
        if n & 3 != 0 {
            return Err(ShadowError::PreconditionFailed);
        }
        u64::try_from(n >> 2)
            .map(|v| Some(Self(v)))
            .map_err(|_| ShadowError::PreconditionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_round_trip() {
        assert_eq!(ETag(1).to_string(), "\"AAAAAAAAAAE=\"");
        for v in [0, 1, 2, 255, 256, 1 << 40, u64::MAX] {
            let s = ETag(v).to_string();
            assert_eq!(ETag::parse_if_match(&s), Ok(Some(ETag(v))), "{s}");
        }
        assert_eq!(ETag::parse_if_match("*"), Ok(None));
        assert!(ETag::parse_if_match("\"AAAAAAAAAAF=\"").is_err());
        assert!(ETag::parse_if_match("AAAAAAAAAAE=").is_err());
    }
}
