//! Data representations of MQTT (3.1.1 §1.5, 5.0 §1.5): integers, Variable Byte Integers,
//! strings and binary data, read from a frame and written to a buffer.

use bytes::{BufMut, Bytes, BytesMut};

use super::{DecodeError, EncodeError, MqttString};

/// The largest value a Variable Byte Integer holds (5.0 §1.5.5): 268 435 455.
pub(crate) const VBI_MAX: u32 = 268_435_455;

/// Outcome of reading a Variable Byte Integer from a possibly incomplete buffer.
pub(crate) enum Vbi {
    /// The value and the number of bytes it took.
    Value(u32, usize),
    /// The buffer ends before the last byte of the integer.
    Incomplete,
}

/// Reads a Variable Byte Integer (3.1.1 §2.2.3, 5.0 §1.5.5) from the start of `buf`.
///
/// 5.0 §1.5.5: "The encoded value MUST use the minimum number of bytes necessary"; a fifth byte
/// is malformed. Non-minimal encodings of up to 4 bytes (`80 00`) are accepted, as the value is
/// unambiguous and mosquitto and Paho accept them too.
#[inline]
pub(crate) fn read_vbi(buf: &[u8]) -> Result<Vbi, DecodeError> {
    let mut value: u32 = 0;
    for i in 0..4 {
        let Some(&byte) = buf.get(i) else {
            return Ok(Vbi::Incomplete);
        };
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Vbi::Value(value, i + 1));
        }
    }
    Err(DecodeError::MalformedVariableByteInteger)
}

/// Number of bytes the Variable Byte Integer encoding of `value` takes.
#[inline]
pub(crate) const fn vbi_len(value: usize) -> usize {
    if value < 128 {
        1
    } else if value < 16_384 {
        2
    } else if value < 2_097_152 {
        3
    } else {
        4
    }
}

/// Writes `value` (at most [`VBI_MAX`], checked by the caller) as a Variable Byte Integer.
#[inline]
pub(crate) fn put_vbi(dst: &mut BytesMut, value: usize) {
    let mut v = value;
    loop {
        // Always below 128, so the conversion is lossless.
        let byte = u8::try_from(v % 128).unwrap_or(0);
        v /= 128;
        if v == 0 {
            dst.put_u8(byte);
            return;
        }
        dst.put_u8(byte | 0x80);
    }
}

/// Checks the length of a string or binary field (at most 65 535 bytes, 5.0 §1.5.4, §1.5.6).
#[inline]
pub(crate) fn field_len(len: usize) -> Result<usize, EncodeError> {
    if len > usize::from(u16::MAX) {
        return Err(EncodeError::FieldTooLong {
            len: u32::try_from(len).unwrap_or(u32::MAX),
        });
    }
    Ok(2 + len)
}

/// Checks an outgoing UTF-8 string (no U+0000, length) and returns its encoded size.
#[inline(always)]
pub(crate) fn string_len(s: &str) -> Result<usize, EncodeError> {
    if has_nul(s.as_bytes()) {
        return Err(EncodeError::NullCharacter);
    }
    field_len(s.len())
}

/// Writes a length-prefixed field whose length was checked by [`field_len`].
#[inline]
pub(crate) fn put_field(dst: &mut BytesMut, data: &[u8]) {
    // Checked by `field_len` during the size pass; saturating keeps this total.
    dst.put_u16(u16::try_from(data.len()).unwrap_or(u16::MAX));
    dst.put_slice(data);
}

/// Whether `b` holds U+0000 (3.1.1 §1.5.3, 5.0 §1.5.4).
#[inline]
pub(crate) fn has_nul(b: &[u8]) -> bool {
    crate::topic::scan::has_nul(b)
}

/// A string with non-ASCII bytes: the full UTF-8 check (out of line: rare, and it keeps the
/// common path small enough to inline).
#[cold]
#[inline(never)]
fn utf8_string(bytes: Bytes) -> Result<MqttString, DecodeError> {
    MqttString::try_from(bytes).map_err(|_| DecodeError::InvalidUtf8)
}

/// A cursor over one frame's bytes. Every read checks the bounds of the frame (or of the
/// sub-region it was narrowed to) and fails with [`DecodeError::UnexpectedEndOfPacket`].
pub(crate) struct Reader<'a> {
    frame: &'a Bytes,
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `frame[start..]`.
    #[inline]
    pub(crate) fn new(frame: &'a Bytes, start: usize) -> Self {
        Self {
            frame,
            pos: start.min(frame.len()),
            end: frame.len(),
        }
    }

    /// Bytes left before the end of the region.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<usize, DecodeError> {
        if n > self.remaining() {
            return Err(DecodeError::UnexpectedEndOfPacket);
        }
        let at = self.pos;
        self.pos += n;
        Ok(at)
    }

    /// Consumes the next byte if it is 0 (an empty property list, say); `false` otherwise.
    #[inline]
    pub(crate) fn skip_zero_byte(&mut self) -> bool {
        if self.pos < self.end && self.frame[self.pos] == 0 {
            self.pos += 1;
            return true;
        }
        false
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let at = self.take(1)?;
        Ok(self.frame[at])
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let at = self.take(2)?;
        Ok(u16::from_be_bytes([self.frame[at], self.frame[at + 1]]))
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let at = self.take(4)?;
        let b = &self.frame[at..at + 4];
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A Variable Byte Integer inside the packet; one that runs past the region is malformed.
    #[inline]
    pub(crate) fn vbi(&mut self) -> Result<u32, DecodeError> {
        match read_vbi(&self.frame[self.pos..self.end])? {
            Vbi::Value(v, n) => {
                self.pos += n;
                Ok(v)
            }
            Vbi::Incomplete => Err(DecodeError::UnexpectedEndOfPacket),
        }
    }

    /// Binary Data (5.0 §1.5.6): a two-byte length and that many bytes, as a slice of the frame.
    #[inline]
    pub(crate) fn binary(&mut self) -> Result<Bytes, DecodeError> {
        let len = usize::from(self.u16()?);
        let at = self.take(len)?;
        Ok(self.frame.slice(at..at + len))
    }

    /// The raw bytes of a length-prefixed field, borrowed.
    #[inline]
    pub(crate) fn raw_field(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = usize::from(self.u16()?);
        let at = self.take(len)?;
        let frame: &'a Bytes = self.frame;
        Ok(&frame[at..at + len])
    }

    /// A UTF-8 Encoded String (3.1.1 §1.5.3, 5.0 §1.5.4): well-formed UTF-8 without U+0000.
    #[inline]
    pub(crate) fn string(&mut self) -> Result<MqttString, DecodeError> {
        let len = usize::from(self.u16()?);
        let at = self.take(len)?;
        let raw = &self.frame[at..at + len];
        let ascii = crate::topic::scan::is_ascii_without_nul(raw);
        // 3.1.1 §1.5.3, 5.0 §1.5.4: "A UTF-8 Encoded String MUST NOT include an encoding of the
        // null character U+0000."
        if !ascii {
            if has_nul(raw) {
                return Err(DecodeError::NullCharacter);
            }
            return self.utf8_string_at(at, len);
        }
        // SAFETY: `is_ascii_without_nul` has just found every one of these bytes below 0x80.
        #[allow(unsafe_code)]
        Ok(unsafe { self.ascii_string_at(at, len) })
    }

    /// A Topic Filter of a SUBSCRIBE or UNSUBSCRIBE: a UTF-8 string without U+0000, and whether
    /// the filter rules (3.1.1 §4.7, 5.0 §4.7) already hold. The common filter is settled by one
    /// scan that also rules out U+0000; the caller checks the rules itself when `false`
    /// (shared subscriptions, and every filter that breaks a rule, to name the rule).
    #[inline(always)]
    pub(crate) fn topic_filter(&mut self) -> Result<(MqttString, bool), DecodeError> {
        let start = self.pos;
        let len = usize::from(self.u16()?);
        let at = self.take(len)?;
        let raw = &self.frame[at..at + len];
        // The common filter: plain, valid and ASCII, proved by one scan.
        if crate::topic::scan::plain_ascii_filter_is_valid(raw) {
            // SAFETY: `plain_ascii_filter_is_valid` has just found every one of these bytes
            // below 0x80.
            #[allow(unsafe_code)]
            return Ok((unsafe { self.ascii_string_at(at, len) }, true));
        }
        self.pos = start;
        self.other_topic_filter()
    }

    /// A filter that is not a plain ASCII one (a shared subscription, a broken rule, or other
    /// bytes): read like any other string (U+0000 first, then UTF-8), the rules left to the
    /// caller when they do not already hold. Out of line: rare.
    #[cold]
    #[inline(never)]
    fn other_topic_filter(&mut self) -> Result<(MqttString, bool), DecodeError> {
        let s = self.string()?;
        let checked = crate::topic::scan::plain_filter_is_valid(s.as_bytes());
        Ok((s, checked))
    }

    /// A PUBLISH Topic Name (3.1.1 §3.3.2.1, 5.0 §3.3.2.1, §4.7.3): checks that it holds no
    /// U+0000, `+` or `#` and returns where it is in the frame and whether it is all ASCII; the
    /// caller makes the string last, right where the packet is built, so that it is not moved
    /// through temporaries (without a UTF-8 check for an ASCII name, with
    /// [`Reader::utf8_string_at`] otherwise). The common name, plain ASCII, is settled by one
    /// scan. The `bool` is `true` only when every byte of the name is below 0x80: callers rely
    /// on that to skip the UTF-8 check.
    #[inline]
    pub(crate) fn topic_name(&mut self) -> Result<(usize, usize, bool), DecodeError> {
        let len = usize::from(self.u16()?);
        let at = self.take(len)?;
        let raw = &self.frame[at..at + len];
        if crate::topic::scan::is_plain_ascii_name(raw) {
            return Ok((at, len, true));
        }
        if crate::topic::scan::has_nul_or_wildcard(raw) {
            if raw.contains(&0) {
                return Err(DecodeError::NullCharacter);
            }
            return Err(DecodeError::InvalidTopicName(
                crate::topic::TopicError::WildcardInTopicName,
            ));
        }
        Ok((at, len, false))
    }

    /// The string at `frame[at..at + len]`, shared with the frame, after a full UTF-8 check
    /// (the path for strings with non-ASCII bytes: out of line, as it is rare).
    #[inline]
    pub(crate) fn utf8_string_at(&self, at: usize, len: usize) -> Result<MqttString, DecodeError> {
        utf8_string(self.frame.slice(at..at + len))
    }

    /// The string at `frame[at..at + len]`, shared with the frame, without a UTF-8 check.
    ///
    /// # Safety
    /// Every byte of `frame[at..at + len]` must be below 0x80 (the caller has scanned them).
    #[allow(unsafe_code)]
    #[inline]
    pub(crate) unsafe fn ascii_string_at(&self, at: usize, len: usize) -> MqttString {
        // SAFETY: the caller guarantees these bytes are ASCII, which is what
        // `from_ascii_unchecked` requires.
        unsafe { MqttString::from_ascii_unchecked(self.frame.slice(at..at + len)) }
    }

    /// How many length-prefixed fields, each followed by `gap` bytes, the rest of the region
    /// holds, counted without reading them (a last field that runs past the end counts; the
    /// real read reports it). Used to size a list with one allocation.
    #[inline]
    pub(crate) fn count_fields(&self, gap: usize) -> usize {
        let mut at = self.pos;
        let mut n = 0;
        while at + 2 <= self.end {
            let len = usize::from(u16::from_be_bytes([self.frame[at], self.frame[at + 1]]));
            at += 2 + len + gap;
            n += 1;
        }
        n + usize::from(at < self.end)
    }

    /// The offset of the next byte in the frame.
    #[inline]
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Splits off the next `len` bytes as a reader of their own (a property region).
    #[inline]
    pub(crate) fn sub(&mut self, len: usize) -> Result<Reader<'a>, DecodeError> {
        let at = self.take(len)?;
        Ok(Reader {
            frame: self.frame,
            pos: at,
            end: at + len,
        })
    }
}
