//! Alink JSON envelopes (request and response) and result codes.
//!
//! Alink is the JSON protocol Alibaba Cloud IoT devices speak over MQTT. A request carries `id`,
//! `version`, `method` and `params` (LinkSDK 4.x omits `method` and adds `sys.ack`); a response
//! carries `id`, `code`, `data` and sometimes `message`. The `id` is documented as a string of
//! decimal digits, but the platform itself sends JSON numbers in OTA pushes, so both are accepted
//! and written back in the form they were read.

use core::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An Alink result code (`code` of a response), as a typed value.
///
/// Known codes are associated constants; any other code (such as device-defined codes
/// 100000–110000) is kept as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlinkCode(pub u32);

impl AlinkCode {
    /// 200: success.
    pub const SUCCESS: AlinkCode = AlinkCode(200);
    /// 400: request error (platform internal).
    pub const REQUEST_ERROR: AlinkCode = AlinkCode(400);
    /// 429: too many requests.
    pub const TOO_MANY_REQUESTS: AlinkCode = AlinkCode(429);
    /// 460: request parameter error (empty, malformed, or over a parameter limit).
    pub const PARAMETER_ERROR: AlinkCode = AlinkCode(460);
    /// 500: unknown system error.
    pub const SYSTEM_ERROR: AlinkCode = AlinkCode(500);
    /// 5005: product information query failed.
    pub const PRODUCT_QUERY_FAILED: AlinkCode = AlinkCode(5005);
    /// 6100: device not found.
    pub const DEVICE_NOT_FOUND: AlinkCode = AlinkCode(6100);
    /// 6106: more than 200 properties in one report.
    pub const TOO_MANY_PROPERTIES: AlinkCode = AlinkCode(6106);
    /// 6203: topic parse failed.
    pub const TOPIC_PARSE_FAILED: AlinkCode = AlinkCode(6203);
    /// 6204: device disabled.
    pub const DEVICE_DISABLED: AlinkCode = AlinkCode(6204);
    /// 6313: TSL service unavailable.
    pub const TSL_SERVICE_UNAVAILABLE: AlinkCode = AlinkCode(6313);
    /// 6357: gateway pack over its limits (properties, events or sub-devices).
    pub const PACK_LIMIT: AlinkCode = AlinkCode(6357);
    /// 6450: no `method` after the data-parsing script ran.
    pub const NO_METHOD: AlinkCode = AlinkCode(6450);

    /// Whether this is 200.
    #[must_use]
    pub fn is_success(self) -> bool {
        self.0 == 200
    }

    /// Whether this lies in the TSL-check range 6300–6328. Which number the platform uses for
    /// which check is not published reliably (see the crate docs), so no meaning is attached.
    #[must_use]
    pub fn is_tsl_check(self) -> bool {
        (6300..=6328).contains(&self.0)
    }

    /// Whether this lies in the device-defined range 100000–110000.
    #[must_use]
    pub fn is_device_defined(self) -> bool {
        (100_000..=110_000).contains(&self.0)
    }

    /// A short English description of a documented code.
    #[must_use]
    pub fn description(self) -> Option<&'static str> {
        Some(match self.0 {
            200 => "success",
            400 => "request error",
            429 => "too many requests",
            460 => "request parameter error",
            500 => "unknown system error",
            5005 => "product information query failed",
            6100 => "device not found",
            6106 => "more than 200 properties in one report",
            6203 => "topic parse failed",
            6204 => "device disabled",
            6313 => "TSL service unavailable",
            6357 => "gateway pack over its limits",
            6450 => "no method after data parsing",
            _ => return None,
        })
    }
}

impl fmt::Display for AlinkCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A message `id`: a string of digits (as documented) or a JSON number (as the platform sends in
/// OTA pushes). Written back in the form it was read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MessageId {
    /// A JSON number.
    Number(u64),
    /// A JSON string (normally decimal digits, 0..=4294967295).
    Text(String),
}

impl MessageId {
    /// The numeric value, if the id is a number or a string of decimal digits.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            MessageId::Number(n) => Some(*n),
            MessageId::Text(s) => {
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                s.parse().ok()
            }
        }
    }
}

impl From<u64> for MessageId {
    fn from(n: u64) -> Self {
        MessageId::Number(n)
    }
}

impl From<&str> for MessageId {
    fn from(s: &str) -> Self {
        MessageId::Text(s.to_owned())
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageId::Number(n) => write!(f, "{n}"),
            MessageId::Text(s) => f.write_str(s),
        }
    }
}

/// The `sys` member of a LinkSDK 4.x request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sys {
    /// `ack`: 1 asks for a `_reply`, 0 asks the platform not to reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack: Option<u8>,
    /// Members this crate does not interpret, kept for a lossless round trip.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// An Alink request (device to cloud or cloud to device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request<P = Value> {
    /// Message id, echoed by the response.
    pub id: MessageId,
    /// Protocol version, `"1.0"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Dotted method, e.g. `thing.event.property.post` (absent in LinkSDK 4.x requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Method parameters.
    pub params: P,
    /// LinkSDK 4.x `sys` member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys: Option<Sys>,
}

impl<P> Request<P> {
    /// A version `"1.0"` request.
    pub fn new(id: impl Into<MessageId>, method: impl Into<String>, params: P) -> Self {
        Request {
            id: id.into(),
            version: Some("1.0".to_owned()),
            method: Some(method.into()),
            params,
            sys: None,
        }
    }

    /// Whether the sender wants a `_reply` (true unless `sys.ack` is 0).
    #[must_use]
    pub fn wants_reply(&self) -> bool {
        !matches!(&self.sys, Some(Sys { ack: Some(0), .. }))
    }

    /// A response to this request with the given code and data.
    pub fn reply<D>(&self, code: AlinkCode, data: D) -> Response<D> {
        Response {
            id: self.id.clone(),
            code,
            data,
            message: None,
            version: None,
            method: None,
        }
    }
}

/// An Alink response (`_reply` topic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response<D = Value> {
    /// The request's id.
    pub id: MessageId,
    /// Result code.
    pub code: AlinkCode,
    /// Result data (`{}` when there is none).
    #[serde(default)]
    pub data: D,
    /// Error message, when the platform sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Version, when the sender adds one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Method, when the sender adds one (some platform replies do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}
