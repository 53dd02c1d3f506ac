//! Block-wise transfer (RFC 7959): the Block1/Block2 value, a bounded reassembler for incoming
//! blocks and a splitter for outgoing bodies.

use alloc::vec::Vec;

use bytes::Bytes;

use super::error::{BlockError, BlockValueError};
use super::option::{decode_uint, encode_uint};

/// A Block1 or Block2 option value: NUM, M and SZX (RFC 7959 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockValue {
    num: u32,
    more: bool,
    szx: u8,
}

impl BlockValue {
    /// The largest block number (20 bits).
    pub const MAX_NUM: u32 = (1 << 20) - 1;

    /// Builds a value; SZX must be 0-6 and NUM below 2^20.
    pub fn new(num: u32, more: bool, szx: u8) -> Result<Self, BlockValueError> {
        if szx > 6 {
            return Err(BlockValueError::ReservedSzx);
        }
        if num > Self::MAX_NUM {
            return Err(BlockValueError::NumTooLarge(num));
        }
        Ok(BlockValue { num, more, szx })
    }

    /// Decodes the option value (0-3 bytes, RFC 7959 §2.2).
    pub fn from_option_value(v: &[u8]) -> Result<Self, BlockValueError> {
        if v.len() > 3 {
            return Err(BlockValueError::TooLong(v.len()));
        }
        let u = decode_uint(v).unwrap_or(0);
        Self::from_uint(u)
    }

    /// Decodes from the uint form.
    pub fn from_uint(u: u32) -> Result<Self, BlockValueError> {
        let szx = (u & 7) as u8;
        // RFC 7959 §2.2: "the value 7 is reserved ... MUST NOT be sent and MUST lead to a 4.00
        // Bad Request response code upon reception in a request".
        if szx == 7 {
            return Err(BlockValueError::ReservedSzx);
        }
        Self::new(u >> 4, u & 8 != 0, szx)
    }

    /// The uint form.
    pub fn to_uint(self) -> u32 {
        (self.num << 4) | (u32::from(self.more) << 3) | u32::from(self.szx)
    }

    /// The option value in its shortest form (RFC 7959 §2.2: 0-3 bytes).
    pub fn to_option_value(self) -> ([u8; 4], usize) {
        encode_uint(self.to_uint())
    }

    /// The option value as `Bytes`.
    pub fn to_bytes(self) -> Bytes {
        let (b, n) = self.to_option_value();
        Bytes::copy_from_slice(&b[..n])
    }

    /// NUM.
    pub fn num(self) -> u32 {
        self.num
    }
    /// M (more blocks follow, or in a Block1 response: the server is atomic-waiting).
    pub fn more(self) -> bool {
        self.more
    }
    /// SZX.
    pub fn szx(self) -> u8 {
        self.szx
    }
    /// The block size, 2^(SZX+4) (16 to 1024).
    pub fn size(self) -> usize {
        1usize << (self.szx + 4)
    }
    /// The byte offset of the block, NUM × size.
    pub fn offset(self) -> u64 {
        u64::from(self.num) << (self.szx + 4)
    }
}

/// The SZX whose size is the largest power of two not above `size` (clamped to 16..=1024).
pub fn szx_for_size(size: usize) -> u8 {
    let mut szx = 6u8;
    while szx > 0 && (1usize << (szx + 4)) > size {
        szx -= 1;
    }
    szx
}

/// The state after a block was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Progress {
    /// More blocks are needed; `next` is the first missing byte offset.
    Incomplete {
        /// The first byte not yet received.
        next: u64,
    },
    /// The body is complete; call [`BlockReassembler::take`].
    Complete,
}

/// Reassembles a body from Block1 or Block2 blocks that may arrive out of order, twice, or with
/// a SZX that shrinks during the transfer (RFC 7959 §2.3, §2.4, §2.5). Memory is bounded by the
/// limit given at construction: a block that would grow the body past it, or a Size1/Size2
/// indication above it, is refused with [`BlockError::TooLarge`].
#[derive(Debug, Clone)]
pub struct BlockReassembler {
    limit: usize,
    data: Vec<u8>,
    /// Received byte ranges, sorted, merged, non-overlapping.
    ranges: Vec<(u64, u64)>,
    /// The end of the body, known once the block with M=0 arrived.
    end: Option<u64>,
}

impl BlockReassembler {
    /// A reassembler that refuses bodies larger than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        BlockReassembler {
            limit,
            data: Vec::new(),
            ranges: Vec::new(),
            end: None,
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Checks a Size1/Size2 indication against the limit early (RFC 7959 §4).
    pub fn check_size_indication(&self, size: u32) -> Result<(), BlockError> {
        if u64::from(size) > self.limit as u64 {
            return Err(BlockError::TooLarge {
                size: u64::from(size),
                limit: self.limit,
            });
        }
        Ok(())
    }

    /// Accepts one block. Duplicates with the same content are accepted again; contradicting
    /// bytes, a block of the wrong length, or a block past the body's end are refused.
    pub fn push(&mut self, block: BlockValue, payload: &[u8]) -> Result<Progress, BlockError> {
        let size = block.size();
        // RFC 7959 §2.2: a block with M=1 carries exactly 2^(SZX+4) bytes; the last block may be
        // shorter.
        if block.more() && payload.len() != size {
            return Err(BlockError::WrongBlockLength {
                num: block.num(),
                len: payload.len(),
                size,
            });
        }
        if payload.len() > size {
            return Err(BlockError::OversizedLastBlock {
                num: block.num(),
                len: payload.len(),
                size,
            });
        }
        let start = block.offset();
        let stop = start + payload.len() as u64;
        if stop > self.limit as u64 {
            return Err(BlockError::TooLarge {
                size: stop,
                limit: self.limit,
            });
        }
        if let Some(end) = self.end {
            if stop > end || (!block.more() && stop != end) {
                return Err(BlockError::BeyondEnd { offset: start, end });
            }
        } else if !block.more()
            && let Some(&(_, hi)) = self.ranges.last()
            && hi > stop
        {
            return Err(BlockError::BeyondEnd {
                offset: start,
                end: hi,
            });
        }
        // `stop` is at most `limit`, which is a usize.
        let (s, e) = (
            usize::try_from(start).unwrap_or(usize::MAX),
            usize::try_from(stop).unwrap_or(usize::MAX),
        );
        if self.data.len() < e {
            self.data.resize(e, 0);
        }
        // Overlap with bytes already received must agree.
        for &(lo, hi) in &self.ranges {
            let (olo, ohi) = (lo.max(start), hi.min(stop));
            if olo < ohi {
                let a = usize::try_from(olo).unwrap_or(usize::MAX);
                let b = usize::try_from(ohi).unwrap_or(usize::MAX);
                if self.data.get(a..b) != payload.get(a - s..b - s) {
                    return Err(BlockError::Inconsistent { offset: start });
                }
            }
        }
        if let Some(dst) = self.data.get_mut(s..e) {
            dst.copy_from_slice(payload);
        }
        self.insert_range(start, stop);
        if !block.more() {
            self.end = Some(stop);
        }
        Ok(self.progress())
    }

    fn insert_range(&mut self, lo: u64, hi: u64) {
        if lo == hi {
            return;
        }
        let at = self.ranges.partition_point(|&(_, h)| h < lo);
        let mut new = (lo, hi);
        let mut j = at;
        while let Some(&(l, h)) = self.ranges.get(j) {
            if l > new.1 {
                break;
            }
            new = (new.0.min(l), new.1.max(h));
            j += 1;
        }
        self.ranges.splice(at..j, core::iter::once(new));
    }

    /// Where the transfer stands.
    pub fn progress(&self) -> Progress {
        let next = match self.ranges.first() {
            Some(&(0, hi)) => hi,
            _ => 0,
        };
        match self.end {
            Some(end) if next >= end => Progress::Complete,
            _ => Progress::Incomplete { next },
        }
    }

    /// Whether the body is complete.
    pub fn is_complete(&self) -> bool {
        self.progress() == Progress::Complete
    }

    /// Takes the complete body and resets the reassembler; `None` when incomplete.
    pub fn take(&mut self) -> Option<Vec<u8>> {
        if !self.is_complete() {
            return None;
        }
        let mut body = core::mem::take(&mut self.data);
        body.truncate(usize::try_from(self.end.unwrap_or(0)).unwrap_or(usize::MAX));
        self.ranges.clear();
        self.end = None;
        Some(body)
    }

    /// Drops all received blocks.
    pub fn reset(&mut self) {
        self.data.clear();
        self.ranges.clear();
        self.end = None;
    }
}

/// Splits an outgoing body into blocks (RFC 7959 §2.3-§2.5), including late negotiation of a
/// smaller SZX by the peer.
#[derive(Debug, Clone)]
pub struct BlockSplitter {
    body: Bytes,
    szx: u8,
    next_offset: usize,
}

impl BlockSplitter {
    /// A splitter for `body` starting with block size 2^(szx+4) (szx clamped to 6).
    pub fn new(body: Bytes, szx: u8) -> Self {
        BlockSplitter {
            body,
            szx: szx.min(6),
            next_offset: 0,
        }
    }

    /// The body length (for Size1/Size2).
    pub fn body_len(&self) -> usize {
        self.body.len()
    }

    /// The current SZX.
    pub fn szx(&self) -> u8 {
        self.szx
    }

    /// The block `num` at the given SZX (for answering a Block2 request, RFC 7959 §2.4; a
    /// larger SZX than ours is answered with ours). Returns the value to put in the option and
    /// the payload slice (no copy).
    pub fn block(&self, num: u32, szx: u8) -> Result<(BlockValue, Bytes), BlockError> {
        let szx = szx.min(self.szx);
        let size = 1usize << (szx + 4);
        let start = usize::try_from(num)
            .ok()
            .and_then(|n| n.checked_mul(size))
            .ok_or(BlockError::NoSuchBlock { num })?;
        // Block 0 of an empty body is an empty last block.
        if start > self.body.len() || (start == self.body.len() && num != 0) {
            return Err(BlockError::NoSuchBlock { num });
        }
        let end = (start + size).min(self.body.len());
        let more = end < self.body.len();
        Ok((
            BlockValue::new(num, more, szx)?,
            self.body.slice(start..end),
        ))
    }

    /// The next block to send (Block1, RFC 7959 §2.5); `None` when everything was sent.
    pub fn next_block(&mut self) -> Option<(BlockValue, Bytes)> {
        let size = 1usize << (self.szx + 4);
        if self.next_offset > self.body.len()
            || (self.next_offset == self.body.len() && self.next_offset != 0)
        {
            return None;
        }
        let num = u32::try_from(self.next_offset / size).ok()?;
        let r = self.block(num, self.szx).ok()?;
        self.next_offset = if r.1.is_empty() {
            self.body.len() + 1
        } else {
            self.next_offset + r.1.len()
        };
        Some(r)
    }

    /// Handles the Block1 value of a 2.31 Continue (or final) response: if the server asks for a
    /// smaller SZX, later blocks use it and their numbers are rescaled so that the transfer
    /// continues at the same byte offset (RFC 7959 §2.5, Figure 4).
    pub fn acknowledge(&mut self, ack: BlockValue) {
        if ack.szx() < self.szx {
            self.szx = ack.szx();
        }
    }

    /// Whether every block was handed out.
    pub fn is_done(&self) -> bool {
        self.next_offset >= self.body.len() && !(self.body.is_empty() && self.next_offset == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_round_trip() {
        let v = BlockValue::new(1_000_000, true, 6).unwrap();
        assert_eq!(BlockValue::from_uint(v.to_uint()).unwrap(), v);
        let (b, n) = v.to_option_value();
        assert_eq!(n, 3);
        assert_eq!(BlockValue::from_option_value(&b[..n]).unwrap(), v);
        assert_eq!(BlockValue::from_option_value(&[]).unwrap().size(), 16);
        assert_eq!(
            BlockValue::from_option_value(&[0x0f]),
            Err(BlockValueError::ReservedSzx)
        );
        assert_eq!(
            BlockValue::from_option_value(&[1, 2, 3, 4]),
            Err(BlockValueError::TooLong(4))
        );
    }

    #[test]
    fn late_negotiation_rescales() {
        // RFC 7959 Figure 4: 128-byte blocks, the server answers with SZX for 32 bytes; the
        // client continues with block 4 (offset 128).
        let mut s = BlockSplitter::new(Bytes::from(alloc::vec![7u8; 300]), 3);
        let (b0, p0) = s.next_block().unwrap();
        assert_eq!((b0.num(), b0.size(), p0.len()), (0, 128, 128));
        s.acknowledge(BlockValue::new(0, true, 1).unwrap());
        let (b, p) = s.next_block().unwrap();
        assert_eq!((b.num(), b.size(), p.len(), b.more()), (4, 32, 32, true));
    }

    #[test]
    fn reassembles_out_of_order_with_size_change() {
        let body: Vec<u8> = (0..100u8).collect();
        let mut r = BlockReassembler::new(1000);
        // block 1 at SZX 1 (32 bytes, offset 32), then block 0 at SZX 2 (64 bytes), then the
        // last 36 bytes as block 4 at SZX 0 ... which is wrong length: 16 bytes max.
        assert!(matches!(
            r.push(BlockValue::new(1, true, 1).unwrap(), &body[32..64]),
            Ok(Progress::Incomplete { next: 0 })
        ));
        r.push(BlockValue::new(0, true, 2).unwrap(), &body[0..64])
            .unwrap();
        assert_eq!(
            r.push(BlockValue::new(4, false, 0).unwrap(), &body[64..100]),
            Err(BlockError::OversizedLastBlock {
                num: 4,
                len: 36,
                size: 16
            })
        );
        r.push(BlockValue::new(1, false, 2).unwrap(), &body[64..100])
            .unwrap();
        assert_eq!(r.take().unwrap(), body);
    }

    #[test]
    fn refuses_contradictions_and_oversize() {
        let mut r = BlockReassembler::new(64);
        r.push(BlockValue::new(0, true, 0).unwrap(), &[1; 16])
            .unwrap();
        assert_eq!(
            r.push(BlockValue::new(0, true, 0).unwrap(), &[2; 16]),
            Err(BlockError::Inconsistent { offset: 0 })
        );
        assert!(matches!(
            r.push(BlockValue::new(4, false, 0).unwrap(), &[1; 1]),
            Err(BlockError::TooLarge { .. })
        ));
        r.push(BlockValue::new(1, false, 0).unwrap(), &[3; 4])
            .unwrap();
        assert!(r.is_complete());
        assert!(matches!(
            r.push(BlockValue::new(2, false, 0).unwrap(), &[3; 4]),
            Err(BlockError::BeyondEnd { .. })
        ));
    }
}
