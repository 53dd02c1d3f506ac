//! Error types: one enum per concern, `#[non_exhaustive]`, and a crate-level [`Error`]
//! that every one of them converts into.
//!
//! Parse errors are `Copy + Eq` so that tests (and callers) can match on the exact rule that
//! was broken. No variant depends on a cargo feature.

use core::fmt;

use iot_protocol::topic::TopicError;

/// Which identifier or secret a rule was checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityKind {
    /// Alibaba `ProductKey`.
    ProductKey,
    /// Alibaba `DeviceName` (also used as the AWS thing name).
    DeviceName,
    /// Alibaba `DeviceSecret`.
    DeviceSecret,
    /// Alibaba `ProductSecret`.
    ProductSecret,
    /// The caller-chosen client id signed inside an Alibaba MQTT client id.
    ClientId,
    /// An Azure IoT Hub device id, module id or DPS registration id.
    AzureId,
    /// An Alibaba registration `random` nonce.
    Nonce,
    /// A device token (`deviceToken` of pre-registration-free registration, HTTP/CoAP tokens).
    DeviceToken,
}

impl fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ProductKey => "productKey",
            Self::DeviceName => "deviceName",
            Self::DeviceSecret => "deviceSecret",
            Self::ProductSecret => "productSecret",
            Self::ClientId => "clientId",
            Self::AzureId => "Azure id",
            Self::Nonce => "random",
            Self::DeviceToken => "device token",
        })
    }
}

/// An identifier or secret broke its vendor's character or length rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The value is shorter than allowed (`min` bytes).
    #[error("{kind} is {len} bytes long, the minimum is {min}")]
    TooShort {
        /// What was checked.
        kind: IdentityKind,
        /// Its length in bytes.
        len: usize,
        /// The minimum length.
        min: usize,
    },
    /// The value is longer than allowed (`max` bytes).
    #[error("{kind} is {len} bytes long, the maximum is {max}")]
    TooLong {
        /// What was checked.
        kind: IdentityKind,
        /// Its length in bytes.
        len: usize,
        /// The maximum length.
        max: usize,
    },
    /// The value contains a character outside the vendor's set.
    #[error("{kind} contains {ch:?} at byte {at}, which is not allowed there")]
    InvalidChar {
        /// What was checked.
        kind: IdentityKind,
        /// The offending character.
        ch: char,
        /// Its byte offset.
        at: usize,
    },
}

/// An Alibaba MQTT client id (`clientId|key=value,…|`), user name or parameter list is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientIdError {
    /// No `|key=value,…|` extension segment: the platform cannot tell how to authenticate.
    #[error("the client id has no `|key=value,...|` extension segment")]
    MissingExtension,
    /// The extension segment is not closed by a final `|`, or more `|` follow it.
    #[error("the client id extension must be a single `|...|` segment at the end")]
    BadDelimiters,
    /// The signed client id part broke its rule.
    #[error("client id: {0}")]
    ClientId(IdentityError),
    /// A parameter is not of the form `key=value` (byte offset inside the extension).
    #[error("extension parameter at byte {at} is not `key=value`")]
    MalformedParameter {
        /// Byte offset of the parameter inside the extension segment.
        at: usize,
    },
    /// An empty parameter between two commas (only one trailing comma is tolerated).
    #[error("empty extension parameter at byte {at}")]
    EmptyParameter {
        /// Byte offset inside the extension segment.
        at: usize,
    },
    /// A parameter name appears twice.
    #[error("extension parameter `{0}` appears twice")]
    DuplicateParameter(KnownParam),
    /// A known parameter has a value outside its grammar.
    #[error("extension parameter `{0}` has an invalid value")]
    InvalidValue(KnownParam),
    /// `securemode` is not one of 2, 3, -1, -2, 8.
    #[error("securemode {0} is not one of 2, 3, -1, -2, 8")]
    UnknownSecureMode(i32),
    /// `authType` is not `register`, `regnwl` or `connwl`.
    #[error("authType is not one of register, regnwl, connwl")]
    UnknownAuthType,
    /// The MQTT user name is not `deviceName&productKey`.
    #[error("the user name is not `deviceName&productKey`")]
    MalformedUsername,
    /// The user name's device name broke its rule.
    #[error("user name: {0}")]
    Username(IdentityError),
    /// A required parameter is absent.
    #[error("extension parameter `{0}` is missing")]
    MissingParameter(KnownParam),
    /// More than 32 extension parameters.
    #[error("more than 32 extension parameters")]
    TooManyParameters,
    /// The whole client id is longer than this crate accepts (bytes).
    #[error("the client id is {0} bytes long, more than the 1024 accepted")]
    TooLong(usize),
}

/// Extension parameters this crate interprets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KnownParam {
    /// `securemode`
    SecureMode,
    /// `signmethod`
    SignMethod,
    /// `timestamp`
    Timestamp,
    /// `authType`
    AuthType,
    /// `random`
    Random,
    /// `instanceId`
    InstanceId,
    /// Any other parameter (only duplicates are reported for these).
    Other,
}

impl fmt::Display for KnownParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SecureMode => "securemode",
            Self::SignMethod => "signmethod",
            Self::Timestamp => "timestamp",
            Self::AuthType => "authType",
            Self::Random => "random",
            Self::InstanceId => "instanceId",
            Self::Other => "extension",
        })
    }
}

/// Why the platform rejected a device's credentials (Alibaba MQTT, HTTP, CoAP, sub-device
/// login, dynamic registration). Every rejection has its own reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The client id or user name could not be parsed.
    #[error("malformed client id: {0}")]
    MalformedClientId(ClientIdError),
    /// A JSON or form body could not be parsed or lacks a field.
    #[error("malformed request body: {0}")]
    MalformedBody(BodyError),
    /// A product key, device name or client id broke its rule.
    #[error("invalid identity: {0}")]
    Identity(IdentityError),
    /// The credential store does not know this device (or product).
    #[error("unknown device")]
    UnknownDevice,
    /// The sign method is not one of hmacmd5, hmacsha1, hmacsha256, or is not allowed by policy.
    #[error("unsupported sign method")]
    UnsupportedSignMethod,
    /// The secure mode is not allowed by this verifier's policy.
    #[error("secure mode not allowed by policy")]
    SecureModeNotAllowed,
    /// The connection asks for another kind of authentication than this call verifies
    /// (for example `authType=register` handed to the one-device-one-secret verifier).
    #[error("wrong authentication kind for this verifier")]
    WrongAuthKind,
    /// Policy requires a timestamp and none was sent.
    #[error("timestamp missing")]
    MissingTimestamp,
    /// The timestamp is outside the configured window around `now` (replay protection).
    #[error("timestamp {timestamp} ms is more than {window_ms} ms away from now ({now} ms)")]
    StaleTimestamp {
        /// The signed timestamp (Unix ms).
        timestamp: u64,
        /// The verifier's `now` (Unix ms).
        now: u64,
        /// The allowed distance (ms).
        window_ms: u64,
    },
    /// The password or `sign` is not hex of the sign method's length.
    #[error("the signature is not {expected_hex_len} hex digits")]
    MalformedSignature {
        /// Expected number of hex digits.
        expected_hex_len: usize,
    },
    /// The signature does not match the content signed with the stored secret.
    #[error("signature mismatch")]
    SignatureMismatch,
    /// A device token (connwl, HTTP/CoAP) does not match or has expired.
    #[error("invalid device token")]
    InvalidToken,
    /// A registration was refused with a vendor code.
    #[error("registration refused: {0}")]
    Registration(RegistrationCode),
}

impl From<ClientIdError> for AuthError {
    fn from(e: ClientIdError) -> Self {
        Self::MalformedClientId(e)
    }
}

impl From<IdentityError> for AuthError {
    fn from(e: IdentityError) -> Self {
        Self::Identity(e)
    }
}

impl From<BodyError> for AuthError {
    fn from(e: BodyError) -> Self {
        Self::MalformedBody(e)
    }
}

/// A JSON document or form body (HTTP `/auth`, CoAP `/auth`, registration, responses) is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// Not valid JSON, or not the expected JSON shape.
    #[error("not a JSON object of the expected shape")]
    InvalidJson,
    /// A required field is absent.
    #[error("required field `{0}` is missing")]
    MissingField(&'static str),
    /// A field appears twice (form bodies).
    #[error("field `{0}` appears twice")]
    DuplicateField(&'static str),
    /// A field has a value outside its grammar.
    #[error("field `{0}` has an invalid value")]
    InvalidField(&'static str),
    /// A form body is not `name=value&…` with valid percent-encoding.
    #[error("malformed form encoding")]
    InvalidForm,
    /// The body is larger than accepted (bytes).
    #[error("body is {0} bytes, larger than the 8192 accepted")]
    TooLarge(usize),
}

/// Alibaba dynamic-registration and device-auth result codes, as typed values.
///
/// Source: things-go/aliyun-iot `infra/code.go` (from Alibaba help document 120329) and the
/// dynamic registration documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegistrationCode {
    /// 200: success.
    Success,
    /// 460: request parameter error.
    ParamError,
    /// 500: internal server error.
    ServerError,
    /// 6250: product not found.
    ProductNotFound,
    /// 6288: dynamic registration is not enabled for the product.
    DynamicRegistrationDisabled,
    /// 6289: the device is already activated; re-registration needs `ResetThing`.
    DeviceAlreadyActivated,
    /// 6292: the sign method is not supported.
    SignMethodNotSupported,
    /// 6600: signature verification failed.
    SignatureInvalid,
    /// 6100: the device is not pre-registered (this crate's choice: Alibaba reports
    /// "device not found" as 6100 in its Alink code table).
    DeviceNotFound,
    /// Any other code.
    Other(u32),
}

impl RegistrationCode {
    /// The numeric code on the wire.
    pub const fn code(self) -> u32 {
        match self {
            Self::Success => 200,
            Self::ParamError => 460,
            Self::ServerError => 500,
            Self::ProductNotFound => 6250,
            Self::DynamicRegistrationDisabled => 6288,
            Self::DeviceAlreadyActivated => 6289,
            Self::SignMethodNotSupported => 6292,
            Self::SignatureInvalid => 6600,
            Self::DeviceNotFound => 6100,
            Self::Other(c) => c,
        }
    }

    /// The typed value for a numeric code.
    pub const fn from_code(code: u32) -> Self {
        match code {
            200 => Self::Success,
            460 => Self::ParamError,
            500 => Self::ServerError,
            6250 => Self::ProductNotFound,
            6288 => Self::DynamicRegistrationDisabled,
            6289 => Self::DeviceAlreadyActivated,
            6292 => Self::SignMethodNotSupported,
            6600 => Self::SignatureInvalid,
            6100 => Self::DeviceNotFound,
            c => Self::Other(c),
        }
    }
}

impl fmt::Display for RegistrationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Success => "success",
            Self::ParamError => "request parameter error",
            Self::ServerError => "server error",
            Self::ProductNotFound => "product not found",
            Self::DynamicRegistrationDisabled => "dynamic registration not enabled",
            Self::DeviceAlreadyActivated => "device already activated",
            Self::SignMethodNotSupported => "sign method not supported",
            Self::SignatureInvalid => "signature verification failed",
            Self::DeviceNotFound => "device not found",
            Self::Other(_) => "other",
        };
        write!(f, "{} ({text})", self.code())
    }
}

/// Alibaba HTTP device-auth result codes (`src/http/http_api.h` of the C SDK), as typed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpAuthCode {
    /// 0: success.
    Success,
    /// 10000: common error.
    CommonError,
    /// 10001: parameter error.
    ParamError,
    /// 20000: authentication check failed.
    AuthCheckError,
    /// 20001: the token expired (the device must authenticate again).
    TokenExpired,
    /// 20002: no token given.
    TokenNull,
    /// 20003: the token did not check.
    TokenCheckError,
    /// 20004: session update failed.
    UpdateSessionError,
    /// 30001: publishing the message failed.
    PublishMessageError,
    /// 40000: too many requests.
    RequestTooMany,
    /// Any other code.
    Other(u32),
}

impl HttpAuthCode {
    /// The numeric code on the wire.
    pub const fn code(self) -> u32 {
        match self {
            Self::Success => 0,
            Self::CommonError => 10000,
            Self::ParamError => 10001,
            Self::AuthCheckError => 20000,
            Self::TokenExpired => 20001,
            Self::TokenNull => 20002,
            Self::TokenCheckError => 20003,
            Self::UpdateSessionError => 20004,
            Self::PublishMessageError => 30001,
            Self::RequestTooMany => 40000,
            Self::Other(c) => c,
        }
    }

    /// The typed value for a numeric code.
    pub const fn from_code(code: u32) -> Self {
        match code {
            0 => Self::Success,
            10000 => Self::CommonError,
            10001 => Self::ParamError,
            20000 => Self::AuthCheckError,
            20001 => Self::TokenExpired,
            20002 => Self::TokenNull,
            20003 => Self::TokenCheckError,
            20004 => Self::UpdateSessionError,
            30001 => Self::PublishMessageError,
            40000 => Self::RequestTooMany,
            c => Self::Other(c),
        }
    }

    /// The code a platform answers for a rejected `/auth` request.
    pub const fn for_auth_error(e: &AuthError) -> Self {
        match e {
            AuthError::MalformedBody(_)
            | AuthError::MalformedClientId(_)
            | AuthError::Identity(_)
            | AuthError::MissingTimestamp
            | AuthError::UnsupportedSignMethod
            | AuthError::MalformedSignature { .. } => Self::ParamError,
            AuthError::InvalidToken => Self::TokenCheckError,
            _ => Self::AuthCheckError,
        }
    }
}

impl fmt::Display for HttpAuthCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// An Azure SAS token, key or MQTT field is malformed or does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SasError {
    /// The token does not start with `SharedAccessSignature `.
    #[error("the token does not start with `SharedAccessSignature `")]
    MissingPrefix,
    /// A field is not `name=value`, or has bad percent-encoding.
    #[error("malformed token field")]
    MalformedField,
    /// A field appears twice.
    #[error("token field `{0}` appears twice")]
    DuplicateField(&'static str),
    /// A required field (`sr`, `sig`, `se`) is absent.
    #[error("token field `{0}` is missing")]
    MissingField(&'static str),
    /// A field name is not one of `sr`, `sig`, `se`, `skn`.
    #[error("unknown token field")]
    UnknownField,
    /// `se` is not a decimal number of seconds.
    #[error("`se` is not a decimal expiry in seconds")]
    InvalidExpiry,
    /// The shared access key or the signature is not valid Base64.
    #[error("invalid Base64")]
    InvalidBase64,
    /// The token has expired.
    #[error("the token expired at {expiry} s (now {now} s)")]
    Expired {
        /// The token's `se`.
        expiry: u64,
        /// The verifier's `now` in seconds.
        now: u64,
    },
    /// The token's resource is not the expected one.
    #[error("the token's resource does not match")]
    ResourceMismatch,
    /// The token's `skn` is not the expected policy name.
    #[error("the token's key name does not match")]
    KeyNameMismatch,
    /// The signature does not match.
    #[error("signature mismatch")]
    SignatureMismatch,
    /// A device, module, hub or registration id broke its rule.
    #[error("invalid id: {0}")]
    Identity(IdentityError),
    /// The MQTT user name is not of the IoT Hub / DPS form.
    #[error("malformed MQTT user name")]
    MalformedUsername,
    /// The token is longer than this crate accepts.
    #[error("the token is longer than 4096 bytes")]
    TooLong,
}

impl From<IdentityError> for SasError {
    fn from(e: IdentityError) -> Self {
        Self::Identity(e)
    }
}

/// A policy template could not be compiled for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AclError {
    /// A `${…}` placeholder is not `productKey`, `deviceName` or `clientId`, or is unclosed.
    #[error("unknown or unclosed placeholder at byte {at} of rule {rule}")]
    UnknownPlaceholder {
        /// Rule index.
        rule: usize,
        /// Byte offset in the rule's filter template.
        at: usize,
    },
    /// A placeholder's value would change the filter's structure (contains `/`, `+`, `#`,
    /// U+0000) or is empty.
    #[error("the value for a placeholder in rule {rule} contains `/`, `+`, `#`, NUL or is empty")]
    UnsafeValue {
        /// Rule index.
        rule: usize,
    },
    /// A placeholder was used that the device's variables do not define.
    #[error("rule {rule} uses a placeholder with no value for this device")]
    MissingValue {
        /// Rule index.
        rule: usize,
    },
    /// After substitution the rule is not a valid MQTT topic filter.
    #[error("rule {rule} is not a valid topic filter: {error}")]
    InvalidFilter {
        /// Rule index.
        rule: usize,
        /// The topic module's reason.
        error: TopicError,
    },
}

/// Why an ACL check denied a publish or subscribe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AclDenied {
    /// The topic name or filter itself is invalid.
    #[error("invalid topic: {0}")]
    InvalidTopic(TopicError),
    /// A deny rule matched (rule index in the policy).
    #[error("denied by rule {0}")]
    DeniedByRule(usize),
    /// No allow rule covers the topic (for a subscription: covers every topic the filter can
    /// match).
    #[error("no allow rule covers the topic")]
    NotAllowed,
}

/// An X.509 certificate could not be loaded, mapped to a device, or verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// The PEM text holds no certificate, or a PEM section is malformed.
    #[error("invalid PEM")]
    InvalidPem,
    /// The DER is not a well-formed X.509 certificate (index in the chain, 0 = leaf).
    #[error("certificate {0} is not well-formed X.509 DER")]
    Malformed(usize),
    /// A certificate's `notAfter` is before `now` (index in the chain).
    #[error("certificate {0} has expired")]
    Expired(usize),
    /// A certificate's `notBefore` is after `now` (index in the chain).
    #[error("certificate {0} is not valid yet")]
    NotYetValid(usize),
    /// No configured CA or given intermediate issued this certificate (index in the chain).
    #[error("no known issuer for certificate {0}")]
    UnknownIssuer(usize),
    /// The signature on a certificate does not verify with its issuer's key (index).
    #[error("bad signature on certificate {0}")]
    BadSignature(usize),
    /// The signature algorithm or key type is not RSA, ECDSA P-256/P-384 or Ed25519 (index).
    #[error("unsupported signature algorithm on certificate {0}")]
    UnsupportedAlgorithm(usize),
    /// The issuer of a certificate is not a CA (basicConstraints / keyUsage; index of the issuer).
    #[error("certificate {0} issues certificates but is not a CA")]
    IssuerNotCa(usize),
    /// The chain is longer than the configured maximum or a CA's pathLenConstraint.
    #[error("the chain is longer than allowed")]
    PathTooLong,
    /// The leaf does not carry the element the identity rule reads (CN, SAN of the kind).
    #[error("the certificate carries no identity for the configured rule")]
    NoIdentity,
    /// The fingerprint is not registered.
    #[error("the certificate fingerprint is not registered")]
    UnknownFingerprint,
}

/// The random source failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RandomError {
    /// The injected RNG reported an error.
    #[error("the random source failed")]
    SourceFailed,
    /// The requested length is outside the allowed range.
    #[error("invalid length {0} for a generated value")]
    InvalidLength(usize),
}

/// A credential store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The device or product is unknown.
    #[error("not found")]
    NotFound,
    /// The entry exists already.
    #[error("already exists")]
    AlreadyExists,
    /// The backend failed (message from the backend).
    #[error("store backend: {0}")]
    Backend(alloc::string::String),
}

/// Every error of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// See [`IdentityError`].
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// See [`ClientIdError`].
    #[error(transparent)]
    ClientId(#[from] ClientIdError),
    /// See [`AuthError`].
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// See [`BodyError`].
    #[error(transparent)]
    Body(#[from] BodyError),
    /// See [`SasError`].
    #[error(transparent)]
    Sas(#[from] SasError),
    /// See [`AclError`].
    #[error(transparent)]
    Acl(#[from] AclError),
    /// See [`AclDenied`].
    #[error(transparent)]
    AclDenied(#[from] AclDenied),
    /// See [`X509Error`].
    #[error(transparent)]
    X509(#[from] X509Error),
    /// See [`RandomError`].
    #[error(transparent)]
    Random(#[from] RandomError),
    /// See [`StoreError`].
    #[error(transparent)]
    Store(#[from] StoreError),
}
