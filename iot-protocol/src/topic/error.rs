//! Errors of topic name and filter validation.

/// Why a topic name or topic filter is not valid (MQTT 5.0 §4.7, §4.8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// The topic is empty (§4.7.3: at least one character).
    #[error("topic is empty (MQTT 5.0 §4.7.3)")]
    Empty,
    /// The topic is longer than a UTF-8 string can be (§1.5.4).
    #[error("topic is {len} bytes, more than the 65535 an MQTT string holds (MQTT 5.0 §1.5.4)")]
    TooLong {
        /// The length in bytes.
        len: usize,
    },
    /// The topic contains U+0000 (§4.7.3).
    #[error("topic contains the null character U+0000 (MQTT 5.0 §4.7.3)")]
    NullCharacter,
    /// A topic name contains `+` or `#` (§4.7.1).
    #[error("topic name contains a wildcard '+' or '#' (MQTT 5.0 §4.7.1)")]
    WildcardInTopicName,
    /// `#` is not alone in the last level of the filter (§4.7.1.2).
    #[error("'#' must be alone in the last level of a topic filter (MQTT 5.0 §4.7.1.2)")]
    MisplacedMultiLevelWildcard,
    /// `+` does not occupy a whole level of the filter (§4.7.1.3).
    #[error("'+' must occupy a whole level of a topic filter (MQTT 5.0 §4.7.1.3)")]
    MisplacedSingleLevelWildcard,
    /// The ShareName of a `$share/` filter is empty or contains `+` or `#` (§4.8.2).
    #[error("shared subscription name is empty or contains '+' or '#' (MQTT 5.0 §4.8.2)")]
    InvalidShareName,
    /// A `$share/{name}` filter has no topic filter after the name (§4.8.2).
    #[error("shared subscription has no topic filter after its name (MQTT 5.0 §4.8.2)")]
    SharedFilterMissing,
    /// A filter has more levels than the [`TopicTree`](super::TopicTree) accepts.
    #[error("topic filter has {levels} levels, more than the {max} allowed")]
    TooManyLevels {
        /// Levels of the filter.
        levels: usize,
        /// The configured limit.
        max: usize,
    },
    /// A `$share/…` filter was given where its inner filter is expected.
    #[error("shared subscription filter given where its inner topic filter is expected")]
    SharedSubscriptionNotStripped,
}
