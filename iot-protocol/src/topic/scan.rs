//! Fast scans for topic validation: they settle the common, valid case in one pass over the
//! bytes, and leave every doubtful input and every error to the rule-by-rule checks in
//! [`super`], which name the rule broken. Property tests check that both agree.

/// Whether `b` holds U+0000, `+` or `#`: inputs of 16 bytes or more are tested 16 bytes at a
/// time (the last block overlaps the one before), shorter ones as two overlapping words.
#[inline]
pub(crate) fn has_nul_or_wildcard(b: &[u8]) -> bool {
    // `+` (0x2B) and `#` (0x23) differ only in bit 3, so `x | 8 == 0x2B` finds both.
    scan_any(
        b,
        |x| (x == 0) | (x | 0x08 == b'+'),
        |w| has_zero_byte(w) | has_zero_byte(plus_or_hash_to_zero(w)) != 0,
    )
}

/// Whether every byte of `b` is ASCII other than U+0000, `+` and `#`: a valid topic name (when
/// not empty and not too long) that is also valid UTF-8, proved in one pass.
// Used by the MQTT decoder only.
#[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
#[inline]
pub(crate) fn is_plain_ascii_name(b: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    !scan_any(
        b,
        |x| (x == 0) | (x | 0x08 == b'+') | (x >= 0x80),
        |w| has_zero_byte(w) | has_zero_byte(plus_or_hash_to_zero(w)) | (w & HIGH) != 0,
    )
}

/// Whether every byte of `b` is ASCII other than U+0000: a string the MQTT rules accept (3.1.1
/// §1.5.3, 5.0 §1.5.4) that is also valid UTF-8, proved in one pass.
// Used by the MQTT decoder only.
#[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
#[inline]
pub(crate) fn is_ascii_without_nul(b: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    !scan_any(
        b,
        |x| (x == 0) | (x >= 0x80),
        |w| has_zero_byte(w) | (w & HIGH) != 0,
    )
}

/// Whether `b` holds U+0000: with the SSE2 masks for 16 to 64 bytes, otherwise the same way
/// as [`has_nul_or_wildcard`].
// Used by the MQTT codec only.
#[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
#[inline]
pub(crate) fn has_nul(b: &[u8]) -> bool {
    if let Some(m) = Masks::of::<false>(b) {
        return m.bad != 0;
    }
    scan_any(b, |x| x == 0, |w| has_zero_byte(w) != 0)
}

/// Whether any byte of `b` satisfies `byte`; `word` must answer the same for eight bytes at
/// once. Blocks of 16 bytes have no early exit inside (the compiler turns them into vector
/// compares and one mask test) and are taken two at a time with one branch for both, the last
/// block overlapping the one before; shorter inputs are read as two overlapping eight-byte words,
/// below eight bytes as two overlapping four-byte halves, below four byte by byte.
#[inline(always)]
fn scan_any(b: &[u8], byte: impl Fn(u8) -> bool, word: impl Fn(u64) -> bool) -> bool {
    let n = b.len();
    if n >= 16 {
        let block = |c: &[u8]| {
            let Ok(c) = <&[u8; 16]>::try_from(c) else {
                return false;
            };
            let mut m = 0u8;
            for &x in c {
                m |= u8::from(byte(x));
            }
            m != 0
        };
        // Two blocks per step, one branch for both.
        let mut pairs = b.chunks_exact(32);
        for c in &mut pairs {
            if block(&c[..16]) | block(&c[16..]) {
                return true;
            }
        }
        let rest = pairs.remainder();
        if rest.len() >= 16 && block(&rest[..16]) {
            return true;
        }
        return !rest.len().is_multiple_of(16) && block(&b[n - 16..]);
    }
    if n >= 8 {
        return word(word8(&b[..8])) | word(word8(&b[n - 8..]));
    }
    if n >= 4 {
        let lo = u64::from(word4(&b[..4]));
        let hi = u64::from(word4(&b[n - 4..]));
        return word(lo | (hi << 32));
    }
    b.iter().any(|&x| byte(x))
}

#[inline(always)]
fn word8(w: &[u8]) -> u64 {
    u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])
}

#[inline(always)]
fn word4(w: &[u8]) -> u32 {
    u32::from_le_bytes([w[0], w[1], w[2], w[3]])
}

/// 0x80 in exactly the bytes of `x` that are U+0000, `+` or `#`, 0 elsewhere. `+` (0x2B) and
/// `#` (0x23) differ only in bit 3, so they are the zero bytes of `(x | 0x08…) ^ 0x2B…`; the
/// zero-byte test used is the exact one (no carries between bytes), so every flag is a position.
#[inline(always)]
fn special_bytes(x: u64) -> u64 {
    zero_bytes(x) | zero_bytes(plus_or_hash_to_zero(x))
}

/// `x` with its `+` and `#` bytes, and only those, turned to zero.
#[inline(always)]
fn plus_or_hash_to_zero(x: u64) -> u64 {
    (x | 0x0808_0808_0808_0808) ^ 0x2b2b_2b2b_2b2b_2b2b
}

/// Non-zero exactly when some byte of `x` is zero (the classic test: cheaper than
/// [`zero_bytes`], but a borrow may also flag bytes above a zero one, so it answers "any"
/// and not "which").
#[inline(always)]
fn has_zero_byte(x: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    x.wrapping_sub(LO) & !x & HI
}

/// 0x80 in exactly the zero bytes of `x`, 0 elsewhere (the exact form of the zero-byte test:
/// no carry crosses a byte).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    const L7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !((x & L7).wrapping_add(L7) | x | L7)
}

/// Whether the special byte at `i` of filter `f` is legal: a `+` that fills its level, or a
/// `#` alone in the last level (U+0000 never is).
#[inline(always)]
fn special_ok(f: &[u8], i: usize) -> bool {
    let starts_level = i == 0 || f[i - 1] == b'/';
    match f[i] {
        b'+' => starts_level && f.get(i + 1).is_none_or(|&c| c == b'/'),
        b'#' => starts_level && i + 1 == f.len(),
        _ => false,
    }
}

/// Checks the special bytes flagged in `flags` (from [`special_bytes`]), byte `j` of the word
/// standing for `f[base + j]`.
#[inline(always)]
fn specials_ok(f: &[u8], base: usize, mut flags: u64) -> bool {
    while flags != 0 {
        let i = base + (flags.trailing_zeros() / 8) as usize;
        flags &= flags - 1;
        if !special_ok(f, i) {
            return false;
        }
    }
    true
}

/// `true` only for a non-empty filter of at most 65 535 bytes, without U+0000, not starting
/// with `$share/`, whose `+` fill whole levels and whose `#` is alone in the last level.
/// Only the positions of `+`, `#` and U+0000 are looked at, found eight bytes at a time (the
/// last word overlaps the one before and only its new bytes count).
#[inline]
pub(crate) fn plain_filter_is_valid(f: &[u8]) -> bool {
    filter_scan::<false>(f)
}

/// [`plain_filter_is_valid`], and every byte ASCII (so the filter is also valid UTF-8), in the
/// same pass.
// Used by the MQTT decoder only.
#[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
#[inline]
pub(crate) fn plain_ascii_filter_is_valid(f: &[u8]) -> bool {
    filter_scan::<true>(f)
}

#[inline(always)]
fn filter_scan<const ASCII: bool>(f: &[u8]) -> bool {
    let n = f.len();
    if n == 0 || n > usize::from(u16::MAX) || f.starts_with(b"$share/") {
        return false;
    }
    if let Some(m) = Masks::of::<ASCII>(f) {
        return m.filter_ok(n);
    }
    filter_scan_words::<ASCII>(f)
}

/// The portable part of [`filter_scan`]: eight bytes at a time, for filters that passed its
/// first checks (the only path on targets without SSE2, and for filters outside 16..=64 bytes).
#[inline(always)]
fn filter_scan_words<const ASCII: bool>(f: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = f.len();
    if n < 8 {
        return f.iter().enumerate().all(|(i, &x)| {
            !(ASCII && x >= 0x80) && (!((x == 0) | (x | 0x08 == b'+')) || special_ok(f, i))
        });
    }
    let mut words = f.chunks_exact(8);
    let mut base = 0;
    let mut high = 0;
    for w in &mut words {
        let w = word8(w);
        high |= w;
        if !specials_ok(f, base, special_bytes(w)) {
            return false;
        }
        base += 8;
    }
    let rest = words.remainder().len();
    if rest > 0 {
        // The last eight bytes; the first `8 - rest` of them were checked with the word before.
        let w = word8(&f[n - 8..]);
        high |= w;
        if !specials_ok(f, base, special_bytes(w) >> (8 * (8 - rest))) {
            return false;
        }
    }
    !ASCII || high & HIGH == 0
}

/// Where the bytes that matter to the filter rules are in a string of 16 to 64 bytes: bit `i`
/// of each mask stands for byte `i`. Built 16 bytes at a time with SSE2 compares (part of every
/// x86-64 CPU); on other targets [`Masks::of`] gives `None` and the word scan above is used.
struct Masks {
    slash: u64,
    plus: u64,
    hash: u64,
    /// U+0000, and with `ASCII` also every byte of 0x80 and above.
    bad: u64,
}

impl Masks {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn of<const ASCII: bool>(b: &[u8]) -> Option<Self> {
        let n = b.len();
        if !(16..=64).contains(&n) {
            return None;
        }
        // Blocks at 0 and at n - 16 (overlapping when n is not a multiple of 16: a byte seen
        // twice sets the same bit), and for longer strings the ones in between.
        let mut m = Self::block::<ASCII>(b, 0);
        if n > 16 {
            m.or(&Self::block::<ASCII>(b, n - 16));
        }
        if n > 32 {
            m.or(&Self::block::<ASCII>(b, 16));
        }
        if n > 48 {
            m.or(&Self::block::<ASCII>(b, 32));
        }
        Some(m)
    }

    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline(always)]
    fn of<const ASCII: bool>(_: &[u8]) -> Option<Self> {
        None
    }

    /// The masks of `b[at..at + 16]`, placed at bit `at`.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn block<const ASCII: bool>(b: &[u8], at: usize) -> Self {
        let Some(Ok(block)) = b.get(at..at + 16).map(<&[u8; 16]>::try_from) else {
            // Not reached: callers pass at + 16 <= b.len(). A NUL flag makes it a refusal, and
            // the rule-by-rule check then decides.
            return Self {
                slash: 0,
                plus: 0,
                hash: 0,
                bad: 1,
            };
        };
        // SAFETY: this is compiled only when the build enables SSE2 (the `cfg` above; it is in
        // the x86-64 baseline), so every CPU the code runs on has the instructions.
        #[allow(unsafe_code)]
        let [slash, plus, hash, nul, high] = unsafe { sse2::block_masks(block) };
        let bad = if ASCII { nul | high } else { nul };
        Self {
            slash: u64::from(slash) << at,
            plus: u64::from(plus) << at,
            hash: u64::from(hash) << at,
            bad: u64::from(bad) << at,
        }
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn or(&mut self, other: &Self) {
        self.slash |= other.slash;
        self.plus |= other.plus;
        self.hash |= other.hash;
        self.bad |= other.bad;
    }

    /// The filter rules on the masks of an `n`-byte filter: no bad byte, each `+` with a `/`
    /// (or an end) on both sides, `#` only as the last byte and right after a `/`.
    #[inline(always)]
    fn filter_ok(&self, n: usize) -> bool {
        let last = 1u64 << (n - 1);
        let starts_level = (self.slash << 1) | 1;
        let ends_level = (self.slash >> 1) | last;
        self.bad == 0
            && self.plus & !(starts_level & ends_level) == 0
            && (self.hash == 0 || (self.hash == last && self.slash & (last >> 1) != 0))
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set_epi64x, _mm_set1_epi8,
    };

    /// One bit per byte of `block` equal to `x`.
    #[target_feature(enable = "sse2")]
    #[inline]
    fn eq(v: __m128i, x: u8) -> u32 {
        _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(x.cast_signed()))).cast_unsigned()
    }

    /// The `/`, `+`, `#`, U+0000 and non-ASCII masks of 16 bytes.
    #[target_feature(enable = "sse2")]
    #[inline]
    pub(super) fn block_masks(block: &[u8; 16]) -> [u32; 5] {
        let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = *block;
        let lo = i64::from_le_bytes([a, b, c, d, e, f, g, h]);
        let hi = i64::from_le_bytes([i, j, k, l, m, n, o, p]);
        let v = _mm_set_epi64x(hi, lo);
        [
            eq(v, b'/'),
            eq(v, b'+'),
            eq(v, b'#'),
            eq(v, 0),
            _mm_movemask_epi8(v).cast_unsigned(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{string::String, vec::Vec};

    /// Every length up to 80 with one special byte at every position (and none): the word,
    /// overlapping-word and block paths must agree with a byte-by-byte scan.
    #[test]
    fn nul_or_wildcard_scan_agrees_with_a_byte_loop() {
        for n in 0..80usize {
            let clean: Vec<u8> = b"abcdefghijklmnopqrstuvwxyz"
                .iter()
                .copied()
                .cycle()
                .take(n)
                .collect();
            assert!(!has_nul_or_wildcard(&clean), "clean, length {n}");
            assert!(!has_nul(&clean), "clean, length {n}");
            assert!(is_plain_ascii_name(&clean) && is_ascii_without_nul(&clean));
            for at in 0..n {
                for special in [0u8, b'+', b'#'] {
                    let mut v = clean.clone();
                    v[at] = special;
                    assert!(has_nul_or_wildcard(&v), "{special:#x} at {at} of {n}");
                    assert_eq!(has_nul(&v), special == 0, "{special:#x} at {at} of {n}");
                }
                // Every byte value at every position: the ASCII scans against their definitions.
                for x in 0u8..=255 {
                    let mut v = clean.clone();
                    v[at] = x;
                    let ascii = x < 0x80 && x != 0;
                    assert_eq!(is_ascii_without_nul(&v), ascii, "{x:#x} at {at} of {n}");
                    assert_eq!(
                        is_plain_ascii_name(&v),
                        ascii && x != b'+' && x != b'#',
                        "{x:#x} at {at} of {n}"
                    );
                }
                // Near misses of the zero-byte trick: bytes one off the patterns, and high bytes.
                for other in [1u8, b'*', b',', b'"', b'$', 0x80, 0xab, 0xff] {
                    let mut v = clean.clone();
                    v[at] = other;
                    assert!(!has_nul_or_wildcard(&v), "{other:#x} at {at} of {n}");
                    assert!(!has_nul(&v), "{other:#x} at {at} of {n}");
                }
            }
        }
    }

    /// Filters of every length up to 70 built from levels of plain text, `+`, `#` and broken
    /// wildcards, with a U+0000 anywhere: the block and tail paths agree with a level split.
    #[test]
    fn filter_scan_agrees_with_a_level_split() {
        let rules = |f: &[u8]| -> bool {
            if f.is_empty() || f.starts_with(b"$share/") || f.contains(&0) {
                return false;
            }
            let levels: Vec<&[u8]> = f.split(|&c| c == b'/').collect();
            levels.iter().enumerate().all(|(k, l)| {
                let plus = l.contains(&b'+');
                let hash = l.contains(&b'#');
                (!plus || *l == b"+") && (!hash || (*l == b"#" && k + 1 == levels.len()))
            })
        };
        let parts: [&[u8]; 9] = [
            b"abc",
            b"+",
            b"#",
            b"a+",
            b"#b",
            b"",
            b"sensor-12",
            b"x\0",
            "\u{e9}t\u{e9}".as_bytes(),
        ];
        let mut seed = 0x9e37_79b9u32;
        for _ in 0..50_000 {
            let mut f = Vec::new();
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let levels = 1 + (seed % 12) as usize;
            for k in 0..levels {
                if k > 0 {
                    f.push(b'/');
                }
                let pick = seed.rotate_left(3 * u32::try_from(k).unwrap()) as usize % parts.len();
                f.extend_from_slice(parts[pick]);
            }
            if seed.is_multiple_of(17) {
                let at = (seed as usize / 17) % f.len().max(1);
                if !f.is_empty() {
                    f[at] = 0;
                }
            }
            f.truncate(70);
            assert_eq!(
                plain_filter_is_valid(&f),
                rules(&f),
                "{:?}",
                String::from_utf8_lossy(&f)
            );
            assert_eq!(
                plain_ascii_filter_is_valid(&f),
                rules(&f) && f.is_ascii(),
                "{:?}",
                String::from_utf8_lossy(&f)
            );
            // The portable word scan on its own (what targets without SSE2 run for every
            // length), for the filters that reach it.
            if !f.is_empty() && !f.starts_with(b"$share/") {
                assert_eq!(filter_scan_words::<false>(&f), rules(&f));
                assert_eq!(filter_scan_words::<true>(&f), rules(&f) && f.is_ascii());
            }
        }
    }
}
