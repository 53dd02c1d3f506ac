//! Errors of the CoAP module, one enum per layer.
//!
//! Decode errors are `Copy + Eq` and name the rule of RFC 7252 that the datagram broke. What to do
//! with a malformed datagram is the caller's decision; RFC 7252 §4.2 and §4.3 give the rule:
//!
//! - a malformed **Confirmable** message is rejected with a Reset message carrying its Message ID
//!   (§4.2, "rejecting a Confirmable message is effected by sending a matching Reset message");
//! - a malformed **Non-confirmable** message may be answered with a Reset or silently ignored
//!   (§4.3);
//! - a malformed **Acknowledgement** or **Reset** is silently ignored (§4.2).
//!
//! [`Header::peek`](super::Header::peek) reads the type and Message ID from a datagram whose
//! header is intact even when the rest is not, so the caller can apply that rule.

use super::option::OptionNumber;

/// Why a datagram is not a well-formed CoAP message (RFC 7252 §3 and §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The datagram is shorter than the 4-byte fixed header (RFC 7252 §3).
    #[error("datagram of {len} bytes is shorter than the 4-byte CoAP header (RFC 7252 §3)")]
    TooShort {
        /// Length of the datagram.
        len: usize,
    },
    /// The version field is not 1; RFC 7252 §3 says such messages MUST be silently ignored.
    #[error("CoAP version {0} is not 1; RFC 7252 §3 says to silently ignore the message")]
    UnsupportedVersion(u8),
    /// Token length 9 to 15 is reserved and "MUST be processed as a message format error"
    /// (RFC 7252 §3).
    #[error("token length {0} is reserved (lengths 9-15, RFC 7252 §3)")]
    InvalidTokenLength(u8),
    /// The datagram ends inside the token.
    #[error("datagram ends inside the {expected}-byte token")]
    TruncatedToken {
        /// The token length announced in the header.
        expected: u8,
    },
    /// Code 0.00 (Empty) with bytes after the Message ID; RFC 7252 §4.1 makes this a format error.
    #[error("an Empty message (code 0.00) has bytes after the Message ID (RFC 7252 §4.1)")]
    EmptyMessageNotEmpty,
    /// A Reset message must be Empty (RFC 7252 §4.3).
    #[error(
        "Reset message with code {code_class}.{code_detail:02}: a Reset must be Empty (RFC 7252 §4.3)"
    )]
    ResetNotEmpty {
        /// Class of the code found.
        code_class: u8,
        /// Detail of the code found.
        code_detail: u8,
    },
    /// An Acknowledgement carrying a request code (RFC 7252 §4.2: an ACK carries a response or is
    /// Empty).
    #[error("Acknowledgement carries request code 0.{0:02} (RFC 7252 §4.2)")]
    AckWithRequest(u8),
    /// A Non-confirmable Empty message (RFC 7252 §4.3: it "MUST NOT be Empty").
    #[error("Non-confirmable message is Empty (RFC 7252 §4.3)")]
    EmptyNonConfirmable,
    /// Code class 1, 6 or 7 is reserved (RFC 7252 §3 and §12.1).
    #[error("code class {0} is reserved (RFC 7252 §12.1)")]
    ReservedCodeClass(u8),
    /// Option delta nibble 15 in a byte that is not the payload marker 0xFF (RFC 7252 §3.1).
    #[error("option delta nibble 15 outside the payload marker (RFC 7252 §3.1)")]
    ReservedOptionDelta,
    /// Option length nibble 15 (RFC 7252 §3.1: reserved, a message format error).
    #[error("option length nibble 15 is reserved (RFC 7252 §3.1)")]
    ReservedOptionLength,
    /// The datagram ends inside an option's extended delta or length bytes.
    #[error("datagram ends inside the extended delta or length of an option")]
    TruncatedOptionHeader,
    /// An option's value runs past the end of the datagram.
    #[error("option {number} announces {len} value bytes but only {available} remain")]
    TruncatedOptionValue {
        /// Option number of the truncated option.
        number: u16,
        /// Announced value length.
        len: usize,
        /// Bytes left in the datagram.
        available: usize,
    },
    /// The running sum of option deltas exceeds 65535, the largest option number (RFC 7252 §3.1
    /// and §12.2).
    #[error("option number {0} exceeds 65535 (sum of option deltas, RFC 7252 §3.1)")]
    OptionNumberOverflow(u32),
    /// A payload marker followed by a zero-length payload: "MUST be processed as a message format
    /// error" (RFC 7252 §3).
    #[error("payload marker 0xFF followed by an empty payload (RFC 7252 §3)")]
    EmptyPayload,
}

/// Why an option set is not acceptable, even though the message format was fine.
///
/// RFC 7252 §5.4.1: an unrecognized critical option in a Confirmable request is answered with
/// 4.02 (Bad Option), in a Confirmable response it causes a Reset, in a Non-confirmable message
/// the message is rejected. §5.4.3 and §5.4.5 treat a bad length or a repeated non-repeatable
/// option "like an unrecognized option".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// A critical option that the recipient does not know (RFC 7252 §5.4.1).
    #[error("unrecognized critical option {0} (RFC 7252 §5.4.1): answer 4.02 Bad Option")]
    UnrecognizedCritical(OptionNumber),
    /// A critical option whose length is outside its definition's bounds (RFC 7252 §5.4.3).
    #[error("critical option {number} has {len} bytes, outside its bounds (RFC 7252 §5.4.3)")]
    CriticalBadLength {
        /// The option.
        number: OptionNumber,
        /// The length found.
        len: usize,
    },
    /// A critical, non-repeatable option occurs more than once (RFC 7252 §5.4.5).
    #[error("critical option {0} is not repeatable but occurs more than once (RFC 7252 §5.4.5)")]
    CriticalRepeated(OptionNumber),
    /// A Block1/Block2 value with the reserved SZX 7 or more than 3 bytes (RFC 7959 §2.2).
    #[error("invalid block option value: {0}")]
    Block(BlockValueError),
}

/// Why a message cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// Token longer than 8 bytes (RFC 7252 §3).
    #[error("token of {0} bytes is longer than 8 (RFC 7252 §3)")]
    TokenTooLong(usize),
    /// An Empty message (0.00) with a token, options or payload (RFC 7252 §4.1).
    #[error("an Empty message must have no token, options or payload (RFC 7252 §4.1)")]
    EmptyMessageNotEmpty,
    /// A Reset that is not Empty (RFC 7252 §4.3).
    #[error("a Reset message must be Empty (RFC 7252 §4.3)")]
    ResetNotEmpty,
    /// An ACK with a request code (RFC 7252 §4.2).
    #[error("an Acknowledgement cannot carry a request (RFC 7252 §4.2)")]
    AckWithRequest,
    /// A NON that is Empty (RFC 7252 §4.3).
    #[error("a Non-confirmable message cannot be Empty (RFC 7252 §4.3)")]
    EmptyNonConfirmable,
    /// A reserved code class (1, 6, 7).
    #[error("code class {0} is reserved (RFC 7252 §12.1)")]
    ReservedCodeClass(u8),
    /// An option value longer than the format can express (65535 + 269 bytes).
    #[error("option {number} value of {len} bytes cannot be encoded")]
    OptionTooLong {
        /// The option.
        number: OptionNumber,
        /// Its value length.
        len: usize,
    },
    /// A registered option whose value length is outside its definition (RFC 7252 §5.10).
    #[error("option {number} value of {len} bytes is outside its bounds {min}..={max}")]
    OptionLength {
        /// The option.
        number: OptionNumber,
        /// Its value length.
        len: usize,
        /// Smallest length allowed.
        min: u16,
        /// Largest length allowed.
        max: u16,
    },
    /// A registered non-repeatable option given twice (RFC 7252 §5.4.5).
    #[error("option {0} is not repeatable (RFC 7252 §5.4.5)")]
    OptionRepeated(OptionNumber),
    /// The output buffer is too small (only for [`encode_into_slice`](super::OwnedMessage::encode_into_slice)).
    #[error("output buffer too small: {needed} bytes needed")]
    BufferTooSmall {
        /// Bytes the message needs.
        needed: usize,
    },
}

/// Why a Block1/Block2 option value is invalid (RFC 7959 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum BlockValueError {
    /// SZX 7 is reserved: it "MUST NOT be sent and MUST lead to a 4.00 Bad Request" (RFC 7959 §2.2).
    #[error("SZX 7 is reserved (RFC 7959 §2.2)")]
    ReservedSzx,
    /// The option value is longer than 3 bytes (RFC 7959 §2.2: 0-3 bytes).
    #[error("block option value of {0} bytes is longer than 3 (RFC 7959 §2.2)")]
    TooLong(usize),
    /// NUM larger than 2^20 - 1.
    #[error("block number {0} does not fit in 20 bits (RFC 7959 §2.2)")]
    NumTooLarge(u32),
}

/// Why a block-wise transfer cannot continue (RFC 7959).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum BlockError {
    /// The body would exceed the reassembler's limit; a server answers 4.13 Request Entity Too
    /// Large with a Size1 option (RFC 7959 §2.9.3).
    #[error(
        "body of at least {size} bytes exceeds the limit of {limit} (answer 4.13, RFC 7959 §2.9.3)"
    )]
    TooLarge {
        /// Size announced or implied.
        size: u64,
        /// The configured limit.
        limit: usize,
    },
    /// A block that is not the last one does not carry exactly the block size (RFC 7959 §2.2).
    #[error("block {num} with M=1 carries {len} bytes instead of {size} (RFC 7959 §2.2)")]
    WrongBlockLength {
        /// Block number.
        num: u32,
        /// Payload length.
        len: usize,
        /// Block size from SZX.
        size: usize,
    },
    /// The last block carries more bytes than the block size.
    #[error("last block {num} carries {len} bytes, more than the block size {size}")]
    OversizedLastBlock {
        /// Block number.
        num: u32,
        /// Payload length.
        len: usize,
        /// Block size from SZX.
        size: usize,
    },
    /// A block repeats bytes already received with different content.
    #[error("block at offset {offset} contradicts bytes received before")]
    Inconsistent {
        /// Byte offset of the block.
        offset: u64,
    },
    /// A block lies beyond, or moves, the end established by the last block (M=0).
    #[error("block at offset {offset} contradicts the end of the body at {end}")]
    BeyondEnd {
        /// Byte offset of the block.
        offset: u64,
        /// The end established before.
        end: u64,
    },
    /// The block number is not valid for the body being sent.
    #[error("block {num} lies outside the body")]
    NoSuchBlock {
        /// Requested block number.
        num: u32,
    },
    /// An invalid block option value.
    #[error("invalid block option: {0}")]
    Value(BlockValueError),
}

impl From<BlockValueError> for BlockError {
    fn from(e: BlockValueError) -> Self {
        BlockError::Value(e)
    }
}

impl From<BlockValueError> for OptionError {
    fn from(e: BlockValueError) -> Self {
        OptionError::Block(e)
    }
}

/// Why a `coap://` URI or a path string cannot be turned into options (RFC 7252 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The scheme is not `coap`, `coaps`, `coap+tcp` or `coaps+tcp`.
    #[error("unsupported URI scheme")]
    UnsupportedScheme,
    /// The URI is relative or has no host (RFC 7252 §6.4 step 1).
    #[error("the URI is not absolute or has no host (RFC 7252 §6.4)")]
    NotAbsolute,
    /// A fragment is present (RFC 7252 §6.4 step 2: "fail this algorithm").
    #[error("the URI has a fragment (RFC 7252 §6.4 step 2)")]
    Fragment,
    /// The port is not a number from 0 to 65535.
    #[error("invalid port")]
    InvalidPort,
    /// A malformed host (an unclosed IPv6 literal, an empty host).
    #[error("invalid host")]
    InvalidHost,
    /// A `%` not followed by two hex digits.
    #[error("invalid percent-encoding")]
    InvalidPercentEncoding,
    /// A path segment or query part longer than 255 bytes (RFC 7252 §5.10).
    #[error("a path segment or query part is longer than 255 bytes (RFC 7252 §5.10)")]
    SegmentTooLong,
    /// The path is `.` or `..` after decoding, which RFC 7252 §5.10.1 does not allow in Uri-Path.
    #[error("a Uri-Path segment cannot be \".\" or \"..\" (RFC 7252 §5.10.1)")]
    DotSegment,
}

/// Why the exchange layer refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// Every Message ID towards this peer was used within EXCHANGE_LIFETIME (RFC 7252 §4.4).
    #[error(
        "all 65536 Message IDs towards this peer were used within EXCHANGE_LIFETIME (RFC 7252 §4.4)"
    )]
    MessageIdsExhausted,
    /// The queue of requests waiting for NSTART (RFC 7252 §4.7) is full.
    #[error("too many requests are waiting for NSTART")]
    QueueFull,
    /// The request or observation handle is not known (already answered or gone).
    #[error("unknown or finished request handle")]
    UnknownHandle,
    /// The message given is not a request (or, for `respond`, not a response).
    #[error("wrong message kind for this call")]
    WrongKind,
    /// Encoding the message failed.
    #[error("cannot encode: {0}")]
    Encode(EncodeError),
    /// A block-wise transfer failed.
    #[error("block-wise transfer: {0}")]
    Block(BlockError),
}

impl From<EncodeError> for ExchangeError {
    fn from(e: EncodeError) -> Self {
        ExchangeError::Encode(e)
    }
}

impl From<BlockError> for ExchangeError {
    fn from(e: BlockError) -> Self {
        ExchangeError::Block(e)
    }
}
