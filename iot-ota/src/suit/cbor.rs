//! A small, strict CBOR reader and writer for the SUIT subset (RFC 8949).
//!
//! Only definite lengths are accepted (SUIT requires deterministic encoding). Every declared
//! length is checked against the remaining input before anything is allocated or sliced, and
//! nesting is bounded, so hostile input cannot make the reader allocate or recurse without bound.

use crate::error::CborError;

/// Maximum nesting depth accepted by [`Reader::skip`].
pub(crate) const MAX_DEPTH: usize = 16;

pub(crate) const MAJOR_UINT: u8 = 0;
pub(crate) const MAJOR_NINT: u8 = 1;
pub(crate) const MAJOR_BSTR: u8 = 2;
pub(crate) const MAJOR_TSTR: u8 = 3;
pub(crate) const MAJOR_ARRAY: u8 = 4;
pub(crate) const MAJOR_MAP: u8 = 5;
pub(crate) const MAJOR_TAG: u8 = 6;
pub(crate) const MAJOR_SIMPLE: u8 = 7;

/// An item head: major type, argument and the offset of its initial byte.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head {
    pub(crate) major: u8,
    pub(crate) arg: u64,
    pub(crate) offset: usize,
}

/// A cursor over a CBOR byte string.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn type_name(major: u8) -> &'static str {
    match major {
        MAJOR_UINT => "unsigned integer",
        MAJOR_NINT => "negative integer",
        MAJOR_BSTR => "byte string",
        MAJOR_TSTR => "text string",
        MAJOR_ARRAY => "array",
        MAJOR_MAP => "map",
        MAJOR_TAG => "tag",
        _ => "simple value",
    }
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) const fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn slice(&self, from: usize, to: usize) -> &'a [u8] {
        self.buf.get(from..to).unwrap_or_default()
    }

    pub(crate) const fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Fails unless the whole input was consumed.
    pub(crate) const fn finish(&self) -> Result<(), CborError> {
        if self.remaining() > 0 {
            return Err(CborError::TrailingBytes {
                count: self.remaining(),
            });
        }
        Ok(())
    }

    fn byte(&mut self) -> Result<u8, CborError> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or(CborError::UnexpectedEnd { offset: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64, offset: usize) -> Result<&'a [u8], CborError> {
        let n_usize =
            usize::try_from(n).map_err(|_| CborError::LengthOverflow { length: n, offset })?;
        if n_usize > self.remaining() {
            return Err(CborError::LengthOverflow { length: n, offset });
        }
        let s = &self.buf[self.pos..self.pos + n_usize];
        self.pos += n_usize;
        Ok(s)
    }

    /// Major type of the next item without consuming it.
    pub(crate) fn peek_major(&self) -> Option<u8> {
        self.buf.get(self.pos).map(|b| b >> 5)
    }

    pub(crate) fn head(&mut self) -> Result<Head, CborError> {
        let offset = self.pos;
        let ib = self.byte()?;
        let major = ib >> 5;
        let info = ib & 0x1f;
        let arg = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let n = 1u64 << (info - 24);
                let bytes = self
                    .take(n, offset)
                    .map_err(|_| CborError::UnexpectedEnd { offset: self.pos })?;
                bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
            }
            28..=30 => return Err(CborError::ReservedAdditionalInfo { info, offset }),
            _ => return Err(CborError::IndefiniteLength { offset }),
        };
        Ok(Head { major, arg, offset })
    }

    fn expect(&mut self, major: u8) -> Result<Head, CborError> {
        let h = self.head()?;
        if h.major != major {
            return Err(CborError::UnexpectedType {
                expected: type_name(major),
                found: h.major,
                offset: h.offset,
            });
        }
        Ok(h)
    }

    pub(crate) fn uint(&mut self) -> Result<u64, CborError> {
        Ok(self.expect(MAJOR_UINT)?.arg)
    }

    /// A major type 0 or 1 integer that fits `i64`.
    pub(crate) fn int(&mut self) -> Result<i64, CborError> {
        let h = self.head()?;
        let v =
            i64::try_from(h.arg).map_err(|_| CborError::IntegerOutOfRange { offset: h.offset })?;
        match h.major {
            MAJOR_UINT => Ok(v),
            MAJOR_NINT => Ok(-1 - v),
            m => Err(CborError::UnexpectedType {
                expected: "integer",
                found: m,
                offset: h.offset,
            }),
        }
    }

    pub(crate) fn bstr(&mut self) -> Result<&'a [u8], CborError> {
        let h = self.expect(MAJOR_BSTR)?;
        self.take(h.arg, h.offset)
    }

    pub(crate) fn tstr(&mut self) -> Result<&'a str, CborError> {
        let h = self.expect(MAJOR_TSTR)?;
        let b = self.take(h.arg, h.offset)?;
        core::str::from_utf8(b).map_err(|_| CborError::InvalidUtf8 { offset: h.offset })
    }

    /// An array head; the length is checked against the remaining input (one byte per item).
    pub(crate) fn array(&mut self) -> Result<usize, CborError> {
        let h = self.expect(MAJOR_ARRAY)?;
        self.count(h, 1)
    }

    /// A map head; the length is checked against the remaining input (two bytes per entry).
    pub(crate) fn map(&mut self) -> Result<usize, CborError> {
        let h = self.expect(MAJOR_MAP)?;
        self.count(h, 2)
    }

    fn count(&self, h: Head, min_item: u64) -> Result<usize, CborError> {
        let need = h
            .arg
            .checked_mul(min_item)
            .ok_or(CborError::LengthOverflow {
                length: h.arg,
                offset: h.offset,
            })?;
        if need > self.remaining() as u64 {
            return Err(CborError::LengthOverflow {
                length: h.arg,
                offset: h.offset,
            });
        }
        usize::try_from(h.arg).map_err(|_| CborError::LengthOverflow {
            length: h.arg,
            offset: h.offset,
        })
    }

    pub(crate) fn tag(&mut self) -> Result<u64, CborError> {
        Ok(self.expect(MAJOR_TAG)?.arg)
    }

    /// Consumes a tag if the next item is one with this number; returns whether it did.
    pub(crate) fn optional_tag(&mut self, number: u64) -> Result<bool, CborError> {
        if self.peek_major() != Some(MAJOR_TAG) {
            return Ok(false);
        }
        let save = self.pos;
        if self.tag()? == number {
            return Ok(true);
        }
        self.pos = save;
        Ok(false)
    }

    /// Consumes `null` (simple value 22) if it is next; returns whether it did.
    pub(crate) fn null(&mut self) -> bool {
        if self.buf.get(self.pos) == Some(&0xf6) {
            self.pos += 1;
            return true;
        }
        false
    }

    /// A boolean (`true`/`false`).
    pub(crate) fn boolean(&mut self) -> Result<bool, CborError> {
        let h = self.expect(MAJOR_SIMPLE)?;
        match h.arg {
            20 => Ok(false),
            21 => Ok(true),
            _ => Err(CborError::UnexpectedType {
                expected: "boolean",
                found: MAJOR_SIMPLE,
                offset: h.offset,
            }),
        }
    }

    /// Skips one complete item, returning its bytes.
    pub(crate) fn skip(&mut self) -> Result<&'a [u8], CborError> {
        let start = self.pos;
        self.skip_depth(0)?;
        Ok(&self.buf[start..self.pos])
    }

    fn skip_depth(&mut self, depth: usize) -> Result<(), CborError> {
        if depth >= MAX_DEPTH {
            return Err(CborError::TooDeep { limit: MAX_DEPTH });
        }
        let h = self.head()?;
        match h.major {
            MAJOR_UINT | MAJOR_NINT | MAJOR_SIMPLE => Ok(()),
            MAJOR_BSTR => self.take(h.arg, h.offset).map(|_| ()),
            MAJOR_TSTR => {
                let b = self.take(h.arg, h.offset)?;
                core::str::from_utf8(b)
                    .map(|_| ())
                    .map_err(|_| CborError::InvalidUtf8 { offset: h.offset })
            }
            MAJOR_ARRAY => {
                let n = self.count(h, 1)?;
                (0..n).try_for_each(|_| self.skip_depth(depth + 1))
            }
            MAJOR_MAP => {
                let n = self.count(h, 2)?;
                (0..n * 2).try_for_each(|_| self.skip_depth(depth + 1))
            }
            _ => self.skip_depth(depth + 1),
        }
    }
}

/// Appends an item head in the shortest form (deterministic encoding, RFC 8949 §4.2.1).
pub(crate) fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if arg < 24 {
        out.push(m | u8::try_from(arg).unwrap_or(0));
    } else if let Ok(v) = u8::try_from(arg) {
        out.extend_from_slice(&[m | 24, v]);
    } else if let Ok(v) = u16::try_from(arg) {
        out.push(m | 25);
        out.extend_from_slice(&v.to_be_bytes());
    } else if let Ok(v) = u32::try_from(arg) {
        out.push(m | 26);
        out.extend_from_slice(&v.to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

pub(crate) fn write_bstr(out: &mut Vec<u8>, bytes: &[u8]) {
    write_head(out, MAJOR_BSTR, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

pub(crate) fn write_tstr(out: &mut Vec<u8>, text: &str) {
    write_head(out, MAJOR_TSTR, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

pub(crate) fn write_int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        write_head(out, MAJOR_UINT, v.unsigned_abs());
    } else {
        write_head(out, MAJOR_NINT, (-1 - v).unsigned_abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_and_limits() {
        let mut r = Reader::new(&[0x19, 0x01, 0x00]);
        assert_eq!(r.uint().unwrap(), 256);
        assert!(r.finish().is_ok());
        assert_eq!(Reader::new(&[0x38, 0x2b]).int().unwrap(), -44);
        assert!(matches!(
            Reader::new(&[0x5f]).bstr(),
            Err(CborError::IndefiniteLength { .. })
        ));
        assert!(matches!(
            Reader::new(&[0x1c]).uint(),
            Err(CborError::ReservedAdditionalInfo { .. })
        ));
        assert!(matches!(
            Reader::new(&[0x9a, 0xff, 0xff, 0xff, 0xff]).array(),
            Err(CborError::LengthOverflow { .. })
        ));
        assert!(matches!(
            Reader::new(&[0x19, 0x01]).uint(),
            Err(CborError::UnexpectedEnd { .. })
        ));
        let deep = [0x81u8; 40];
        assert!(matches!(
            Reader::new(&deep).skip(),
            Err(CborError::TooDeep { .. })
        ));
        let mut out = Vec::new();
        write_int(&mut out, -16);
        write_head(&mut out, MAJOR_UINT, 34768);
        assert_eq!(out, [0x2f, 0x19, 0x87, 0xd0]);
    }
}
