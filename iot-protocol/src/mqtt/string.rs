//! [`MqttString`]: a UTF-8 string backed by [`Bytes`], so that a decoded topic or property
//! shares the input frame instead of being copied; [`TopicName`] and [`TopicFilter`]: the same,
//! checked against the topic rules when made.

use alloc::string::String;
use bytes::Bytes;
use bytestring::ByteString;
use core::{fmt, ops::Deref};

use crate::topic::TopicError;

/// An immutable UTF-8 string stored in [`Bytes`].
///
/// Decoded strings (topics, client identifiers, user properties) are slices of the received
/// frame: cloning one is a reference-count increment. The type guarantees well-formed UTF-8; the
/// MQTT rules on top of that (no U+0000, at most 65 535 bytes, 3.1.1 §1.5.3, 5.0 §1.5.4) are
/// checked by the decoder on the way in and by the encoder on the way out.
///
/// A decoded string keeps the whole buffer it was received in alive, not just its own bytes.
/// That is what makes decoding cheap for values that are used and dropped (a PUBLISH on its way
/// to subscribers), but a value kept for the life of a connection, such as a client identifier
/// or a subscription's filter, is better copied (`MqttString::from(s.as_str())`, or into a
/// `Box<str>` as the [session](crate::mqtt::session) types do), so that the receive buffer can
/// be freed.
///
/// ```
/// use iot_protocol::mqtt::MqttString;
/// let topic = MqttString::from_static("sensors/temp");
/// assert_eq!(topic, "sensors/temp");
/// assert_eq!(topic.len(), 12);
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MqttString(ByteString);

impl MqttString {
    /// An empty string.
    pub const fn new() -> Self {
        Self(ByteString::new())
    }

    /// A string that borrows a `'static` literal (no allocation).
    pub const fn from_static(s: &'static str) -> Self {
        Self(ByteString::from_static(s))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The underlying bytes (shared with the frame it was decoded from).
    pub fn as_bytes(&self) -> &Bytes {
        self.0.as_bytes()
    }

    /// Unwraps the underlying bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0.into_bytes()
    }
}

impl Deref for MqttString {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for MqttString {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl core::borrow::Borrow<str> for MqttString {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for MqttString {
    fn from(s: &str) -> Self {
        Self(ByteString::from(s))
    }
}

impl From<String> for MqttString {
    fn from(s: String) -> Self {
        Self(ByteString::from(s))
    }
}

impl MqttString {
    /// Wraps bytes the caller has proved to be ASCII (every byte below 0x80), which is valid
    /// UTF-8, without checking them again.
    ///
    /// All of the crate's `unsafe` code comes down to this call. It exists because the decoder
    /// already reads every byte of a string to rule out U+0000 (and, in topic names,
    /// wildcards), and proves it ASCII in the same pass; `ByteString::try_from` would then scan
    /// it a second time, one byte at a time after the last 64-byte block, which made long
    /// topics the slowest part of decoding a PUBLISH (see BENCHMARKS.md).
    ///
    /// # Safety
    /// Every byte of `bytes` must be below 0x80.
    #[allow(unsafe_code)]
    #[inline]
    pub(crate) unsafe fn from_ascii_unchecked(bytes: Bytes) -> Self {
        debug_assert!(
            bytes.is_ascii(),
            "from_ascii_unchecked given non-ASCII bytes"
        );
        // SAFETY: every byte is below 0x80 (the caller's contract), and ASCII is valid UTF-8,
        // which is all `ByteString` requires.
        Self(unsafe { ByteString::from_bytes_unchecked(bytes) })
    }
}

impl TryFrom<Bytes> for MqttString {
    type Error = core::str::Utf8Error;
    /// Checks that the bytes are UTF-8 and keeps them without copying.
    #[inline]
    fn try_from(bytes: Bytes) -> Result<Self, Self::Error> {
        ByteString::try_from(bytes).map(Self)
    }
}

impl PartialEq<str> for MqttString {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for MqttString {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for MqttString {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<MqttString> for String {
    fn eq(&self, other: &MqttString) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<MqttString> for str {
    fn eq(&self, other: &MqttString) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<MqttString> for &str {
    fn eq(&self, other: &MqttString) -> bool {
        *self == other.as_str()
    }
}

impl fmt::Debug for MqttString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for MqttString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

/// The constructors, accessors and string traits shared by [`TopicName`] and [`TopicFilter`]:
/// `$check` is the rule set of `crate::topic` the type stands for, `$what` its name in docs and
/// messages.
macro_rules! checked_str_impls {
    ($name:ident, $check:ident, $what:literal) => {
        impl $name {
            #[doc = concat!("Checks `s` against the ", $what, " rules and keeps it (without copying")]
            /// an [`MqttString`] or `Bytes`-backed input).
            #[inline]
            pub fn new(s: impl Into<MqttString>) -> Result<Self, TopicError> {
                let s = s.into();
                crate::topic::$check(&s)?;
                Ok(Self(s))
            }

            #[doc = concat!("A ", $what, " from a `'static` literal, without allocating.")]
            ///
            /// # Panics
            #[doc = concat!("If `s` breaks a ", $what, " rule: meant for literals, like the")]
            /// `from_static` constructors elsewhere. Use `new` for anything that is not a
            /// literal.
            #[allow(clippy::panic)]
            pub fn from_static(s: &'static str) -> Self {
                match Self::new(MqttString::from_static(s)) {
                    Ok(t) => t,
                    Err(e) => panic!("invalid {} {s:?}: {e}", $what),
                }
            }

            /// The string.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The string as an [`MqttString`].
            pub fn as_mqtt_str(&self) -> &MqttString {
                &self.0
            }

            /// The underlying bytes (shared with the frame it was decoded from).
            pub fn as_bytes(&self) -> &Bytes {
                self.0.as_bytes()
            }

            /// Unwraps the string.
            pub fn into_inner(self) -> MqttString {
                self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl core::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                self.0.as_str()
            }
        }

        impl From<$name> for MqttString {
            fn from(s: $name) -> Self {
                s.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = TopicError;
            fn try_from(s: &str) -> Result<Self, TopicError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = TopicError;
            fn try_from(s: String) -> Result<Self, TopicError> {
                Self::new(s)
            }
        }

        impl TryFrom<MqttString> for $name {
            type Error = TopicError;
            fn try_from(s: MqttString) -> Result<Self, TopicError> {
                Self::new(s)
            }
        }

        impl core::str::FromStr for $name {
            type Err = TopicError;
            fn from_str(s: &str) -> Result<Self, TopicError> {
                Self::new(s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<MqttString> for $name {
            fn eq(&self, other: &MqttString) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for MqttString {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.as_str()
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.as_str()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self.as_str(), f)
            }
        }
    };
}

/// A PUBLISH or Will topic name whose rules were checked when it was made (3.1.1 §4.7,
/// 5.0 §4.7): at most 65 535 bytes of UTF-8, no U+0000, no `+` or `#`.
///
/// The one exception is the empty name ([`TopicName::empty`], also the `Default`): an MQTT 5
/// PUBLISH that carries a Topic Alias may leave its topic empty (5.0 §3.3.2.3.4). The encoder
/// refuses it anywhere else.
///
/// Because the type carries the proof, encoding a PUBLISH does not scan its topic again, and a
/// decoded topic (checked by the decoder) can be sent on as it is. A name is a slice of the frame
/// it was decoded from, like [`MqttString`].
///
/// ```
/// use iot_protocol::mqtt::TopicName;
/// use iot_protocol::topic::TopicError;
///
/// let topic = TopicName::new("/a1B2c3/lamp/user/update")?;
/// assert_eq!(topic, "/a1B2c3/lamp/user/update");
/// assert_eq!(TopicName::new("sensors/+/temp"), Err(TopicError::WildcardInTopicName));
/// assert_eq!(TopicName::new(""), Err(TopicError::Empty));
/// assert!(TopicName::empty().is_empty());
/// # Ok::<(), TopicError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicName(MqttString);

impl TopicName {
    /// The empty name a PUBLISH with a Topic Alias sends instead of the topic (5.0 §3.3.2.3.4).
    pub const fn empty() -> Self {
        Self(MqttString::new())
    }

    /// Wraps a string the caller has already checked against the topic name rules (or that is
    /// empty).
    #[inline]
    pub(crate) fn from_checked(name: MqttString) -> Self {
        debug_assert!(name.is_empty() || crate::topic::validate_topic_name(&name).is_ok());
        Self(name)
    }
}

checked_str_impls!(TopicName, validate_topic_name, "topic name");

/// A SUBSCRIBE or UNSUBSCRIBE topic filter whose rules were checked when it was made
/// (3.1.1 §4.7, 5.0 §4.7 and, for `$share/{group}/{filter}`, §4.8.2): not empty, at most
/// 65 535 bytes, no U+0000, `+` alone in its level, `#` alone in the last level.
///
/// Because the type carries the proof, encoding a SUBSCRIBE does not check its filters again.
///
/// ```
/// use iot_protocol::mqtt::TopicFilter;
/// use iot_protocol::topic::TopicError;
///
/// let filter = TopicFilter::new("/sys/+/+/thing/event/#")?;
/// assert!(!filter.is_shared());
/// assert!(TopicFilter::new("$share/workers/sensors/#")?.is_shared());
/// assert_eq!(TopicFilter::new("sensors#"), Err(TopicError::MisplacedMultiLevelWildcard));
/// # Ok::<(), TopicError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicFilter(MqttString);

impl TopicFilter {
    /// Wraps a string the caller has already checked against the topic filter rules.
    #[inline]
    pub(crate) fn from_checked(filter: MqttString) -> Self {
        debug_assert!(crate::topic::validate_topic_filter(&filter).is_ok());
        Self(filter)
    }

    /// Whether this is a shared subscription, `$share/{group}/{filter}` (5.0 §4.8.2).
    pub fn is_shared(&self) -> bool {
        self.0.starts_with(crate::topic::SHARE_PREFIX)
    }
}

checked_str_impls!(TopicFilter, validate_topic_filter, "topic filter");
