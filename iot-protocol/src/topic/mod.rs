//! MQTT topic semantics: topic names, topic filters, matching, shared subscriptions and a
//! subscription trie.
//!
//! This module is the one implementation of MQTT topic rules in the workspace. `iot-auth` builds
//! its ACL checks on it and `iot-rules` its `FROM` clause; the MQTT sessions and the reference
//! server route messages with [`TopicTree`]. It builds without `std`.
//!
//! The rules come from MQTT 5.0 §4.7 (identical to MQTT 3.1.1 §4.7 except for shared
//! subscriptions, MQTT 5.0 §4.8.2):
//!
//! - a topic name or filter is at least one character and at most 65 535 bytes of UTF-8, and
//!   never contains U+0000 (§1.5.4, §4.7.3);
//! - a topic name contains no wildcard (§4.7.1);
//! - `#` stands alone in the last level of a filter and matches the parent level too, so
//!   `sport/#` matches `sport` (§4.7.1.2);
//! - `+` stands alone in a level and matches exactly one level, including an empty one
//!   (§4.7.1.3);
//! - a filter that starts with a wildcard never matches a topic name that starts with `$`
//!   (§4.7.2).
//!
//! ```
//! use iot_protocol::topic::{matches, validate_topic_filter, TopicTree};
//!
//! assert!(matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
//! assert!(matches("sport/#", "sport"));
//! assert!(!matches("#", "$SYS/uptime"));
//! assert!(validate_topic_filter("sport/tennis#").is_err());
//!
//! let mut tree = TopicTree::new();
//! tree.insert("/+/+/thing/event/property/post", "telemetry").unwrap();
//! tree.insert("/a1B2c3/#", "product a1B2c3").unwrap();
//! let mut hits: Vec<_> = tree.matches("/a1B2c3/lamp/thing/event/property/post").copied().collect();
//! hits.sort();
//! assert_eq!(hits, ["product a1B2c3", "telemetry"]);
//! ```

mod error;
pub(crate) mod scan;
mod tree;

pub use error::TopicError;
pub use tree::{DEFAULT_MAX_LEVELS, Matches, TopicTree};

/// The longest topic name or filter MQTT can carry: a UTF-8 string has a two-byte length
/// (MQTT 5.0 §1.5.4).
pub const MAX_TOPIC_LEN: usize = 65_535;

/// The prefix that marks a shared subscription (MQTT 5.0 §4.8.2).
pub const SHARE_PREFIX: &str = "$share/";

/// Checks the rules every topic string shares: not empty, not too long, no U+0000.
fn check_common(s: &str) -> Result<(), TopicError> {
    // MQTT 5.0 §4.7.3: "All Topic Names and Topic Filters MUST be at least one character long."
    if s.is_empty() {
        return Err(TopicError::Empty);
    }
    // MQTT 5.0 §4.7.3: they are UTF-8 Encoded Strings, so at most 65 535 bytes.
    if s.len() > MAX_TOPIC_LEN {
        return Err(TopicError::TooLong { len: s.len() });
    }
    // MQTT 5.0 §4.7.3: "Topic Names and Topic Filters MUST NOT include the null character".
    if s.as_bytes().contains(&0) {
        return Err(TopicError::NullCharacter);
    }
    Ok(())
}

/// Validates a topic name, as carried by PUBLISH (MQTT 5.0 §4.7.3).
///
/// A topic name is non-empty, at most 65 535 bytes, free of U+0000 and free of the wildcards
/// `+` and `#`.
///
/// ```
/// use iot_protocol::topic::{validate_topic_name, TopicError};
/// assert!(validate_topic_name("/sys/a1B2c3/lamp/thing/event/property/post").is_ok());
/// assert_eq!(validate_topic_name("a/+/b"), Err(TopicError::WildcardInTopicName));
/// ```
#[inline]
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    // Fast path: one pass settles the common valid name; everything else is checked rule by
    // rule below, so that an error names the rule broken.
    let b = name.as_bytes();
    if !b.is_empty() && b.len() <= MAX_TOPIC_LEN && !scan::has_nul_or_wildcard(b) {
        return Ok(());
    }
    check_common(name)?;
    // MQTT 5.0 §4.7.1: "The wildcard characters can be used in Topic Filters, but MUST NOT be
    // used within a Topic Name."
    if name.bytes().any(|b| b == b'+' || b == b'#') {
        return Err(TopicError::WildcardInTopicName);
    }
    Ok(())
}

/// Validates the wildcard rules of a filter whose common rules were already checked.
fn check_filter_levels(filter: &str) -> Result<(), TopicError> {
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        if level.contains('#') {
            // MQTT 5.0 §4.7.1.2: "The multi-level wildcard character MUST be specified either on
            // its own or following a topic level separator. In either case it MUST be the last
            // character specified in the Topic Filter."
            if level != "#" || levels.peek().is_some() {
                return Err(TopicError::MisplacedMultiLevelWildcard);
            }
        } else if level.contains('+') && level != "+" {
            // MQTT 5.0 §4.7.1.3: "the single-level wildcard MUST occupy an entire level of the
            // filter".
            return Err(TopicError::MisplacedSingleLevelWildcard);
        }
    }
    Ok(())
}

/// Validates a topic filter, as carried by SUBSCRIBE and UNSUBSCRIBE (MQTT 5.0 §4.7).
///
/// A filter of the form `$share/{ShareName}/{filter}` is validated as a shared subscription
/// (MQTT 5.0 §4.8.2): see [`parse_shared`].
///
/// ```
/// use iot_protocol::topic::{validate_topic_filter, TopicError};
/// assert!(validate_topic_filter("sport/+/player1/#").is_ok());
/// assert!(validate_topic_filter("$share/workers/sensors/#").is_ok());
/// assert_eq!(
///     validate_topic_filter("sport/tennis#"),
///     Err(TopicError::MisplacedMultiLevelWildcard)
/// );
/// assert_eq!(
///     validate_topic_filter("sport+"),
///     Err(TopicError::MisplacedSingleLevelWildcard)
/// );
/// ```
#[inline]
pub fn validate_topic_filter(filter: &str) -> Result<(), TopicError> {
    // Fast path for plain filters that are certainly valid; shared subscriptions, anything in
    // doubt and every error go through the rule-by-rule checks.
    if scan::plain_filter_is_valid(filter.as_bytes()) {
        return Ok(());
    }
    parse_shared(filter).map(|_| ())
}

/// A shared subscription `$share/{group}/{filter}` split into its parts (MQTT 5.0 §4.8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SharedSubscription<'a> {
    /// The ShareName: the group of sessions that share the messages.
    pub group: &'a str,
    /// The topic filter the group subscribes to.
    pub filter: &'a str,
}

/// Validates `filter` and, if it is a shared subscription, splits it into group and filter.
///
/// Returns `Ok(None)` for an ordinary, valid filter. MQTT 5.0 §4.8.2: the ShareName is at least
/// one character, contains none of `/`, `+` and `#`, and is followed by `/` and a topic filter.
///
/// ```
/// use iot_protocol::topic::{parse_shared, TopicError};
/// let shared = parse_shared("$share/consumers/sport/tennis/+").unwrap().unwrap();
/// assert_eq!(shared.group, "consumers");
/// assert_eq!(shared.filter, "sport/tennis/+");
/// assert_eq!(parse_shared("sport/#"), Ok(None));
/// assert_eq!(parse_shared("$share/consumers"), Err(TopicError::SharedFilterMissing));
/// ```
pub fn parse_shared(filter: &str) -> Result<Option<SharedSubscription<'_>>, TopicError> {
    check_common(filter)?;
    let Some(rest) = filter.strip_prefix(SHARE_PREFIX) else {
        check_filter_levels(filter)?;
        return Ok(None);
    };
    let Some((group, inner)) = rest.split_once('/') else {
        // "$share/group" with no filter: §4.8.2 requires "/" and a Topic Filter after the name.
        return if rest.contains(['+', '#']) || rest.is_empty() {
            Err(TopicError::InvalidShareName)
        } else {
            Err(TopicError::SharedFilterMissing)
        };
    };
    // §4.8.2: "A ShareName MUST NOT contain the characters "/", "+" or "#", but MUST be followed
    // by a "/" character. This "/" character MUST be followed by a Topic Filter."
    if group.is_empty() || group.contains(['+', '#']) {
        return Err(TopicError::InvalidShareName);
    }
    if inner.is_empty() {
        return Err(TopicError::SharedFilterMissing);
    }
    check_filter_levels(inner)?;
    Ok(Some(SharedSubscription {
        group,
        filter: inner,
    }))
}

/// `true` if the first level of a topic name begins with `$` (server-specific topics).
fn is_dollar(topic: &str) -> bool {
    topic.as_bytes().first() == Some(&b'$')
}

/// Whether `filter` matches the topic name `name` (MQTT 5.0 §4.7).
///
/// Both are expected to be valid (see [`validate_topic_filter`] and [`validate_topic_name`]); for
/// invalid input the answer is unspecified but the function does not panic. A shared
/// subscription prefix is *not* stripped: match against [`SharedSubscription::filter`].
///
/// ```
/// use iot_protocol::topic::matches;
/// assert!(matches("sport/+", "sport/"));
/// assert!(!matches("sport/+", "sport"));
/// assert!(matches("+/+", "/finance"));
/// assert!(matches("/+", "/finance"));
/// assert!(!matches("+", "/finance"));
/// assert!(matches("$SYS/#", "$SYS/broker/clients"));
/// assert!(!matches("+/monitor/Clients", "$SYS/monitor/Clients"));
/// ```
pub fn matches(filter: &str, name: &str) -> bool {
    // §4.7.2: "The Server MUST NOT match Topic Filters starting with a wildcard character (# or +)
    // with Topic Names beginning with a $ character."
    if is_dollar(name) && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut f = filter.split('/');
    let mut n = name.split('/');
    loop {
        match (f.next(), n.next()) {
            (Some("#"), _) => return true,
            (Some(fl), Some(nl)) => {
                if fl != "+" && fl != nl {
                    return false;
                }
            }
            (None, None) => return true,
            // The name has more levels than the filter.
            (None, Some(_)) => return false,
            // The filter has more levels: only a trailing "#" also matches the parent level.
            (Some(_), None) => return false,
        }
    }
}

/// Whether `outer` matches every topic name that `inner` can match.
///
/// This is the question an ACL asks of a SUBSCRIBE: a device may subscribe to `inner` only if an
/// allowed filter covers it. Both must be valid filters without a shared-subscription prefix.
///
/// ```
/// use iot_protocol::topic::filter_covers;
/// assert!(filter_covers("/sys/pk/dev1/#", "/sys/pk/dev1/thing/+/reply"));
/// assert!(!filter_covers("/sys/pk/dev1/#", "/sys/+/+/thing/#"));
/// assert!(filter_covers("a/#", "a"));
/// assert!(!filter_covers("#", "$SYS/#"));
/// ```
pub fn filter_covers(outer: &str, inner: &str) -> bool {
    let mut o = outer.split('/');
    let mut i = inner.split('/');
    let mut depth = 0usize;
    // Whether `inner` starts with an empty level: then its "parent" match at depth 1 would be
    // the empty string, which is not a topic name (§4.7.3).
    let mut inner_starts_empty = false;
    loop {
        let (ol, il) = (o.next(), i.next());
        if depth == 0 {
            // §4.7.2: a leading wildcard in `outer` does not reach `$` topics, which `inner`
            // names literally if its first level starts with `$`.
            if matches!(ol, Some("#" | "+")) && il.is_some_and(|l| l.starts_with('$')) {
                return false;
            }
            inner_starts_empty = il == Some("");
        }
        depth += 1;
        match (ol, il) {
            (Some("#"), _) => return true,
            // `inner` reaches any depth from here, and the parent level too. Only "#" in `outer`
            // does the same; "+/#" does too when the parent is no topic name (there is none at
            // the first level, and a single empty level is not one).
            (Some(ol), Some("#")) => {
                let parent_invalid = depth == 1 || (depth == 2 && inner_starts_empty);
                return parent_invalid && ol == "+" && o.next() == Some("#") && o.next().is_none();
            }
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) => {
                if a != b {
                    return false;
                }
            }
            (None, None) => return true,
            // `inner` is longer: it matches names `outer` cannot reach.
            (None, Some(_)) => return false,
            // `inner` ended; `outer` still covers it only if all that is left is "#"
            // (which matches the parent level): the first arm took that case.
            (Some(_), None) => return false,
        }
    }
}

/// Whether some topic name is matched by both filters.
///
/// An ACL uses this for deny rules: a subscription must be refused if it could receive a single
/// topic that a deny rule names. Both must be valid filters without a shared-subscription prefix.
///
/// ```
/// use iot_protocol::topic::filters_overlap;
/// assert!(filters_overlap("/sys/+/dev2/#", "/sys/pk/+/thing/event"));
/// assert!(!filters_overlap("/sys/pk/dev1/#", "/sys/pk/dev2/#"));
/// assert!(filters_overlap("a/#", "a"));
/// assert!(!filters_overlap("#", "$SYS/x"));
/// ```
pub fn filters_overlap(a: &str, b: &str) -> bool {
    let mut x = a.split('/');
    let mut y = b.split('/');
    let mut depth = 0usize;
    // Whether the first level of every common name is forced to be empty.
    let mut first_level_empty = false;
    loop {
        let (xl, yl) = (x.next(), y.next());
        if depth == 0 {
            // §4.7.2: a leading wildcard never meets a literal `$` level.
            let wild = |l: Option<&str>| matches!(l, Some("#" | "+"));
            let dollar = |l: Option<&str>| l.is_some_and(|l| l.starts_with('$'));
            if (wild(xl) && dollar(yl)) || (wild(yl) && dollar(xl)) {
                return false;
            }
            first_level_empty = xl == Some("") || yl == Some("");
        }
        depth += 1;
        match (xl, yl) {
            // "#" against a filter that ended here meets it only at the parent level, which is
            // not a topic name if it is a single empty level (§4.7.3).
            (Some("#"), None) | (None, Some("#")) => return !(depth == 2 && first_level_empty),
            (Some("#"), _) | (_, Some("#")) => return true,
            (Some("+"), Some(_)) | (Some(_), Some("+")) => {}
            (Some(p), Some(q)) => {
                if p != q {
                    return false;
                }
            }
            (None, None) => return true,
            // One filter needs more levels than the other allows.
            (None, Some(_)) | (Some(_), None) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::{check_common, check_filter_levels, parse_shared, scan};

    /// Strings built from the characters the topic rules care about, long enough to cross the
    /// scans' 8-, 16- and 32-byte blocks.
    fn topicish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("a"),
            Just("/"),
            Just("+"),
            Just("#"),
            Just("$"),
            Just("\0"),
            Just("$share/"),
            Just("é"),
            Just("abcdefghijklmnop"),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|parts: Vec<&str>| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// The fast paths only ever accept what the rule-by-rule checks accept.
        #[test]
        fn fast_paths_agree_with_the_rules(s in topicish()) {
            let name_rules = check_common(&s).is_ok() && !s.contains(['+', '#']);
            let name_fast = !s.is_empty()
                && s.len() <= super::MAX_TOPIC_LEN
                && !scan::has_nul_or_wildcard(s.as_bytes());
            prop_assert_eq!(name_fast, name_rules);

            if scan::plain_filter_is_valid(s.as_bytes()) {
                prop_assert!(check_common(&s).is_ok() && check_filter_levels(&s).is_ok());
                prop_assert_eq!(parse_shared(&s), Ok(None));
            }
            // Plain filters the rules accept are accepted by the fast path too (it defers
            // only shared subscriptions), so the fast path is not a no-op.
            if !s.starts_with(super::SHARE_PREFIX)
                && check_common(&s).is_ok()
                && check_filter_levels(&s).is_ok()
            {
                prop_assert!(scan::plain_filter_is_valid(s.as_bytes()));
            }
        }
    }
}
