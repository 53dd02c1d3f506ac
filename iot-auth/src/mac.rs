//! The crate's one HMAC (RFC 2104), for MD5, SHA-1 and SHA-256, written directly on the
//! compression functions the RustCrypto hash crates export (`block_api::compress*`).
//!
//! Going below the `digest` traits lets signing write content straight into the block buffer
//! the compression function reads, compress every full block of a buffer in one call, pad in
//! place, and build the outer hash as a single block on the stack: for an 87-byte MQTT
//! password content that is five compressions in four calls and no hash-object copies.
//! With a fresh key, the key schedule runs only when content first has to be compressed
//! (at the latest when finishing), so short content is already in the buffer when the
//! compression function reads it.
//!
//! All three hashes share the Merkle–Damgård layout handled here: 64-byte blocks, a `0x80`
//! byte after the message, zeros, and the message length in bits as a 64-bit integer at the
//! end of the last block. They differ in the state size (4, 5 or 8 words), the initial state,
//! and byte order: SHA-1 and SHA-256 store the length and the output words big-endian, MD5
//! little-endian.

use zeroize::Zeroize;

/// Block size of all three hashes, in bytes.
const BLOCK: usize = 64;

/// Content bytes buffered before compressing. A third block in the buffer takes the padding
/// of up to two buffered blocks, so finishing always compresses in one call.
const CAP: usize = 2 * BLOCK;

/// A Merkle–Damgård hash with 64-byte blocks, reduced to what HMAC needs.
pub(crate) trait BlockHash {
    /// The chaining state: `WORDS` 32-bit words.
    type State: Copy + AsRef<[u32]> + AsMut<[u32]>;
    /// Words in the state; the digest is `4 * WORDS` bytes.
    const WORDS: usize;
    /// The initial state of the standard.
    const IV: Self::State;
    /// Whether the length field and the output words are big-endian (SHA) or little-endian
    /// (MD5).
    const BIG_ENDIAN: bool;
    /// Runs the compression function over `blocks`, in order.
    fn compress(state: &mut Self::State, blocks: &[[u8; BLOCK]]);
}

/// MD5 (RFC 1321).
pub(crate) enum Md5 {}
/// SHA-1 (FIPS 180-4).
pub(crate) enum Sha1 {}
/// SHA-256 (FIPS 180-4).
pub(crate) enum Sha256 {}

impl BlockHash for Md5 {
    type State = [u32; 4];
    const WORDS: usize = 4;
    const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    const BIG_ENDIAN: bool = false;
    #[inline(always)]
    fn compress(state: &mut [u32; 4], blocks: &[[u8; BLOCK]]) {
        md5::block_api::compress(state, blocks);
    }
}

impl BlockHash for Sha1 {
    type State = [u32; 5];
    const WORDS: usize = 5;
    const IV: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    const BIG_ENDIAN: bool = true;
    #[inline(always)]
    fn compress(state: &mut [u32; 5], blocks: &[[u8; BLOCK]]) {
        sha1::block_api::compress(state, blocks);
    }
}

impl BlockHash for Sha256 {
    type State = [u32; 8];
    const WORDS: usize = 8;
    const IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const BIG_ENDIAN: bool = true;
    #[inline(always)]
    fn compress(state: &mut [u32; 8], blocks: &[[u8; BLOCK]]) {
        sha2::block_api::compress256(state, blocks);
    }
}

/// Writes the state words as digest bytes in `H`'s byte order (`out` is `4 * WORDS` long).
#[inline(always)]
fn put_words<H: BlockHash>(state: &H::State, out: &mut [u8]) {
    for (dst, w) in out.chunks_exact_mut(4).zip(state.as_ref()) {
        dst.copy_from_slice(&if H::BIG_ENDIAN {
            w.to_be_bytes()
        } else {
            w.to_le_bytes()
        });
    }
}

/// Writes a message length in bits as the 8-byte length field in `H`'s byte order.
#[inline(always)]
fn length_field<H: BlockHash>(bytes: u64) -> [u8; 8] {
    // Lengths are taken modulo 2^64 bits, as the standards define them.
    let bits = bytes.wrapping_mul(8);
    if H::BIG_ENDIAN {
        bits.to_be_bytes()
    } else {
        bits.to_le_bytes()
    }
}

/// `dst.copy_from_slice(src)` in fixed-size pieces the compiler turns into plain moves, for the
/// short pieces of signed content (no library call per piece). Copies `min` of both lengths.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    let mut i = 0;
    while i + 16 <= n {
        dst[i..i + 16].copy_from_slice(&src[i..i + 16]);
        i += 16;
    }
    for w in [8, 4, 2, 1] {
        if i + w <= n {
            dst[i..i + w].copy_from_slice(&src[i..i + w]);
            i += w;
        }
    }
}

/// The block buffer of a [`Hasher`], kept by the caller (on its stack) and lent to the
/// hash, so the hash itself stays small and is cheap to move.
pub(crate) struct Buffer {
    /// Pending content in the first two blocks; the third is only for padding.
    blocks: [[u8; BLOCK]; 3],
    /// Whether bytes may be left over from earlier content (the blocks are zero otherwise,
    /// so padding need not clear them).
    dirty: bool,
}

impl Buffer {
    /// An all-zero buffer.
    #[inline(always)]
    pub(crate) const fn new() -> Self {
        Self {
            blocks: [[0; BLOCK]; 3],
            dirty: false,
        }
    }
}

/// A streaming hash over `H`'s compression function, buffering in a borrowed [`Buffer`].
pub(crate) struct Hasher<'b, H: BlockHash> {
    state: H::State,
    buf: &'b mut Buffer,
    /// Pending bytes at the start of the buffer (at most `CAP`).
    len: usize,
    /// Bytes already compressed into `state`.
    done: u64,
}

impl<'b, H: BlockHash> Hasher<'b, H> {
    /// A hash that continues from `state` after `done` bytes (a multiple of 64).
    #[inline(always)]
    fn resume(state: H::State, done: u64, buf: &'b mut Buffer) -> Self {
        Self {
            state,
            buf,
            len: 0,
            done,
        }
    }

    /// Appends `data` if it fits the buffer; `false` (and nothing written) otherwise.
    #[inline(always)]
    fn push(&mut self, data: &[u8]) -> bool {
        let len = self.len;
        if data.len() > CAP - len {
            return false;
        }
        copy_short(
            &mut self.buf.blocks.as_flattened_mut()[len..len + data.len()],
            data,
        );
        self.len = len + data.len();
        true
    }

    /// Appends bytes whose length is a constant if they fit the buffer (the copy compiles to
    /// a few fixed stores); `false` (and nothing written) otherwise.
    #[inline(always)]
    fn push_array<const N: usize>(&mut self, data: &[u8; N]) -> bool {
        let len = self.len;
        if N > CAP - len {
            return false;
        }
        match self.buf.blocks.as_flattened_mut().get_mut(len..len + N) {
            Some(dst) => {
                dst.copy_from_slice(data);
                self.len = len + N;
                true
            }
            None => false,
        }
    }

    /// Appends bytes.
    #[inline(always)]
    fn write(&mut self, data: &[u8]) {
        if !self.push(data) {
            self.write_long(data);
        }
    }

    /// Appends bytes that do not fit the buffer: fills it, compresses it, compresses every
    /// further whole block straight from `data`, and keeps the rest.
    #[inline(never)]
    fn write_long(&mut self, data: &[u8]) {
        let space = CAP - self.len;
        let (head, rest) = data.split_at(space.min(data.len()));
        self.buf.blocks.as_flattened_mut()[self.len..CAP].copy_from_slice(head);
        H::compress(&mut self.state, &self.buf.blocks[..CAP / BLOCK]);
        let (blocks, tail) = rest.as_chunks::<BLOCK>();
        if !blocks.is_empty() {
            H::compress(&mut self.state, blocks);
        }
        self.buf.blocks.as_flattened_mut()[..tail.len()].copy_from_slice(tail);
        self.len = tail.len();
        // `usize` never exceeds 64 bits on supported targets; lengths wrap as in the standards.
        self.done = self
            .done
            .wrapping_add(u64::try_from(CAP + blocks.len() * BLOCK).unwrap_or(u64::MAX));
        self.buf.dirty = true;
    }

    /// Pads the buffered bytes in place; returns how many blocks (one to three) to compress.
    #[inline(always)]
    fn pad(&mut self) -> usize {
        let len = self.len;
        let total = self
            .done
            .wrapping_add(u64::try_from(len).unwrap_or(u64::MAX));
        // `len` <= CAP, so the padded message takes at most three blocks.
        let blocks = (len + 9).div_ceil(BLOCK).min(3);
        let end = blocks * BLOCK;
        let flat = self.buf.blocks.as_flattened_mut();
        flat[len] = 0x80;
        if self.buf.dirty {
            flat[len + 1..end - 8].fill(0);
        }
        flat[end - 8..end].copy_from_slice(&length_field::<H>(total));
        self.buf.dirty = true;
        blocks
    }

    /// Compresses the first `blocks` blocks of the buffer (after [`Hasher::pad`]) and returns
    /// the final state (the digest, as words).
    #[inline(always)]
    fn compress_padded(&mut self, blocks: usize) -> H::State {
        H::compress(&mut self.state, &self.buf.blocks[..blocks.min(3)]);
        self.state
    }

    /// Pads and compresses in one call; returns the final state.
    #[inline(always)]
    fn finish(&mut self) -> H::State {
        let blocks = self.pad();
        self.compress_padded(blocks)
    }

    /// Zeroizes the buffer and the state.
    fn wipe(&mut self) {
        self.buf.blocks.as_flattened_mut().zeroize();
        self.state.as_mut().zeroize();
    }
}

/// The plain hash of `data` (for keys longer than a block), written to `out[..4 * WORDS]`.
fn hash_into<H: BlockHash>(data: &[u8], out: &mut [u8]) {
    let mut buf = Buffer::new();
    let mut h = Hasher::<H>::resume(H::IV, 0, &mut buf);
    h.write(data);
    let digest = h.finish();
    put_words::<H>(&digest, &mut out[..4 * H::WORDS]);
    // The buffer held key bytes.
    h.wipe();
}

/// The HMAC key schedule: the states after compressing `key ⊕ ipad` and `key ⊕ opad`.
///
/// Zeroized on drop: the two states are as good as the key for forging tags.
pub(crate) struct KeyStates<H: BlockHash> {
    inner: H::State,
    outer: H::State,
}

impl<H: BlockHash> Clone for KeyStates<H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner,
            outer: self.outer,
        }
    }
}

impl<H: BlockHash> Drop for KeyStates<H> {
    fn drop(&mut self) {
        self.inner.as_mut().zeroize();
        self.outer.as_mut().zeroize();
    }
}

/// The HMAC key schedule of RFC 2104 §2 for a key of any length (hashed first when longer
/// than a block, zero-padded to a block): the states after compressing `key ⊕ ipad` into
/// `inner` and `key ⊕ opad` into `outer`.
#[inline(always)]
fn key_schedule<H: BlockHash>(key: &[u8], inner: &mut H::State, outer: &mut H::State) {
    let mut block = [[0u8; BLOCK]; 1];
    if key.len() <= BLOCK {
        copy_short(&mut block[0], key);
    } else {
        hash_into::<H>(key, &mut block[0]);
    }
    for b in &mut block[0] {
        *b ^= 0x36;
    }
    *inner = H::IV;
    H::compress(inner, &block);
    // 0x36 ^ 0x6a == 0x5c: from the inner pad to the outer pad.
    for b in &mut block[0] {
        *b ^= 0x36 ^ 0x5c;
    }
    *outer = H::IV;
    H::compress(outer, &block);
    block.as_flattened_mut().zeroize();
}

impl<H: BlockHash> KeyStates<H> {
    /// Runs the key schedule for `key` (any length).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut s = Self {
            inner: H::IV,
            outer: H::IV,
        };
        key_schedule::<H>(key, &mut s.inner, &mut s.outer);
        s
    }

    /// A MAC computation with this key.
    #[inline(always)]
    pub(crate) fn start<'b>(&self, buf: &'b mut Buffer) -> Mac<'static, 'b, H> {
        Mac {
            hash: Hasher::resume(self.inner, BLOCK as u64, buf),
            outer: self.outer,
            key: None,
        }
    }
}

/// One HMAC computation: write the content, then [`Mac::finish`].
pub(crate) struct Mac<'k, 'b, H: BlockHash> {
    /// The inner hash, past the `key ⊕ ipad` block once `key` is `None`.
    hash: Hasher<'b, H>,
    /// The state after the `key ⊕ opad` block once `key` is `None`.
    outer: H::State,
    /// A key whose schedule has not run yet. It runs just before the first compression of
    /// content, so short content is stored into the buffer before the key compressions and
    /// those stores have long completed when the content block is read.
    key: Option<&'k [u8]>,
}

impl<H: BlockHash> Drop for Mac<'_, '_, H> {
    fn drop(&mut self) {
        self.hash.state.as_mut().zeroize();
        self.outer.as_mut().zeroize();
    }
}

impl<'k, 'b, H: BlockHash> Mac<'k, 'b, H> {
    /// A MAC computation keyed with `key` (any length), buffering in `buf`.
    #[inline(always)]
    pub(crate) fn new(key: &'k [u8], buf: &'b mut Buffer) -> Self {
        Self {
            hash: Hasher::resume(H::IV, BLOCK as u64, buf),
            outer: H::IV,
            key: Some(key),
        }
    }

    /// Runs the pending key schedule, if any.
    #[inline(always)]
    fn keyed(&mut self) {
        if let Some(key) = self.key.take() {
            key_schedule::<H>(key, &mut self.hash.state, &mut self.outer);
        }
    }

    /// Appends content.
    #[inline(always)]
    pub(crate) fn write(&mut self, data: &[u8]) {
        if !self.hash.push(data) {
            self.write_long(data);
        }
    }

    /// Appends content of constant length (a parameter name).
    #[inline(always)]
    pub(crate) fn write_array<const N: usize>(&mut self, data: &[u8; N]) {
        if !self.hash.push_array(data) {
            self.write_long(data);
        }
    }

    /// Content that overflows the buffer: keys the hash if not done yet, then compresses.
    #[inline(never)]
    fn write_long(&mut self, data: &[u8]) {
        self.keyed();
        self.hash.write_long(data);
    }

    /// The tag: `4 * WORDS` bytes at the start of the array, zeros after.
    #[inline(always)]
    pub(crate) fn finish(mut self) -> [u8; 32] {
        let blocks = self.hash.pad();
        self.keyed();
        let inner = self.hash.compress_padded(blocks);
        // The outer hash is one block: the inner digest, `0x80`, zeros, the bit length of
        // the opad block plus the digest.
        let n = 4 * H::WORDS;
        let mut block = [[0u8; BLOCK]; 1];
        put_words::<H>(&inner, &mut block[0][..n]);
        block[0][n] = 0x80;
        block[0][BLOCK - 8..].copy_from_slice(&length_field::<H>((BLOCK + n) as u64));
        let mut state = self.outer;
        H::compress(&mut state, &block);
        let mut tag = [0u8; 32];
        put_words::<H>(&state, &mut tag[..n]);
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> alloc::string::String {
        b.iter().map(|x| alloc::format!("{x:02x}")).collect()
    }

    fn digest<H: BlockHash>(data: &[u8]) -> alloc::string::String {
        let mut out = [0u8; 32];
        hash_into::<H>(data, &mut out);
        hex(&out[..4 * H::WORDS])
    }

    #[test]
    fn plain_hashes_match_the_standards() {
        // RFC 1321 §A.5, FIPS 180-2 appendix examples.
        assert_eq!(digest::<Md5>(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(digest::<Md5>(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            digest::<Sha1>(b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            digest::<Sha256>(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digest::<Sha256>(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // One million 'a' (FIPS 180-2 B.3), streamed in uneven pieces.
        let mut buf = Buffer::new();
        let mut h = Hasher::<Sha256>::resume(Sha256::IV, 0, &mut buf);
        let piece = [b'a'; 997];
        let mut left = 1_000_000usize;
        while left > 0 {
            let n = left.min(piece.len());
            h.write(&piece[..n]);
            left -= n;
        }
        let mut out = [0u8; 32];
        put_words::<Sha256>(&h.finish(), &mut out);
        assert_eq!(
            hex(&out),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }
}
