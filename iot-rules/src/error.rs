//! Errors of this crate: parsing and compiling rule text, rule sets, sinks and scene rules.
//!
//! Every enum is `#[non_exhaustive]`; no variant depends on a feature.

use std::fmt;

/// A position in rule text: 1-based line and column (columns count Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// Line, starting at 1.
    pub line: u32,
    /// Column, starting at 1.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What was wrong in rule text, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct ParseError {
    /// Where the problem starts.
    pub location: Location,
    /// What the problem is.
    pub kind: ParseErrorKind,
}

/// The kinds of [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A token other than the ones the grammar allows here.
    #[error("expected {expected}, found {found}")]
    Unexpected {
        /// What the grammar allows at this point (for example "`FROM`" or "an expression").
        expected: &'static str,
        /// The text found instead (or "end of input").
        found: String,
    },
    /// A character that starts no token.
    #[error("unexpected character {0:?}")]
    UnexpectedChar(char),
    /// A quoted string or name without its closing quote.
    #[error("unterminated quoted text")]
    UnterminatedString,
    /// A `/* … */` comment without its end.
    #[error("unterminated comment")]
    UnterminatedComment,
    /// A malformed `\uXXXX` escape.
    #[error("invalid escape sequence `\\{0}`")]
    InvalidEscape(char),
    /// A number literal that is not a valid number.
    #[error("invalid number literal `{0}`")]
    InvalidNumber(String),
    /// The FROM topic filter is not a valid MQTT topic filter.
    #[error("invalid topic filter `{filter}` in FROM: {reason}")]
    InvalidTopicFilter {
        /// The filter as written.
        filter: String,
        /// Why `iot_protocol::topic` rejected it.
        reason: String,
    },
    /// The FROM topic uses a quote character the dialect does not accept.
    #[error("the {dialect} dialect does not accept {quote} around FROM topics")]
    TopicQuote {
        /// The dialect in use.
        dialect: &'static str,
        /// The quote found (`single quotes` or `double quotes`).
        quote: &'static str,
    },
    /// The statement kind is not part of the dialect (for example FOREACH outside EMQX).
    #[error("{0} is not part of the {1} dialect")]
    NotInDialect(&'static str, &'static str),
    /// Expressions nest deeper than the parser allows.
    #[error("expression nesting deeper than {0} levels")]
    TooDeep(usize),
    /// The rule text is longer than the parser accepts.
    #[error("rule text longer than {0} bytes")]
    TooLong(usize),
}

/// A rule that parsed but cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The text did not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A function that is neither built in nor registered.
    #[error("unknown function `{0}`")]
    UnknownFunction(String),
    /// A function called with a number of arguments it does not take.
    #[error("function `{name}` takes {expected} argument(s), {found} given")]
    Arity {
        /// The function.
        name: String,
        /// The accepted counts, for example "1" or "1..=2".
        expected: String,
        /// How many were given.
        found: usize,
    },
    /// A literal argument of a type the function never accepts.
    #[error("function `{name}`, argument {position}: expected {expected}, found {found}")]
    ArgumentType {
        /// The function.
        name: String,
        /// The 1-based argument position.
        position: usize,
        /// The type the function needs.
        expected: &'static str,
        /// The literal's type.
        found: &'static str,
    },
    /// A literal argument with a value the function rejects (unknown algorithm, bad regex, bad format).
    #[error("function `{name}`: {reason}")]
    InvalidArgument {
        /// The function.
        name: String,
        /// What was wrong.
        reason: String,
    },
    /// An arithmetic operator applied to a literal that can never be a number
    /// (for example `'abc' * 2` or `-true`).
    #[error("operator `{operator}` cannot take the literal {found} `{literal}`")]
    OperandType {
        /// The operator.
        operator: &'static str,
        /// The literal's type.
        found: &'static str,
        /// The literal as written.
        literal: String,
    },
    /// `*` used where it means nothing (for example in arithmetic).
    #[error("`*` can only be a SELECT item or a function argument")]
    MisplacedStar,
}

/// Errors while assembling a [`RuleSet`](crate::RuleSet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleSetError {
    /// A rule's SQL did not compile.
    #[error("rule `{id}`: {source}")]
    Compile {
        /// The rule id.
        id: String,
        /// The compile error.
        #[source]
        source: CompileError,
    },
    /// Two rules share one id.
    #[error("duplicate rule id `{0}`")]
    DuplicateId(String),
    /// A rule has more actions than the limit.
    #[error("rule `{id}` has {count} actions, at most {max} allowed")]
    TooManyActions {
        /// The rule id.
        id: String,
        /// Actions given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A republish topic template has a placeholder that never closes or names nothing.
    #[error("rule `{id}`: invalid topic template `{template}`")]
    InvalidTemplate {
        /// The rule id.
        id: String,
        /// The template as given.
        template: String,
    },
    /// More rules than the set accepts.
    #[error("more than {0} rules")]
    TooManyRules(usize),
    /// The topic index refused a FROM filter (for example more levels than it accepts).
    #[error("rule `{id}`: FROM filter `{filter}`: {source}")]
    TopicFilter {
        /// The rule id.
        id: String,
        /// The filter.
        filter: String,
        /// Why the index refused it.
        #[source]
        source: iot_protocol::topic::TopicError,
    },
}

/// A sink could not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// No sink is registered under the action's name.
    #[error("no sink named `{0}`")]
    UnknownSink(String),
    /// The sink refused or lost the message; the text comes from the sink.
    #[error("sink `{sink}` failed: {reason}")]
    Failed {
        /// The sink's name.
        sink: String,
        /// Why, as the sink reports it.
        reason: String,
    },
    /// The sink is full (bounded in-memory sink).
    #[error("sink `{0}` is full")]
    Full(String),
}

/// A scene-linkage (IFTTT) rule that is malformed or breaks a documented limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SceneError {
    /// The text is not JSON.
    #[error("scene rule is not valid JSON: {0}")]
    Json(String),
    /// A required member is missing or has the wrong JSON type.
    #[error("`{path}`: {problem}")]
    Field {
        /// JSON path of the member, for example `trigger.params.compareType`.
        path: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A `uri` this crate does not know.
    #[error("`{path}`: unknown uri `{uri}`")]
    UnknownUri {
        /// JSON path of the node.
        path: String,
        /// The uri found.
        uri: String,
    },
    /// A `compareType` outside `>`, `>=`, `==`, `!=`, `<`, `<=`, `in`.
    #[error("unknown compareType `{0}`")]
    CompareType(String),
    /// A documented limit is exceeded.
    #[error("{what}: {count} given, at most {max} allowed")]
    Limit {
        /// What is limited ("triggers", "conditions", "timer triggers", "actions", "scenes", ...).
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The documented maximum.
        max: usize,
    },
    /// A rule without any action.
    #[error("a scene needs at least one action")]
    NoAction,
    /// A cron expression that does not parse.
    #[error("cron `{expr}`: {reason}")]
    Cron {
        /// The expression.
        expr: String,
        /// What is wrong.
        reason: String,
    },
    /// A time zone id this crate has no offset for.
    #[error("unsupported time zone `{0}` (use a fixed-offset zone or `UTC+hh:mm`)")]
    TimeZone(String),
    /// Two scenes share one id.
    #[error("duplicate scene id `{0}`")]
    DuplicateScene(String),
}
