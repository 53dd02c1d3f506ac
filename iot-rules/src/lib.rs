//! SQL rules (Alibaba, AWS IoT, EMQX dialects) compiled once and evaluated per message, with
//! scene linkage.
//!
//! A platform's rule engine filters and reshapes device messages with SQL and forwards them.
//! This crate parses rule text with located errors, compiles it (names resolved, functions
//! resolved to function pointers, constants folded, literal regexes built once) and evaluates it
//! per message. A [`RuleSet`] indexes many rules by their FROM topic filters with the
//! workspace's one topic matcher ([`iot_protocol::topic::TopicTree`]), so a message only
//! evaluates the rules whose filter matches, and the payload is read lazily, at most once for
//! all of them: only the top-level members the rules use are parsed.
//!
//! It also evaluates Alibaba scene-linkage (IFTTT) rules against device messages and an
//! injected clock ([`scene`]).
//!
//! # Dialects
//!
//! | | Alibaba | AWS IoT | EMQX |
//! |---|---|---|---|
//! | FROM quoting | `'…'` or `"…"` | `'…'` | `"…"` or `'…'` |
//! | payload fields | bare (`pm25`, `items.Power.value`) | bare | `payload.x` (bare names are metadata) |
//! | WHERE sees SELECT aliases | no | no | yes |
//! | FOREACH / DO / INCASE | – | – | yes |
//! | `Undefined` | distinct from `null` | distinct from `null` | `is_null(undefined) = true` |
//!
//! Start from a preset ([`Dialect::flags`]) and change single switches with
//! [`RuleOptions::flags`].
//!
//! # Semantics
//!
//! - Missing fields are [`Value::Undefined`], distinct from `null`, and are left out of
//!   outputs. Operators and functions given `Undefined` give `Undefined`; given `null`, `null`.
//!   A WHERE clause holds only when it is exactly `true`.
//! - Integers (`i64`) and decimals (`f64`) are kept apart (`10` vs `10.0`); integer overflow
//!   gives a decimal; division by zero gives `Undefined`.
//! - Strings that read as numbers (`^-?\d+(\.\d+)?([eE]-?\d+)?$`) are numbers in arithmetic and
//!   comparisons (AWS); `=` between other different types is `false`, ordering is `Undefined`.
//! - `x = null` is `true` only for `null`; `<`, `>` with `null` give `null`; `IS NULL` is true
//!   for `null` and `Undefined`.
//! - Output names: the alias, else the last name of a field path, else the expression as
//!   printed; a later item replaces an earlier one (or a `*` member) of the same name.
//! - `topic()` and FROM matching see AWS basic-ingest topics (`$aws/rules/<rule>/…`) without
//!   that prefix.
//! - Functions are listed by [`builtin_functions`]; a function given arguments it cannot use
//!   returns `Undefined`; literal arguments are checked when the rule compiles (arity, types,
//!   hash and encoding names, date patterns, time zones, regexes).
//!
//! # What this crate does not do
//!
//! - No I/O and no clock: the caller gives each message's receive time; forwarding goes through
//!   the [`Sink`] trait the caller implements (an in-memory sink is included).
//! - No windows, joins or aggregation (eKuiper-style streaming SQL), no `jq`, no external
//!   lookups (`get_dynamodb`, `aws_lambda`, ...): those need a runtime.
//! - Time zones are fixed offsets (no daylight-saving rules).
//! - Numbers are `i64`/`f64`, not AWS's 34-digit decimals.
//!
//! # Example
//!
//! ```
//! use iot_rules::{Dialect, Message, RuleOptions, UnixMillis};
//!
//! let rule = RuleOptions::new(Dialect::Alibaba).compile(
//!     "SELECT temperature, deviceName() AS dn FROM '/+/+/thing/event/property/post' \
//!      WHERE temperature > 38",
//! )?;
//! let payload = br#"{"temperature": 39.5, "humidity": 20}"#;
//! let msg = Message::new("/pk/dev1/thing/event/property/post", payload, UnixMillis(0))
//!     .with_device("pk", "dev1");
//! let out = rule.evaluate(&msg);
//! assert_eq!(out[0].to_json_string(), r#"{"temperature":39.5,"dn":"dev1"}"#);
//! # Ok::<(), iot_rules::CompileError>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod alibaba;
pub mod ast;
mod compile;
mod dialect;
mod error;
mod eval;
mod functions;
mod lexer;
mod message;
mod parser;
mod payload;
mod rule;
mod ruleset;
pub mod scene;
mod sink;
mod time;
mod value;

pub use dialect::{Dialect, DialectFlags};
pub use error::{
    CompileError, Location, ParseError, ParseErrorKind, RuleSetError, SceneError, SinkError,
};
pub use eval::UserFunction;
pub use message::{AttributeLookup, Message};
pub use parser::{MAX_DEPTH, MAX_RULE_LEN};
pub use rule::{CompiledRule, RuleOptions, Verdict};
pub use ruleset::{
    Action, Dispatch, MAX_ACTIONS, MAX_RULES, Rule, RuleOutput, RuleSet, RuleSetBuilder,
};
pub use sink::{Delivered, Delivery, DispatchReport, MemorySink, Sink, Sinks};
pub use time::{FixedOffset, UnixMillis};
pub use value::{Map, Value};

/// Names of the built-in functions, lowercase (function names are case-insensitive in rules).
pub fn builtin_functions() -> impl Iterator<Item = &'static str> {
    functions::names()
}

/// Parses rule text into its tree without compiling it (for tools, printing and tests).
///
/// # Errors
/// A [`ParseError`] with the line, column and what was expected.
pub fn parse(sql: &str, dialect: Dialect) -> Result<ast::Statement, ParseError> {
    parser::parse(sql, &dialect.flags(), dialect.name())
}
