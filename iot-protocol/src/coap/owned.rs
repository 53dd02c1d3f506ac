//! The owned message form (`Bytes` values) and the encoder.

use alloc::vec::Vec;
use core::fmt;

use bytes::Bytes;

use super::error::{DecodeError, EncodeError, UriError};
use super::message::{Code, CodeKind, Message, MessageType, Token};
use super::option::{OptionNumber, encode_uint};

/// An owned CoAP message. Option values and the payload are [`Bytes`], so a message decoded with
/// [`OwnedMessage::from_bytes`] shares the datagram's buffer instead of copying it.
///
/// Options are kept sorted by number as they are added (repeated options keep their order), so
/// encoding only has to compute the deltas. [`encode`](Self::encode) refuses messages that
/// RFC 7252 forbids.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OwnedMessage {
    mtype: MessageType,
    code: Code,
    message_id: u16,
    token: Token,
    options: Vec<(OptionNumber, Bytes)>,
    payload: Bytes,
    /// Encoded size of the option area, kept up to date by every option mutation.
    options_len: usize,
    /// The first problem an option mutation introduced (bad length, forbidden repeat).
    options_error: Option<EncodeError>,
}

impl OwnedMessage {
    /// A message with no token, options or payload.
    pub fn new(mtype: MessageType, code: Code, message_id: u16) -> Self {
        OwnedMessage {
            mtype,
            code,
            message_id,
            token: Token::EMPTY,
            options: Vec::new(),
            payload: Bytes::new(),
            options_len: 0,
            options_error: None,
        }
    }

    /// A request with the given method; the type, Message ID and token are usually set by the
    /// exchange layer.
    pub fn request(method: Code) -> Self {
        Self::new(MessageType::Confirmable, method, 0)
    }

    /// A response with the given code (type and IDs are set by the exchange layer).
    pub fn response(code: Code) -> Self {
        Self::new(MessageType::Acknowledgement, code, 0)
    }

    /// An Empty ACK for `message_id` (RFC 7252 §4.2).
    pub fn empty_ack(message_id: u16) -> Self {
        Self::new(MessageType::Acknowledgement, Code::EMPTY, message_id)
    }

    /// A Reset for `message_id` (RFC 7252 §4.2, §4.3).
    pub fn reset(message_id: u16) -> Self {
        Self::new(MessageType::Reset, Code::EMPTY, message_id)
    }

    /// Copies a borrowed message.
    pub fn from_message(m: &Message<'_>) -> Self {
        OwnedMessage {
            mtype: m.mtype(),
            code: m.code(),
            message_id: m.message_id(),
            token: Token::new(m.token()).unwrap_or_default(),
            options: m
                .options()
                .map(|o| (o.number, Bytes::copy_from_slice(o.value)))
                .collect(),
            payload: Bytes::copy_from_slice(m.payload()),
            options_len: 0,
            options_error: None,
        }
        .with_recomputed_options()
    }

    /// Parses `datagram` and keeps option values and the payload as slices of it (no copy).
    pub fn from_bytes(datagram: &Bytes) -> Result<Self, DecodeError> {
        let m = Message::parse(datagram)?;
        Ok(OwnedMessage {
            mtype: m.mtype(),
            code: m.code(),
            message_id: m.message_id(),
            token: Token::new(m.token()).unwrap_or_default(),
            options: {
                // One allocation of the right size for the option list.
                let mut v = Vec::with_capacity(m.options().count());
                v.extend(m.options().map(|o| (o.number, datagram.slice_ref(o.value))));
                v
            },
            payload: if m.payload().is_empty() {
                Bytes::new()
            } else {
                datagram.slice_ref(m.payload())
            },
            options_len: 0,
            options_error: None,
        }
        .with_recomputed_options())
    }

    fn with_recomputed_options(mut self) -> Self {
        self.recompute_options();
        self
    }

    /// Recomputes `options_len` and `options_error` with a full pass.
    fn recompute_options(&mut self) {
        let mut len = 0;
        let mut err = None;
        let mut prev: Option<OptionNumber> = None;
        for (n, v) in &self.options {
            if err.is_none() {
                err = check_option(*n, v.len(), prev == Some(*n)).err();
            }
            len += option_size(n.0 - prev.map_or(0, |p| p.0), v.len());
            prev = Some(*n);
        }
        self.options_len = len;
        self.options_error = err;
    }

    /// The message type.
    pub fn mtype(&self) -> MessageType {
        self.mtype
    }
    /// Sets the message type.
    pub fn set_mtype(&mut self, t: MessageType) -> &mut Self {
        self.mtype = t;
        self
    }
    /// The code.
    pub fn code(&self) -> Code {
        self.code
    }
    /// Sets the code.
    pub fn set_code(&mut self, c: Code) -> &mut Self {
        self.code = c;
        self
    }
    /// The Message ID.
    pub fn message_id(&self) -> u16 {
        self.message_id
    }
    /// Sets the Message ID.
    pub fn set_message_id(&mut self, id: u16) -> &mut Self {
        self.message_id = id;
        self
    }
    /// The token.
    pub fn token(&self) -> Token {
        self.token
    }
    /// Sets the token.
    pub fn set_token(&mut self, t: Token) -> &mut Self {
        self.token = t;
        self
    }
    /// The payload.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }
    /// Sets the payload (an empty payload means no payload marker).
    pub fn set_payload(&mut self, p: impl Into<Bytes>) -> &mut Self {
        self.payload = p.into();
        self
    }

    /// All options, sorted by number.
    pub fn options(&self) -> impl Iterator<Item = (OptionNumber, &Bytes)> + '_ {
        self.options.iter().map(|(n, v)| (*n, v))
    }

    /// The first value of `number`.
    pub fn option(&self, number: OptionNumber) -> Option<&Bytes> {
        self.options
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, v)| v)
    }

    /// Every value of `number`, in order.
    pub fn options_of(&self, number: OptionNumber) -> impl Iterator<Item = &Bytes> + '_ {
        self.options
            .iter()
            .filter(move |(n, _)| *n == number)
            .map(|(_, v)| v)
    }

    /// The first value of `number` read as uint.
    pub fn uint_option(&self, number: OptionNumber) -> Option<u32> {
        self.option(number)
            .and_then(|v| super::option::decode_uint(v))
    }

    /// Adds an option after any existing options with the same number.
    pub fn add_option(&mut self, number: OptionNumber, value: impl Into<Bytes>) -> &mut Self {
        let value = value.into();
        let at = self.options.partition_point(|(n, _)| *n <= number);
        let before = at
            .checked_sub(1)
            .and_then(|i| self.options.get(i))
            .map(|(n, _)| *n);
        let problem = check_option(number, value.len(), before == Some(number)).is_err();
        let prev = before.map_or(0, |n| n.0);
        // The next option's delta now starts from `number` (it is larger: equal numbers sort
        // before the insertion point).
        if let Some((next, v)) = self.options.get(at) {
            self.options_len -= option_size(next.0 - prev, v.len()) - v.len();
            self.options_len += option_size(next.0 - number.0, v.len()) - v.len();
        }
        self.options_len += option_size(number.0 - prev, value.len());
        self.options.insert(at, (number, value));
        if problem {
            // Rare: report the first problem in option order, whatever the order of the edits.
            self.recompute_options();
        }
        self
    }

    /// Replaces every value of `number` with one value.
    pub fn set_option(&mut self, number: OptionNumber, value: impl Into<Bytes>) -> &mut Self {
        self.remove_option(number);
        self.add_option(number, value)
    }

    /// Replaces every value of `number` with one uint value in its shortest form.
    pub fn set_uint_option(&mut self, number: OptionNumber, v: u32) -> &mut Self {
        let (b, n) = encode_uint(v);
        self.set_option(number, Bytes::copy_from_slice(&b[..n]))
    }

    /// Removes every value of `number`.
    pub fn remove_option(&mut self, number: OptionNumber) -> &mut Self {
        let before = self.options.len();
        self.options.retain(|(n, _)| *n != number);
        if self.options.len() != before {
            self.recompute_options();
        }
        self
    }

    /// Sets Content-Format.
    pub fn set_content_format(&mut self, cf: super::ContentFormat) -> &mut Self {
        self.set_uint_option(OptionNumber::CONTENT_FORMAT, u32::from(cf.0))
    }

    /// Content-Format, if present and valid.
    pub fn content_format(&self) -> Option<super::ContentFormat> {
        self.uint_option(OptionNumber::CONTENT_FORMAT)
            .and_then(|v| u16::try_from(v).ok())
            .map(super::ContentFormat)
    }

    /// Observe, if present.
    pub fn observe(&self) -> Option<u32> {
        self.uint_option(OptionNumber::OBSERVE)
    }

    /// Block2, if present.
    pub fn block2(&self) -> Option<Result<super::BlockValue, super::BlockValueError>> {
        self.option(OptionNumber::BLOCK2)
            .map(|v| super::BlockValue::from_option_value(v))
    }

    /// Block1, if present.
    pub fn block1(&self) -> Option<Result<super::BlockValue, super::BlockValueError>> {
        self.option(OptionNumber::BLOCK1)
            .map(|v| super::BlockValue::from_option_value(v))
    }

    /// Replaces the Uri-Path options with the segments of `path` (`/a/b` or `a/b`), percent-decoded
    /// (RFC 7252 §6.4 step 8). `/` alone and the empty string give no Uri-Path.
    pub fn set_path(&mut self, path: &str) -> Result<&mut Self, UriError> {
        let segs = super::uri::path_segments(path)?;
        self.remove_option(OptionNumber::URI_PATH);
        for s in segs {
            self.add_option(OptionNumber::URI_PATH, s);
        }
        Ok(self)
    }

    /// Replaces the Uri-Query options with the `&`-separated parts of `query`, percent-decoded.
    pub fn set_query(&mut self, query: &str) -> Result<&mut Self, UriError> {
        let parts = super::uri::query_parts(query)?;
        self.remove_option(OptionNumber::URI_QUERY);
        for s in parts {
            self.add_option(OptionNumber::URI_QUERY, s);
        }
        Ok(self)
    }

    /// The Uri-Path as a `/`-separated, percent-encoded string (`/` when there is none).
    pub fn path(&self) -> alloc::string::String {
        let mut s = alloc::string::String::new();
        let mut any = false;
        for seg in self.options_of(OptionNumber::URI_PATH) {
            any = true;
            s.push('/');
            // Writing into a String cannot fail.
            let _ = super::uri::write_percent_encoded(&mut s, seg, false);
        }
        if !any {
            s.push('/');
        }
        s
    }

    /// The Uri-Query parts joined with `&`, percent-encoded (empty when there is none).
    pub fn query(&self) -> alloc::string::String {
        let mut s = alloc::string::String::new();
        for (i, part) in self.options_of(OptionNumber::URI_QUERY).enumerate() {
            if i > 0 {
                s.push('&');
            }
            // Writing into a String cannot fail.
            let _ = super::uri::write_percent_encoded(&mut s, part, true);
        }
        s
    }

    /// Checks what [`encode`](Self::encode) checks without writing.
    pub fn validate(&self) -> Result<(), EncodeError> {
        self.checked_len().map(|_| ())
    }

    /// Validates and computes the encoded length. Option problems and the option area's size
    /// were tracked as options were added, so this is constant time.
    #[inline]
    fn checked_len(&self) -> Result<usize, EncodeError> {
        validate_header(self.mtype, self.code)?;
        if self.code == Code::EMPTY
            && (!self.token.is_empty() || !self.options.is_empty() || !self.payload.is_empty())
        {
            return Err(EncodeError::EmptyMessageNotEmpty);
        }
        if let Some(e) = self.options_error {
            return Err(e);
        }
        Ok(self.encoded_len())
    }

    /// The encoded size in bytes.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        let payload = if self.payload.is_empty() {
            0
        } else {
            1 + self.payload.len()
        };
        4 + self.token.len() + self.options_len + payload
    }

    /// Appends the encoded message to `out` after validating it. Grows `out` at most once.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let len = self.checked_len()?;
        let payload = self.payload.len();
        // Header, token, options and the payload marker.
        let head = len - payload;
        if head <= STACK_HEAD {
            // The usual case: append a constant-size block of zeros (a few vector stores,
            // cheaper than a `memset` call of variable length), write the head into it, cut
            // it to the head's real length, then append the payload. `out` grows once.
            let start = out.len();
            out.reserve(STACK_HEAD + payload);
            out.extend_from_slice(&[0u8; STACK_HEAD]);
            let mut w = SliceWriter {
                buf: &mut out[start..],
                at: 0,
            };
            self.write_head(&mut w);
            out.truncate(start + head);
            out.extend_from_slice(&self.payload);
        } else {
            // Long option values: write in place.
            let start = out.len();
            out.reserve(len);
            out.resize(start + head, 0);
            let mut w = SliceWriter {
                buf: &mut out[start..],
                at: 0,
            };
            self.write_head(&mut w);
            out.extend_from_slice(&self.payload);
        }
        Ok(())
    }

    /// Encodes into a new vector of exactly the encoded length.
    pub fn to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let len = self.checked_len()?;
        let mut v = alloc::vec![0u8; len];
        self.write(&mut v);
        Ok(v)
    }

    /// Encodes into `buf` and returns the number of bytes written (no allocation).
    pub fn encode_into_slice(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let needed = self.checked_len()?;
        let Some(out) = buf.get_mut(..needed) else {
            return Err(EncodeError::BufferTooSmall { needed });
        };
        Ok(self.write(out))
    }

    /// Writes the validated message into `buf`, which has exactly the encoded length.
    fn write(&self, buf: &mut [u8]) -> usize {
        let mut w = SliceWriter { buf, at: 0 };
        self.write_head(&mut w);
        w.put(&self.payload);
        w.at
    }

    /// Writes header, token, options and (when there is a payload) the payload marker.
    #[inline(always)]
    fn write_head(&self, w: &mut SliceWriter<'_>) {
        let [m0, m1] = self.message_id.to_be_bytes();
        w.array([
            0x40 | (self.mtype.bits() << 4) | self.token.tkl(),
            self.code.0,
            m0,
            m1,
        ]);
        w.token(&self.token);
        let mut prev = 0u16;
        for (n, v) in &self.options {
            w.option_header(n.0 - prev, v.len());
            w.put(v);
            prev = n.0;
        }
        if !self.payload.is_empty() {
            w.byte(0xff);
        }
    }
}

/// Largest head (header, token, options, payload marker) that [`OwnedMessage::encode`]
/// writes into a constant-size zeroed block; typical device messages need 10-40 bytes.
const STACK_HEAD: usize = 64;

struct SliceWriter<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl SliceWriter<'_> {
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        if let Some(d) = self.buf.get_mut(self.at) {
            *d = b;
        }
        self.at += 1;
    }

    /// A constant-size group of bytes in one move (the 4-byte fixed header).
    #[inline(always)]
    fn array<const N: usize>(&mut self, b: [u8; N]) {
        if let Some(d) = self
            .buf
            .get_mut(self.at..self.at + N)
            .and_then(|d| <&mut [u8; N]>::try_from(d).ok())
        {
            *d = b;
        }
        self.at += N;
    }

    /// The token: one 8-byte move when the buffer has room past it (the stack head always
    /// has), then only its length counts.
    #[inline(always)]
    fn token(&mut self, t: &Token) {
        if let Some(dst) = self.buf.get_mut(self.at..self.at + 8) {
            if let Ok(d) = <&mut [u8; 8]>::try_from(dst) {
                *d = *t.padded();
            }
            self.at += t.len();
        } else {
            self.small(t.as_bytes());
        }
    }

    /// Short values (tokens, uints, short strings) are copied with fixed-size moves, cheaper
    /// than a `memcpy` call of a variable length.
    #[inline(always)]
    fn small(&mut self, b: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.at..self.at + b.len()) {
            copy_small(dst, b);
        }
        self.at += b.len();
    }

    #[inline(always)]
    fn put(&mut self, b: &[u8]) {
        if b.len() <= 16 {
            self.small(b);
            return;
        }
        if let Some(dst) = self.buf.get_mut(self.at..self.at + b.len()) {
            dst.copy_from_slice(b);
        }
        self.at += b.len();
    }

    /// The option header of RFC 7252 §3.1: nibbles, then extended delta, then extended length.
    #[inline(always)]
    #[allow(clippy::cast_possible_truncation)]
    fn option_header(&mut self, delta: u16, len: usize) {
        if delta < 13 && len < 13 {
            // One byte, no extended fields: almost every option of a device message.
            self.byte((delta as u8) << 4 | len as u8);
            return;
        }
        let (dn, de, dl) = nibble(u32::from(delta));
        let (ln, le, ll) = nibble(u32::try_from(len).unwrap_or(u32::MAX));
        self.byte((dn << 4) | ln);
        if dl >= 1 {
            if dl == 2 {
                self.byte(de[0]);
            }
            self.byte(de[dl - 1]);
        }
        if ll >= 1 {
            if ll == 2 {
                self.byte(le[0]);
            }
            self.byte(le[ll - 1]);
        }
    }
}

/// Copies `src` into `dst` (same length). Lengths up to 16 take two overlapping moves of a
/// constant size (first and last 8, 4, 2 or 1 bytes), so there is no `memcpy` call and no jump
/// table on the hot path.
#[inline(always)]
fn copy_small(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n != dst.len() {
        return;
    }
    macro_rules! two {
        ($k:literal) => {
            if let (Ok(d), Ok(s)) = (
                <&mut [u8; $k]>::try_from(&mut dst[..$k]),
                <&[u8; $k]>::try_from(&src[..$k]),
            ) {
                *d = *s;
            }
            if let (Ok(d), Ok(s)) = (
                <&mut [u8; $k]>::try_from(&mut dst[n - $k..]),
                <&[u8; $k]>::try_from(&src[n - $k..]),
            ) {
                *d = *s;
            }
        };
    }
    if n >= 8 {
        if n <= 16 {
            two!(8);
        } else {
            dst.copy_from_slice(src);
        }
    } else if n >= 4 {
        two!(4);
    } else if n >= 2 {
        two!(2);
    } else if n == 1 {
        dst[0] = src[0];
    }
}

impl fmt::Debug for OwnedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedMessage")
            .field("mtype", &self.mtype)
            .field("code", &self.code)
            .field("message_id", &self.message_id)
            .field("token", &self.token)
            .field(
                "options",
                &self
                    .options
                    .iter()
                    .map(|(n, v)| (n.0, v))
                    .collect::<Vec<_>>(),
            )
            .field("payload", &self.payload)
            .finish()
    }
}

/// Checks the type/code combination rules of RFC 7252 §4.
pub(crate) fn validate_header(mtype: MessageType, code: Code) -> Result<(), EncodeError> {
    match (code.kind(), mtype) {
        (CodeKind::Reserved, _) => Err(EncodeError::ReservedCodeClass(code.class())),
        (CodeKind::Empty, MessageType::NonConfirmable) => Err(EncodeError::EmptyNonConfirmable),
        (CodeKind::Request | CodeKind::Response, MessageType::Reset) => {
            Err(EncodeError::ResetNotEmpty)
        }
        (CodeKind::Request, MessageType::Acknowledgement) => Err(EncodeError::AckWithRequest),
        _ => Ok(()),
    }
}

/// Checks one option against the format limits and the registry.
pub(crate) fn check_option(n: OptionNumber, len: usize, repeated: bool) -> Result<(), EncodeError> {
    if len > 65535 + 269 {
        return Err(EncodeError::OptionTooLong { number: n, len });
    }
    if let Some(d) = n.definition() {
        if !d.length_ok(len) {
            return Err(EncodeError::OptionLength {
                number: n,
                len,
                min: d.min_len,
                max: d.max_len,
            });
        }
        if repeated && !d.repeatable {
            return Err(EncodeError::OptionRepeated(n));
        }
    }
    Ok(())
}

/// Encoded size of one option: header byte, extended delta and length, value.
#[inline]
fn option_size(delta: u16, len: usize) -> usize {
    1 + ext_len(u32::from(delta)) + ext_len(u32::try_from(len).unwrap_or(u32::MAX)) + len
}

#[inline]
fn ext_len(v: u32) -> usize {
    if v < 13 {
        0
    } else if v < 269 {
        1
    } else {
        2
    }
}

/// The nibble and the extended bytes for a delta or length (RFC 7252 §3.1). Callers pass values
/// below 65535 + 269 (checked by `check_option`), so the narrowing casts below are exact.
#[inline]
#[allow(clippy::cast_possible_truncation)]
fn nibble(v: u32) -> (u8, [u8; 2], usize) {
    if v < 13 {
        (v as u8, [0, 0], 0)
    } else if v < 269 {
        (13, [(v - 13) as u8, 0], 1)
    } else {
        let e = ((v - 269) as u16).to_be_bytes();
        (14, e, 2)
    }
}

/// Encodes an option header into at most 5 bytes.
#[inline]
pub(crate) fn option_header(delta: u16, len: usize) -> ([u8; 5], usize) {
    let (dn, de, dl) = nibble(u32::from(delta));
    let (ln, le, ll) = nibble(u32::try_from(len).unwrap_or(u32::MAX));
    let mut h = [0u8; 5];
    h[0] = (dn << 4) | ln;
    h[1..1 + dl].copy_from_slice(&de[..dl]);
    h[1 + dl..1 + dl + ll].copy_from_slice(&le[..ll]);
    (h, 1 + dl + ll)
}

#[inline]
fn write_option_header(out: &mut Vec<u8>, delta: u16, len: usize) {
    let (h, n) = option_header(delta, len);
    out.extend_from_slice(&h[..n]);
}

/// Encodes a borrowed [`Message`] back to bytes (for proxies and tests): same type, code, IDs,
/// options and payload.
pub fn encode_message(m: &Message<'_>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    validate_header(m.mtype(), m.code())?;
    out.push(0x40 | (m.mtype().bits() << 4) | self_tkl(m.token()));
    out.push(m.code().0);
    out.extend_from_slice(&m.message_id().to_be_bytes());
    out.extend_from_slice(m.token());
    let mut prev = 0u16;
    for o in m.options() {
        write_option_header(out, o.number.0 - prev, o.value.len());
        out.extend_from_slice(o.value);
        prev = o.number.0;
    }
    if !m.payload().is_empty() {
        out.push(0xff);
        out.extend_from_slice(m.payload());
    }
    Ok(())
}

/// The TKL field for a token slice that came from a parsed message (0-8 bytes).
fn self_tkl(token: &[u8]) -> u8 {
    u8::try_from(token.len()).unwrap_or(0) & 0x0f
}
