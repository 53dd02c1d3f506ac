//! Error types: model checks, payload validation, topics, WoT mapping.
//!
//! Every error names the rule that was broken and where (a JSON Pointer into the document or
//! payload). Payload validation errors also carry the Alink result code the platform answers.

use core::fmt;

use crate::alink::AlinkCode;

/// What a JSON value was expected to be, in a [`Rule::Type`] violation.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// A JSON string.
    String,
    /// An integer-valued JSON number (TSL `int`, `enum`, a `time` member).
    Integer,
    /// A JSON number (TSL `float` / `double`).
    Number,
    /// TSL `bool`: the integer 0 or 1.
    Bool,
    /// TSL `date`: epoch milliseconds as a string of digits or as a non-negative integer.
    Date,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Object => "an object",
            Expected::Array => "an array",
            Expected::String => "a string",
            Expected::Integer => "an integer",
            Expected::Number => "a number",
            Expected::Bool => "0 or 1",
            Expected::Date => "epoch milliseconds (digits or a non-negative integer)",
        })
    }
}

/// The validation rule a payload broke.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The payload is not JSON at all.
    MalformedJson,
    /// The value has the wrong JSON type.
    Type {
        /// What the model asks for.
        expected: Expected,
    },
    /// A number is below the model's `min` (or the type's range).
    Minimum,
    /// A number is above the model's `max` (or the type's range).
    Maximum,
    /// A number is not a multiple of the model's `step`.
    Step,
    /// A text is longer (in characters) than the model's `length`.
    MaxLength,
    /// An enum key (or a bool other than 0/1) that the model does not define.
    Enum,
    /// A date string that is not a run of decimal digits.
    DateFormat,
    /// An array has more items than the model's `size`.
    MaxItems,
    /// A member that the struct or message does not define.
    UnknownMember,
    /// A member the struct or message requires is missing.
    MissingMember,
    /// A property identifier that the model does not define.
    UnknownProperty,
    /// A property-set names a read-only property.
    NotWritable,
    /// An event identifier that the model does not define.
    UnknownEvent,
    /// A sub-device whose product has no model in the [`ModelSet`](crate::ModelSet).
    UnknownProduct,
    /// More than 200 properties in one report (Alink code 6106).
    TooManyProperties,
    /// More than 20 events in one pack post (Alink code 6357).
    TooManyEvents,
    /// More than 20 sub-devices in one pack post (Alink code 6357).
    TooManySubDevices,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::MalformedJson => f.write_str("not valid JSON"),
            Rule::Type { expected } => write!(f, "expected {expected}"),
            Rule::Minimum => f.write_str("below the minimum"),
            Rule::Maximum => f.write_str("above the maximum"),
            Rule::Step => f.write_str("not a multiple of the step"),
            Rule::MaxLength => f.write_str("text longer than the model's length"),
            Rule::Enum => f.write_str("not one of the model's keys"),
            Rule::DateFormat => f.write_str("date is not a string of at most 13 digits"),
            Rule::MaxItems => f.write_str("more array items than the model's size"),
            Rule::UnknownMember => f.write_str("unknown member"),
            Rule::MissingMember => f.write_str("missing member"),
            Rule::UnknownProperty => f.write_str("unknown property"),
            Rule::NotWritable => f.write_str("property is read-only"),
            Rule::UnknownEvent => f.write_str("unknown event"),
            Rule::UnknownProduct => f.write_str("no model for this sub-device's product"),
            Rule::TooManyProperties => f.write_str("more than 200 properties in one report"),
            Rule::TooManyEvents => f.write_str("more than 20 events in one pack"),
            Rule::TooManySubDevices => f.write_str("more than 20 sub-devices in one pack"),
        }
    }
}

/// One payload validation failure: where, which rule, and the Alink code to answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {rule} (Alink code {code})")]
pub struct ValidationError {
    /// JSON Pointer (RFC 6901) into the validated value, e.g. `/CountDown/value/TimeLeft`.
    pub path: String,
    /// The rule that was broken.
    pub rule: Rule,
    /// The result code the platform answers for this failure.
    pub code: AlinkCode,
}

/// Rules of identifier syntax, in a [`ModelIssueKind::InvalidIdentifier`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierRule {
    /// Empty identifier.
    Empty,
    /// Longer than 50 characters.
    TooLong,
    /// A character other than ASCII letters, digits and `_`.
    Charset,
    /// One of the reserved words (`set`, `get`, `post`, `property`, `time`, `value`, `event`,
    /// `service`).
    Reserved,
}

impl fmt::Display for IdentifierRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentifierRule::Empty => "empty",
            IdentifierRule::TooLong => "longer than 50 characters",
            IdentifierRule::Charset => "only ASCII letters, digits and '_' are allowed",
            IdentifierRule::Reserved => "reserved word",
        })
    }
}

/// What is wrong with a thing model (found by [`Tsl::check`](crate::Tsl::check)).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelIssueKind {
    /// Two features (or two members of one list) share an identifier.
    DuplicateIdentifier(String),
    /// An identifier breaks the syntax rules.
    InvalidIdentifier {
        /// The identifier as written.
        identifier: String,
        /// Which rule it breaks.
        rule: IdentifierRule,
    },
    /// A spec that must hold a number (`min`, `max`, `step`, `length`, `size`) does not.
    NotANumber {
        /// The spec name.
        field: &'static str,
        /// The text as written.
        text: String,
    },
    /// An `int` bound or step that is not an integer within i32.
    IntOutOfRange {
        /// The spec name.
        field: &'static str,
        /// The text as written.
        text: String,
    },
    /// `min` is greater than `max`.
    MinAboveMax,
    /// `step` is zero or negative.
    StepNotPositive,
    /// `step` is larger than `max - min`.
    StepAboveRange,
    /// `length` is above 10240 or below 1.
    TextLengthOutOfRange,
    /// `size` is above 512 or below 1.
    ArraySizeOutOfRange,
    /// A struct member that is itself a struct or an array.
    NestedStructOrArray,
    /// An array item type other than int, float, double, text and struct.
    ArrayItemType,
    /// An enum or bool key that is not an integer (bool: not exactly `0` and `1`).
    LabelKeyNotInteger(String),
    /// A struct without members.
    EmptyStruct,
    /// A data `type` the TSL does not define.
    UnknownType(String),
    /// The `get` service lists an identifier that is not a property.
    UnknownPropertyInGet(String),
}

impl fmt::Display for ModelIssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelIssueKind::DuplicateIdentifier(id) => write!(f, "duplicate identifier {id:?}"),
            ModelIssueKind::InvalidIdentifier { identifier, rule } => {
                write!(f, "identifier {identifier:?}: {rule}")
            }
            ModelIssueKind::NotANumber { field, text } => {
                write!(f, "{field} {text:?} is not a number")
            }
            ModelIssueKind::IntOutOfRange { field, text } => {
                write!(f, "{field} {text:?} is not an integer within i32")
            }
            ModelIssueKind::MinAboveMax => f.write_str("min is greater than max"),
            ModelIssueKind::StepNotPositive => f.write_str("step must be greater than zero"),
            ModelIssueKind::StepAboveRange => f.write_str("step is larger than max - min"),
            ModelIssueKind::TextLengthOutOfRange => f.write_str("text length must be 1..=10240"),
            ModelIssueKind::ArraySizeOutOfRange => f.write_str("array size must be 1..=512"),
            ModelIssueKind::NestedStructOrArray => {
                f.write_str("struct members may not be structs or arrays")
            }
            ModelIssueKind::ArrayItemType => {
                f.write_str("array items must be int, float, double, text or struct")
            }
            ModelIssueKind::LabelKeyNotInteger(k) => {
                write!(f, "label key {k:?} is not an allowed integer")
            }
            ModelIssueKind::EmptyStruct => f.write_str("struct has no members"),
            ModelIssueKind::UnknownType(t) => write!(f, "unknown data type {t:?}"),
            ModelIssueKind::UnknownPropertyInGet(id) => {
                write!(f, "get lists {id:?}, which is not a property")
            }
        }
    }
}

/// One problem in a thing model, located by a JSON Pointer into the TSL document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct ModelIssue {
    /// JSON Pointer into the TSL document, e.g. `/properties/2/dataType/specs/min`.
    pub path: String,
    /// What is wrong.
    pub kind: ModelIssueKind,
}

/// Errors from reading, checking or compiling a thing model.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The document is not TSL JSON (syntax or shape).
    #[error("not a TSL document: {0}")]
    Json(#[from] serde_json::Error),
    /// The model breaks the TSL rules; every issue found is listed.
    #[error("invalid thing model ({} issue(s)); first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<ModelIssue>),
}

/// Errors from parsing an Alink topic.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    /// The topic does not start with a known Alink prefix (`/sys/`, `/ext/`, `/ota/`, `/shadow/`).
    #[error("not an Alink topic")]
    UnknownPrefix,
    /// The prefix is known but the rest matches no entry of the catalogue.
    #[error("no topic of the catalogue has this shape")]
    UnknownShape,
    /// A level (product key, device name, identifier) is empty.
    #[error("empty topic level")]
    EmptyLevel,
    /// A level holds `/`, `+`, `#` or NUL, or an identifier would make the topic ambiguous
    /// (an event named `property`, a last-level identifier ending in `_reply`).
    #[error("a topic level contains '/', '+', '#' or NUL, or is ambiguous")]
    InvalidLevel,
    /// The Alink method is not in the catalogue.
    #[error("unknown Alink method")]
    UnknownMethod,
}

/// One part of a WoT document that could not be mapped to TSL (or back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    /// JSON Pointer into the source document.
    pub path: String,
    /// Why it was not mapped.
    pub reason: String,
}

impl fmt::Display for Unmapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Errors from WoT Thing Model / Thing Description import.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WotError {
    /// The document is not a JSON object.
    #[error("a Thing Model / Thing Description must be a JSON object")]
    NotAnObject,
    /// A member has the wrong JSON type (pointer given).
    #[error("{0}: unexpected JSON type")]
    Shape(String),
}
