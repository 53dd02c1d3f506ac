//! Dialects: one evaluator, with the documented differences between Alibaba, AWS IoT and EMQX
//! rule SQL expressed as flags.

/// A rule SQL dialect: a named preset of [`DialectFlags`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// Alibaba Cloud IoT rule engine (数据流转): bare payload fields, `'…'` or `"…"` topics,
    /// the transformed view of TSL property posts (`items.X.value`).
    Alibaba,
    /// AWS IoT SQL 2016-03-23: bare payload fields, `'…'` topics, `Undefined` distinct from
    /// `null`, WHERE cannot see SELECT aliases, nested SELECT over arrays.
    Aws,
    /// EMQX rule engine: `payload.x` for payload fields and bare names for message metadata,
    /// `"…"` topics, WHERE sees SELECT aliases, FOREACH/DO/INCASE, `+` also concatenates strings.
    Emqx,
}

impl Dialect {
    /// The dialect's name.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Alibaba => "Alibaba",
            Dialect::Aws => "AWS",
            Dialect::Emqx => "EMQX",
        }
    }

    /// The flags of this preset.
    pub fn flags(self) -> DialectFlags {
        match self {
            Dialect::Alibaba => DialectFlags {
                single_quoted_topics: true,
                double_quoted_topics: true,
                alias_in_where: false,
                payload_prefix: false,
                foreach: false,
                plus_concatenates: false,
                undefined_is_null: false,
                tsl_view: true,
                log_is_natural: true,
                int_division: true,
            },
            Dialect::Aws => DialectFlags {
                single_quoted_topics: true,
                double_quoted_topics: false,
                alias_in_where: false,
                payload_prefix: false,
                foreach: false,
                plus_concatenates: false,
                undefined_is_null: false,
                tsl_view: false,
                log_is_natural: false,
                int_division: true,
            },
            Dialect::Emqx => DialectFlags {
                single_quoted_topics: true,
                double_quoted_topics: true,
                alias_in_where: true,
                payload_prefix: true,
                foreach: true,
                plus_concatenates: true,
                undefined_is_null: true,
                tsl_view: false,
                log_is_natural: true,
                int_division: false,
            },
        }
    }
}

/// The switches that make up a dialect. Start from [`Dialect::flags`] and change what differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DialectFlags {
    /// FROM accepts `'topic'`.
    pub single_quoted_topics: bool,
    /// FROM accepts `"topic"`.
    pub double_quoted_topics: bool,
    /// WHERE may name SELECT aliases (EMQX); otherwise a name in WHERE is always a payload field (AWS).
    pub alias_in_where: bool,
    /// Payload fields are read as `payload.x` and bare names are message metadata (EMQX).
    pub payload_prefix: bool,
    /// FOREACH statements are accepted (EMQX).
    pub foreach: bool,
    /// `+` concatenates when both operands are strings (EMQX).
    pub plus_concatenates: bool,
    /// `isNull`/`is_null` is true for `Undefined` too (EMQX: `is_null(undefined) = true`).
    pub undefined_is_null: bool,
    /// TSL property posts (`/sys/+/+/thing/event/property/post`) are seen in Alibaba's
    /// transformed form: `{productKey, deviceName, gmtCreate, items: {X: {value, time}}}`.
    pub tsl_view: bool,
    /// One-argument `log(x)` is the natural logarithm (Alibaba, EMQX); otherwise base 10 (AWS).
    pub log_is_natural: bool,
    /// `/` on two integers gives a truncated integer (AWS); otherwise a decimal (EMQX, whose
    /// integer division is `div`).
    pub int_division: bool,
}
