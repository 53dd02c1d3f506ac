//! Errors, and the vendor error codes they map to.
//!
//! [`ShadowError`] is the one error of the shadow core: every rejected request names the rule it
//! broke. Each dialect turns it into its own wire code with [`ShadowError::aws_code`],
//! [`ShadowError::alibaba_code`] or [`ShadowError::azure_status`]; those codes are typed values,
//! not bare integers.

use thiserror::Error;

/// Why a shadow request was rejected.
///
/// The variants are dialect-neutral; the message adapters map them to the vendor codes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ShadowError {
    /// The payload is not valid JSON.
    #[error("invalid JSON at line {line}, column {column}")]
    InvalidJson {
        /// 1-based line of the first error, as serde_json reports it (0 at end of input).
        line: usize,
        /// 1-based column of the first error.
        column: usize,
    },
    /// The payload is not UTF-8 (AWS: 415).
    #[error("unsupported encoding: the payload is not UTF-8")]
    UnsupportedEncoding,
    /// The payload is empty, or an empty JSON object where a request was expected.
    #[error("empty request")]
    EmptyRequest,
    /// The request document is not a JSON object.
    #[error("request must be a JSON object")]
    RequestNotObject,
    /// An update without a `state` node.
    #[error("missing required node: state")]
    MissingState,
    /// `state` is present but not an object.
    #[error("state node must be an object")]
    StateNotObject,
    /// `state.desired` is neither an object nor a clear marker.
    #[error("desired node must be an object")]
    DesiredNotObject,
    /// `state.reported` is neither an object nor a clear marker.
    #[error("reported node must be an object")]
    ReportedNotObject,
    /// `state` names neither `desired` nor `reported` (Alibaba: code 404).
    #[error("state has neither desired nor reported")]
    MissingReported,
    /// `state` has a node other than `desired` and `reported` (AWS rejects it).
    #[error("state contains an invalid node")]
    InvalidStateNode,
    /// `state.reported` is an empty object where the dialect needs content (Alibaba: code 405).
    #[error("reported node is empty")]
    EmptyReported,
    /// An Alibaba request without `method`.
    #[error("missing method")]
    MissingMethod,
    /// An Alibaba request whose `method` is not `update`, `get` or `delete`.
    #[error("invalid method")]
    InvalidMethod,
    /// `version` is not an integer in the range the dialect accepts, or is missing where required.
    #[error("invalid version")]
    InvalidVersion,
    /// `clientToken` is not a string or longer than the limit.
    #[error("invalid clientToken: {len} bytes, maximum is {max}")]
    InvalidClientToken {
        /// Length of the token in bytes (0 when it was not a string).
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The state nests deeper than the dialect allows.
    #[error("JSON contains too many levels of nesting; maximum is {max}")]
    TooDeep {
        /// The maximum depth.
        max: usize,
    },
    /// An array contains `null` (AWS rejects it; merge patch gives it no meaning).
    #[error("state contains an invalid node: null inside an array")]
    NullInArray,
    /// A key the dialect forbids (Azure: `$`, `.`, space, control characters, over 1 KB).
    #[error("state contains an invalid key")]
    InvalidKey,
    /// An integer outside the range the dialect stores exactly (Azure: -2^52 to 2^52 - 1).
    #[error("state contains an integer outside the allowed range")]
    NumberOutOfRange,
    /// An array where the dialect forbids arrays.
    #[error("state contains an array, which the dialect does not allow")]
    ArrayNotAllowed,
    /// The state would exceed the size limit after the update.
    #[error("state size {size} exceeds the maximum of {max}")]
    StateTooLarge {
        /// The size, counted the dialect's way.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The payload itself exceeds the maximum message size.
    #[error("payload of {size} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// Payload length in bytes.
        size: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The reported section would hold more top-level attributes than allowed (Alibaba: 408).
    #[error("reported has {count} attributes, maximum is {max}")]
    TooManyAttributes {
        /// The number of attributes after the update.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The request version does not satisfy the dialect's version rule.
    #[error("version conflict: current version is {current}")]
    VersionConflict {
        /// The current version of the shadow.
        current: u64,
    },
    /// An `If-Match` ETag that does not match the current one (Azure: 412).
    #[error("precondition failed: ETag does not match")]
    PreconditionFailed,
    /// The shadow does not exist.
    #[error("no shadow exists")]
    NotFound,
    /// The store failed, or a write lost the compare-and-swap race too many times.
    #[error("internal service failure")]
    Internal,
}

/// AWS IoT Device Shadow error codes, as carried in the `code` field of error documents.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AwsErrorCode {
    /// 400 Bad Request.
    BadRequest,
    /// 401 Unauthorized.
    Unauthorized,
    /// 403 Forbidden.
    Forbidden,
    /// 404 Not Found.
    NotFound,
    /// 409 Conflict (version conflict).
    Conflict,
    /// 413 Payload Too Large.
    PayloadTooLarge,
    /// 415 Unsupported Media Type (encoding is not UTF-8).
    UnsupportedMediaType,
    /// 429 Too Many Requests.
    TooManyRequests,
    /// 500 Internal Server Error.
    InternalServerError,
}

impl AwsErrorCode {
    /// The numeric code.
    #[must_use]
    pub const fn as_u16(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::TooManyRequests => 429,
            Self::InternalServerError => 500,
        }
    }

    /// The code for a number, if AWS documents it for shadows.
    #[must_use]
    pub const fn from_u16(code: u16) -> Option<Self> {
        Some(match code {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            429 => Self::TooManyRequests,
            500 => Self::InternalServerError,
            _ => return None,
        })
    }
}

/// Alibaba device shadow error codes (`payload.content.errorcode` of a `reply`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlibabaErrorCode {
    /// 400: the JSON is invalid.
    InvalidJson,
    /// 401: `method` is missing.
    MethodMissing,
    /// 402: `state` is missing.
    StateMissing,
    /// 403: `version` is invalid.
    InvalidVersion,
    /// 404: `reported` is missing.
    ReportedMissing,
    /// 405: `reported` is empty.
    ReportedEmpty,
    /// 406: `method` is invalid.
    InvalidMethod,
    /// 407: the JSON is empty.
    JsonEmpty,
    /// 408: `reported` has more than 128 attributes.
    TooManyAttributes,
    /// 409: version conflict.
    VersionConflict,
    /// 500: server exception.
    ServerException,
}

impl AlibabaErrorCode {
    /// The numeric code.
    #[must_use]
    pub const fn as_u16(self) -> u16 {
        match self {
            Self::InvalidJson => 400,
            Self::MethodMissing => 401,
            Self::StateMissing => 402,
            Self::InvalidVersion => 403,
            Self::ReportedMissing => 404,
            Self::ReportedEmpty => 405,
            Self::InvalidMethod => 406,
            Self::JsonEmpty => 407,
            Self::TooManyAttributes => 408,
            Self::VersionConflict => 409,
            Self::ServerException => 500,
        }
    }

    /// The code for a number, if Alibaba documents it for shadows.
    #[must_use]
    pub const fn from_u16(code: u16) -> Option<Self> {
        Some(match code {
            400 => Self::InvalidJson,
            401 => Self::MethodMissing,
            402 => Self::StateMissing,
            403 => Self::InvalidVersion,
            404 => Self::ReportedMissing,
            405 => Self::ReportedEmpty,
            406 => Self::InvalidMethod,
            407 => Self::JsonEmpty,
            408 => Self::TooManyAttributes,
            409 => Self::VersionConflict,
            500 => Self::ServerException,
            _ => return None,
        })
    }
}

/// Azure IoT Hub twin response statuses (the `{status}` of `$iothub/twin/res/{status}/`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AzureStatus {
    /// 200: GET succeeded.
    Ok,
    /// 204: reported PATCH succeeded.
    NoContent,
    /// 400: malformed request.
    BadRequest,
    /// 404: no such twin.
    NotFound,
    /// 412: `If-Match` precondition failed.
    PreconditionFailed,
    /// 413: the document exceeds the size limit.
    RequestEntityTooLarge,
    /// 429: throttled.
    TooManyRequests,
    /// 500: server error.
    InternalServerError,
}

impl AzureStatus {
    /// The numeric status.
    #[must_use]
    pub const fn as_u16(self) -> u16 {
        match self {
            Self::Ok => 200,
            Self::NoContent => 204,
            Self::BadRequest => 400,
            Self::NotFound => 404,
            Self::PreconditionFailed => 412,
            Self::RequestEntityTooLarge => 413,
            Self::TooManyRequests => 429,
            Self::InternalServerError => 500,
        }
    }

    /// The status for a number, if it is one of the documented twin statuses.
    #[must_use]
    pub const fn from_u16(code: u16) -> Option<Self> {
        Some(match code {
            200 => Self::Ok,
            204 => Self::NoContent,
            400 => Self::BadRequest,
            404 => Self::NotFound,
            412 => Self::PreconditionFailed,
            413 => Self::RequestEntityTooLarge,
            429 => Self::TooManyRequests,
            500 => Self::InternalServerError,
            _ => return None,
        })
    }
}

impl ShadowError {
    /// The AWS error code for this error.
    #[must_use]
    pub const fn aws_code(&self) -> AwsErrorCode {
        match self {
            Self::VersionConflict { .. } | Self::PreconditionFailed => AwsErrorCode::Conflict,
            Self::StateTooLarge { .. } | Self::PayloadTooLarge { .. } => {
                AwsErrorCode::PayloadTooLarge
            }
            Self::NotFound => AwsErrorCode::NotFound,
            Self::Internal => AwsErrorCode::InternalServerError,
            Self::UnsupportedEncoding => AwsErrorCode::UnsupportedMediaType,
            _ => AwsErrorCode::BadRequest,
        }
    }

    /// The AWS `message` text for this error (the wording AWS documents for each case).
    #[must_use]
    pub fn aws_message(&self) -> String {
        match self {
            Self::InvalidJson { .. } | Self::EmptyRequest | Self::RequestNotObject => {
                "Invalid JSON".into()
            }
            Self::UnsupportedEncoding => {
                "Unsupported documented encoding; supported encoding is UTF-8".into()
            }
            Self::MissingState | Self::MissingReported => "Missing required node: state".into(),
            Self::StateNotObject => "State node must be an object".into(),
            Self::DesiredNotObject => "Desired node must be an object".into(),
            Self::ReportedNotObject | Self::EmptyReported => {
                "Reported node must be an object".into()
            }
            Self::InvalidVersion => "Invalid version".into(),
            Self::InvalidClientToken { .. } => "Invalid clientToken".into(),
            Self::TooDeep { max } => {
                format!("JSON contains too many levels of nesting; maximum is {max}")
            }
            Self::VersionConflict { .. } | Self::PreconditionFailed => "Version conflict".into(),
            Self::StateTooLarge { .. } | Self::PayloadTooLarge { .. } => {
                "The payload exceeds the maximum size allowed".into()
            }
            Self::NotFound => "No shadow exists".into(),
            Self::Internal => "Internal service failure".into(),
            Self::NullInArray
            | Self::InvalidStateNode
            | Self::NumberOutOfRange
            | Self::InvalidKey
            | Self::ArrayNotAllowed
            | Self::TooManyAttributes { .. }
            | Self::MissingMethod
            | Self::InvalidMethod => "State contains an invalid node".into(),
        }
    }

    /// The Alibaba error code for this error.
    #[must_use]
    pub const fn alibaba_code(&self) -> AlibabaErrorCode {
        match self {
            Self::EmptyRequest => AlibabaErrorCode::JsonEmpty,
            Self::MissingMethod => AlibabaErrorCode::MethodMissing,
            Self::InvalidMethod => AlibabaErrorCode::InvalidMethod,
            Self::MissingState => AlibabaErrorCode::StateMissing,
            Self::InvalidVersion => AlibabaErrorCode::InvalidVersion,
            Self::MissingReported => AlibabaErrorCode::ReportedMissing,
            Self::EmptyReported => AlibabaErrorCode::ReportedEmpty,
            Self::TooManyAttributes { .. } => AlibabaErrorCode::TooManyAttributes,
            Self::VersionConflict { .. } | Self::PreconditionFailed => {
                AlibabaErrorCode::VersionConflict
            }
            Self::Internal | Self::NotFound => AlibabaErrorCode::ServerException,
            _ => AlibabaErrorCode::InvalidJson,
        }
    }

    /// The Azure twin response status for this error.
    #[must_use]
    pub const fn azure_status(&self) -> AzureStatus {
        match self {
            Self::PreconditionFailed | Self::VersionConflict { .. } => {
                AzureStatus::PreconditionFailed
            }
            Self::StateTooLarge { .. } | Self::PayloadTooLarge { .. } => {
                AzureStatus::RequestEntityTooLarge
            }
            Self::NotFound => AzureStatus::NotFound,
            Self::Internal => AzureStatus::InternalServerError,
            _ => AzureStatus::BadRequest,
        }
    }

    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        Self::InvalidJson {
            line: e.line(),
            column: e.column(),
        }
    }
}

/// A topic that is not one of the dialect's shadow topics.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TopicError {
    /// The topic does not start with the dialect's shadow prefix.
    #[error("not a shadow topic of this dialect")]
    NotShadowTopic,
    /// A thing, shadow, product or device name is empty, too long or contains `/`, `+` or `#`.
    #[error("invalid thing, shadow or device name in topic")]
    InvalidName,
    /// The operation part of the topic is unknown.
    #[error("unknown shadow operation in topic")]
    UnknownOperation,
    /// An Azure `$rid` or `$version` parameter is missing or malformed.
    #[error("missing or malformed topic parameter")]
    InvalidParameter,
}

/// A failure of a [`ShadowStore`](crate::store::ShadowStore) backend.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The backend failed; the text comes from the backend.
    #[error("shadow store backend failed: {0}")]
    Backend(String),
    /// The store is at its configured capacity and cannot create another shadow.
    #[error("shadow store is full")]
    Full,
}

/// Errors of the device-side [`DeviceSync`](crate::device::DeviceSync) machine.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SyncError {
    /// A message arrived on a topic that this device does not use.
    #[error("unexpected topic: {0}")]
    Topic(#[from] TopicError),
    /// A message payload could not be understood.
    #[error("malformed shadow message: {0}")]
    Payload(#[from] ShadowError),
}
