//! The message format of RFC 7252 §3: header, token, options and payload, parsed without copying.

use core::fmt;

use super::error::{DecodeError, OptionError};
use super::option::{OptionNumber, decode_uint};

/// The message type (RFC 7252 §3, §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// Confirmable (0): retransmitted until acknowledged.
    Confirmable,
    /// Non-confirmable (1).
    NonConfirmable,
    /// Acknowledgement (2).
    Acknowledgement,
    /// Reset (3).
    Reset,
}

impl MessageType {
    /// The 2-bit wire value.
    #[inline]
    pub const fn bits(self) -> u8 {
        match self {
            MessageType::Confirmable => 0,
            MessageType::NonConfirmable => 1,
            MessageType::Acknowledgement => 2,
            MessageType::Reset => 3,
        }
    }

    /// From the 2-bit wire value (only the low two bits are used).
    #[inline]
    pub const fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => MessageType::Confirmable,
            1 => MessageType::NonConfirmable,
            2 => MessageType::Acknowledgement,
            _ => MessageType::Reset,
        }
    }
}

/// A method or response code `c.dd` (RFC 7252 §3, §12.1). Named constants cover RFC 7252,
/// RFC 7959 (2.31, 4.08, 4.13) and RFC 8132 (FETCH, PATCH, iPATCH).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(pub u8);

macro_rules! codes {
    ($($(#[$m:meta])* $name:ident = $class:literal . $detail:literal;)*) => {
        impl Code {
            $($(#[$m])* pub const $name: Code = Code::new($class, $detail);)*
        }
    };
}

codes! {
    /// 0.00 Empty.
    EMPTY = 0 . 0;
    /// 0.01 GET.
    GET = 0 . 1;
    /// 0.02 POST.
    POST = 0 . 2;
    /// 0.03 PUT.
    PUT = 0 . 3;
    /// 0.04 DELETE.
    DELETE = 0 . 4;
    /// 0.05 FETCH (RFC 8132).
    FETCH = 0 . 5;
    /// 0.06 PATCH (RFC 8132).
    PATCH = 0 . 6;
    /// 0.07 iPATCH (RFC 8132).
    IPATCH = 0 . 7;
    /// 2.01 Created.
    CREATED = 2 . 1;
    /// 2.02 Deleted.
    DELETED = 2 . 2;
    /// 2.03 Valid.
    VALID = 2 . 3;
    /// 2.04 Changed.
    CHANGED = 2 . 4;
    /// 2.05 Content.
    CONTENT = 2 . 5;
    /// 2.31 Continue (RFC 7959 §2.9.1).
    CONTINUE = 2 . 31;
    /// 4.00 Bad Request.
    BAD_REQUEST = 4 . 0;
    /// 4.01 Unauthorized (Alibaba: re-authenticate).
    UNAUTHORIZED = 4 . 1;
    /// 4.02 Bad Option.
    BAD_OPTION = 4 . 2;
    /// 4.03 Forbidden.
    FORBIDDEN = 4 . 3;
    /// 4.04 Not Found.
    NOT_FOUND = 4 . 4;
    /// 4.05 Method Not Allowed.
    METHOD_NOT_ALLOWED = 4 . 5;
    /// 4.06 Not Acceptable.
    NOT_ACCEPTABLE = 4 . 6;
    /// 4.08 Request Entity Incomplete (RFC 7959 §2.9.2).
    REQUEST_ENTITY_INCOMPLETE = 4 . 8;
    /// 4.12 Precondition Failed.
    PRECONDITION_FAILED = 4 . 12;
    /// 4.13 Request Entity Too Large.
    REQUEST_ENTITY_TOO_LARGE = 4 . 13;
    /// 4.15 Unsupported Content-Format.
    UNSUPPORTED_CONTENT_FORMAT = 4 . 15;
    /// 5.00 Internal Server Error.
    INTERNAL_SERVER_ERROR = 5 . 0;
    /// 5.01 Not Implemented.
    NOT_IMPLEMENTED = 5 . 1;
    /// 5.02 Bad Gateway.
    BAD_GATEWAY = 5 . 2;
    /// 5.03 Service Unavailable.
    SERVICE_UNAVAILABLE = 5 . 3;
    /// 5.04 Gateway Timeout.
    GATEWAY_TIMEOUT = 5 . 4;
    /// 5.05 Proxying Not Supported.
    PROXYING_NOT_SUPPORTED = 5 . 5;
}

/// What a code means (RFC 7252 §5.8, §5.9, §12.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeKind {
    /// 0.00.
    Empty,
    /// 0.01-0.31.
    Request,
    /// 2.xx, 4.xx, 5.xx.
    Response,
    /// 1.xx, 6.xx, 7.xx.
    Reserved,
}

impl Code {
    /// Builds `class.detail` (class 0-7, detail 0-31; higher bits are masked).
    #[inline]
    pub const fn new(class: u8, detail: u8) -> Self {
        Code(((class & 7) << 5) | (detail & 31))
    }

    /// The class (the `c` of `c.dd`).
    #[inline]
    pub const fn class(self) -> u8 {
        self.0 >> 5
    }

    /// The detail (the `dd` of `c.dd`).
    #[inline]
    pub const fn detail(self) -> u8 {
        self.0 & 31
    }

    /// Request, response, empty or reserved.
    #[inline]
    pub const fn kind(self) -> CodeKind {
        match self.class() {
            0 if self.0 == 0 => CodeKind::Empty,
            0 => CodeKind::Request,
            2 | 4 | 5 => CodeKind::Response,
            _ => CodeKind::Reserved,
        }
    }

    /// Whether this is a request method.
    #[inline]
    pub const fn is_request(self) -> bool {
        matches!(self.kind(), CodeKind::Request)
    }

    /// Whether this is a response code.
    #[inline]
    pub const fn is_response(self) -> bool {
        matches!(self.kind(), CodeKind::Response)
    }

    /// Whether this is 2.xx.
    #[inline]
    pub const fn is_success(self) -> bool {
        self.class() == 2
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.class(), self.detail())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({self})")
    }
}

/// A token of 0 to 8 bytes (RFC 7252 §5.3.1), stored inline.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Token {
    len: u8,
    bytes: [u8; 8],
}

impl Token {
    /// The empty token.
    pub const EMPTY: Token = Token {
        len: 0,
        bytes: [0; 8],
    };

    /// A token from bytes; `None` when longer than 8.
    #[inline]
    pub fn new(b: &[u8]) -> Option<Token> {
        if b.len() > 8 {
            return None;
        }
        let len = u8::try_from(b.len()).ok().filter(|l| *l <= 8)?;
        let mut bytes = [0u8; 8];
        bytes[..b.len()].copy_from_slice(b);
        Some(Token { len, bytes })
    }

    /// The token's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// All eight bytes of the token's storage; those past [`len`](Self::len) are zero.
    #[inline]
    pub(crate) fn padded(&self) -> &[u8; 8] {
        &self.bytes
    }

    /// Its length as the header's TKL field.
    #[inline]
    pub(crate) fn tkl(&self) -> u8 {
        self.len
    }

    /// Its length.
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether it is the empty token.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// The 4-byte fixed header (RFC 7252 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Version (must be 1).
    pub version: u8,
    /// Message type.
    pub mtype: MessageType,
    /// Token length field (0-15 on the wire; 9-15 are format errors).
    pub token_length: u8,
    /// Code.
    pub code: Code,
    /// Message ID.
    pub message_id: u16,
}

impl Header {
    /// Reads the fixed header without checking anything else, so that a caller can answer a
    /// malformed Confirmable message with a Reset (RFC 7252 §4.2). `None` if shorter than 4 bytes.
    #[inline]
    pub fn peek(datagram: &[u8]) -> Option<Header> {
        let [b0, code, m0, m1, ..] = *datagram else {
            return None;
        };
        Some(Header {
            version: b0 >> 6,
            mtype: MessageType::from_bits(b0 >> 4),
            token_length: b0 & 0x0f,
            code: Code(code),
            message_id: u16::from_be_bytes([m0, m1]),
        })
    }
}

/// An option as found in a message: number and borrowed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoapOption<'a> {
    /// The option number (the running sum of deltas).
    pub number: OptionNumber,
    /// The value bytes, borrowed from the datagram.
    pub value: &'a [u8],
}

impl<'a> CoapOption<'a> {
    /// The value as a uint (RFC 7252 §3.2), `None` when longer than 4 bytes.
    #[inline]
    pub fn as_uint(&self) -> Option<u32> {
        decode_uint(self.value)
    }

    /// The value as UTF-8, `None` when not valid UTF-8.
    #[inline]
    pub fn as_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.value).ok()
    }
}

/// A parsed CoAP message borrowing a datagram: the token, every option value and the payload are
/// slices of the input. Parsing validates the whole option area once, so iterating options later
/// cannot fail. No heap allocation happens.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Message<'a> {
    mtype: MessageType,
    code: Code,
    message_id: u16,
    token: &'a [u8],
    options: &'a [u8],
    payload: &'a [u8],
}

/// Reads one option header at `buf[i..]`: returns (delta, length, header size) or the payload
/// marker. Extended forms: nibble 13 adds one byte plus 13, nibble 14 two bytes plus 269
/// (RFC 7252 §3.1).
#[inline(always)]
fn read_ext(nibble: u8, buf: &[u8], at: usize) -> Result<(u32, usize), DecodeError> {
    match nibble {
        13 => match buf.get(at) {
            Some(&b) => Ok((u32::from(b) + 13, 1)),
            None => Err(DecodeError::TruncatedOptionHeader),
        },
        14 => match (buf.get(at), buf.get(at + 1)) {
            (Some(&h), Some(&l)) => Ok((u32::from(u16::from_be_bytes([h, l])) + 269, 2)),
            _ => Err(DecodeError::TruncatedOptionHeader),
        },
        n => Ok((u32::from(n), 0)),
    }
}

/// Decodes the option header at `buf[i..]` (not the payload marker): returns the delta, the value
/// length and the index of the value. The common case, both nibbles below 13, takes one branch.
#[inline(always)]
fn option_header(buf: &[u8], i: usize, b: u8) -> Result<(u32, usize, usize), DecodeError> {
    let dn = b >> 4;
    let ln = b & 0x0f;
    if dn < 13 && ln < 13 {
        return Ok((u32::from(dn), usize::from(ln), i + 1));
    }
    // RFC 7252 §3.1: delta 15 is "reserved for the Payload Marker"; if the field is 15 but the
    // whole byte is not the marker, it "MUST be processed as a message format error".
    if dn == 15 {
        return Err(DecodeError::ReservedOptionDelta);
    }
    // RFC 7252 §3.1: length 15 is reserved and "MUST be processed as a message format error".
    if ln == 15 {
        return Err(DecodeError::ReservedOptionLength);
    }
    let (delta, dsz) = read_ext(dn, buf, i + 1)?;
    let (len, lsz) = read_ext(ln, buf, i + 1 + dsz)?;
    Ok((delta, len as usize, i + 1 + dsz + lsz))
}

/// Walks the option area starting at `buf`; returns the length of the option area (the index of
/// the payload marker, or `buf.len()`).
#[inline]
fn scan_options(buf: &[u8]) -> Result<usize, DecodeError> {
    let mut i = 0usize;
    let mut number = 0u32;
    while let Some(&b) = buf.get(i) {
        if b == 0xff {
            return Ok(i);
        }
        let (delta, len, at) = option_header(buf, i, b)?;
        number += delta;
        // The option number is 16 bits (RFC 7252 §12.2); a larger sum is malformed
        // (the mbed-coap CVE-2020-12885 class, where a wrapping number looped forever).
        if number > u32::from(u16::MAX) {
            return Err(DecodeError::OptionNumberOverflow(number));
        }
        let available = buf.len() - at;
        if len > available {
            return Err(DecodeError::TruncatedOptionValue {
                number: u16::try_from(number).unwrap_or(u16::MAX),
                len,
                available,
            });
        }
        i = at + len;
    }
    Ok(i)
}

impl<'a> Message<'a> {
    /// Parses a datagram (RFC 7252 §3). A UDP datagram is complete, so a truncated message is an
    /// error, not "need more bytes". Performs no heap allocation.
    pub fn parse(datagram: &'a [u8]) -> Result<Message<'a>, DecodeError> {
        let Some(h) = Header::peek(datagram) else {
            return Err(DecodeError::TooShort {
                len: datagram.len(),
            });
        };
        // RFC 7252 §3: "Messages with unknown version numbers MUST be silently ignored."
        if h.version != 1 {
            return Err(DecodeError::UnsupportedVersion(h.version));
        }
        // RFC 7252 §3: "Lengths 9-15 are reserved, MUST NOT be sent, and MUST be processed as a
        // message format error."
        if h.token_length > 8 {
            return Err(DecodeError::InvalidTokenLength(h.token_length));
        }
        let rest = &datagram[4..];
        match h.code.kind() {
            CodeKind::Empty => {
                // RFC 7252 §4.1: an Empty message with bytes after the Message ID "MUST be
                // processed as a message format error".
                if !rest.is_empty() {
                    return Err(DecodeError::EmptyMessageNotEmpty);
                }
                // RFC 7252 §4.3: "A Non-confirmable message ... MUST NOT be Empty."
                if h.mtype == MessageType::NonConfirmable {
                    return Err(DecodeError::EmptyNonConfirmable);
                }
            }
            CodeKind::Reserved => return Err(DecodeError::ReservedCodeClass(h.code.class())),
            CodeKind::Request | CodeKind::Response => {
                // RFC 7252 §4.3: Reset messages are Empty.
                if h.mtype == MessageType::Reset {
                    return Err(DecodeError::ResetNotEmpty {
                        code_class: h.code.class(),
                        code_detail: h.code.detail(),
                    });
                }
                // RFC 7252 §4.2: an ACK carries a response or is Empty.
                if h.mtype == MessageType::Acknowledgement && h.code.is_request() {
                    return Err(DecodeError::AckWithRequest(h.code.detail()));
                }
            }
        }
        let tkl = usize::from(h.token_length);
        if rest.len() < tkl {
            return Err(DecodeError::TruncatedToken {
                expected: h.token_length,
            });
        }
        let (token, rest) = rest.split_at(tkl);
        let opt_len = scan_options(rest)?;
        let (options, tail) = rest.split_at(opt_len);
        let payload = match tail.split_first() {
            None => &[][..],
            // RFC 7252 §3: a marker followed by a zero-length payload "MUST be processed as a
            // message format error".
            Some((_, [])) => return Err(DecodeError::EmptyPayload),
            Some((_, p)) => p,
        };
        Ok(Message {
            mtype: h.mtype,
            code: h.code,
            message_id: h.message_id,
            token,
            options,
            payload,
        })
    }

    /// The message type.
    #[inline]
    pub fn mtype(&self) -> MessageType {
        self.mtype
    }

    /// The code.
    #[inline]
    pub fn code(&self) -> Code {
        self.code
    }

    /// The Message ID.
    #[inline]
    pub fn message_id(&self) -> u16 {
        self.message_id
    }

    /// The token bytes (0-8).
    #[inline]
    pub fn token(&self) -> &'a [u8] {
        self.token
    }

    /// The payload (empty when there is none).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The raw option area, as it appeared on the wire.
    #[inline]
    pub fn raw_options(&self) -> &'a [u8] {
        self.options
    }

    /// Iterates the options in wire order (ascending numbers).
    #[inline]
    pub fn options(&self) -> Options<'a> {
        Options {
            buf: self.options,
            number: 0,
        }
    }

    /// The first option with `number`.
    #[inline]
    pub fn option(&self, number: OptionNumber) -> Option<CoapOption<'a>> {
        self.options()
            .take_while(|o| o.number <= number)
            .find(|o| o.number == number)
    }

    /// All options with `number`, in order.
    #[inline]
    pub fn options_of(&self, number: OptionNumber) -> impl Iterator<Item = CoapOption<'a>> + 'a {
        self.options()
            .skip_while(move |o| o.number < number)
            .take_while(move |o| o.number == number)
    }

    /// The first option with `number` decoded as uint; `None` if absent or longer than 4 bytes.
    #[inline]
    pub fn uint_option(&self, number: OptionNumber) -> Option<u32> {
        self.option(number).and_then(|o| o.as_uint())
    }

    /// Content-Format, if present.
    #[inline]
    pub fn content_format(&self) -> Option<super::ContentFormat> {
        self.uint_option(OptionNumber::CONTENT_FORMAT)
            .and_then(|v| u16::try_from(v).ok())
            .map(super::ContentFormat)
    }

    /// Observe value (RFC 7641), if present.
    #[inline]
    pub fn observe(&self) -> Option<u32> {
        self.uint_option(OptionNumber::OBSERVE)
    }

    /// Block2 (RFC 7959), if present.
    #[inline]
    pub fn block2(&self) -> Option<Result<super::BlockValue, super::BlockValueError>> {
        self.option(OptionNumber::BLOCK2)
            .map(|o| super::BlockValue::from_option_value(o.value))
    }

    /// Block1 (RFC 7959), if present.
    #[inline]
    pub fn block1(&self) -> Option<Result<super::BlockValue, super::BlockValueError>> {
        self.option(OptionNumber::BLOCK1)
            .map(|o| super::BlockValue::from_option_value(o.value))
    }

    /// The Uri-Path segments, each borrowed (not percent-decoded: CoAP carries them raw).
    #[inline]
    pub fn uri_path(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.options_of(OptionNumber::URI_PATH).map(|o| o.value)
    }

    /// The Uri-Query parts, each borrowed.
    #[inline]
    pub fn uri_query(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.options_of(OptionNumber::URI_QUERY).map(|o| o.value)
    }

    /// Checks the options against the registry (RFC 7252 §5.4.1, §5.4.3, §5.4.5): the first
    /// critical option that is unknown (and not in `also_known`), has a bad length, or repeats
    /// when it must not. Elective problems are ignored, as the RFC says. A request that fails
    /// this check is answered with 4.02 Bad Option; a CON response is rejected with a Reset.
    pub fn check_critical_options(&self, also_known: &[OptionNumber]) -> Result<(), OptionError> {
        let mut prev: Option<OptionNumber> = None;
        for o in self.options() {
            let repeated = prev == Some(o.number);
            prev = Some(o.number);
            if !o.number.is_critical() {
                continue;
            }
            match o.number.definition() {
                Some(d) => {
                    if !d.length_ok(o.value.len()) {
                        return Err(OptionError::CriticalBadLength {
                            number: o.number,
                            len: o.value.len(),
                        });
                    }
                    if repeated && !d.repeatable {
                        return Err(OptionError::CriticalRepeated(o.number));
                    }
                    if o.number == OptionNumber::BLOCK1 || o.number == OptionNumber::BLOCK2 {
                        super::BlockValue::from_option_value(o.value)?;
                    }
                }
                None if also_known.contains(&o.number) => {}
                None => return Err(OptionError::UnrecognizedCritical(o.number)),
            }
        }
        Ok(())
    }

    /// Writes the Uri-Path as a `/`-separated string, percent-encoding what RFC 3986 `pchar`
    /// does not allow (RFC 7252 §6.5). An absent path is `/`.
    pub fn write_path<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        let mut any = false;
        for seg in self.uri_path() {
            any = true;
            out.write_char('/')?;
            super::uri::write_percent_encoded(out, seg, false)?;
        }
        if !any {
            out.write_char('/')?;
        }
        Ok(())
    }
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Opts<'a>(Options<'a>);
        impl fmt::Debug for Opts<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.clone().map(|o| (o.number.0, o.value)))
                    .finish()
            }
        }
        f.debug_struct("Message")
            .field("mtype", &self.mtype)
            .field("code", &self.code)
            .field("message_id", &self.message_id)
            .field("token", &self.token)
            .field("options", &Opts(self.options()))
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// Iterator over the options of a [`Message`], borrowing their values.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    buf: &'a [u8],
    number: u32,
}

impl<'a> Iterator for Options<'a> {
    type Item = CoapOption<'a>;

    #[inline]
    fn next(&mut self) -> Option<CoapOption<'a>> {
        // The area was validated by `Message::parse`; the checks below only keep the code free
        // of panics.
        let &b = self.buf.first()?;
        let (delta, len, at) = option_header(self.buf, 0, b).ok()?;
        let end = at.checked_add(len)?;
        let value = self.buf.get(at..end)?;
        self.buf = self.buf.get(end..)?;
        self.number += delta;
        let number = u16::try_from(self.number).ok()?;
        Some(CoapOption {
            number: OptionNumber(number),
            value,
        })
    }
}
