//! [`MqttString`]: a UTF-8 string backed by [`Bytes`], so that a decoded topic or property
//! shares the input frame instead of being copied.

use alloc::string::String;
use bytes::Bytes;
use bytestring::ByteString;
use core::{fmt, ops::Deref};

/// An immutable UTF-8 string stored in [`Bytes`].
///
/// Decoded strings (topics, client identifiers, user properties) are slices of the received
/// frame: cloning one is a reference-count increment. The type guarantees well-formed UTF-8; the
/// MQTT rules on top of that (no U+0000, at most 65 535 bytes, 3.1.1 §1.5.3, 5.0 §1.5.4) are
/// checked by the decoder on the way in and by the encoder on the way out.
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
