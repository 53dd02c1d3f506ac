//! Fast scans for topic validation: they settle the common, valid case in one pass over the
//! bytes, and leave every doubtful input and every error to the rule-by-rule checks in
//! [`super`], which name the rule broken. Property tests check that both agree.

/// Whether `b` holds U+0000, `+` or `#`: sixteen-byte blocks without early exit inside a
/// block (the compiler turns them into vector compares), then one eight-byte word tested with
/// the classic zero-byte trick, then the last bytes.
#[inline]
pub(crate) fn has_nul_or_wildcard(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut blocks = b.chunks_exact(16);
    for c in &mut blocks {
        let mut hit = false;
        for &x in c {
            hit |= (x == 0) | (x == b'+') | (x == b'#');
        }
        if hit {
            return true;
        }
    }
    let mut words = blocks.remainder().chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if zero_byte(x)
            | zero_byte(x ^ (LO * u64::from(b'+')))
            | zero_byte(x ^ (LO * u64::from(b'#')))
            != 0
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&x| x == 0 || x == b'+' || x == b'#')
}

/// Bit `j` is set when `block[j]` is U+0000, `+` or `#` (a fixed-size block without early
/// exit: it compiles to vector compares and a mask extraction).
#[inline]
fn special_mask(block: &[u8; 32]) -> u32 {
    let mut mask = 0u32;
    for (j, &x) in block.iter().enumerate() {
        mask |= u32::from((x == 0) | (x == b'+') | (x == b'#')) << j;
    }
    mask
}

/// `true` only for a non-empty filter of at most 65 535 bytes, without U+0000, not starting
/// with `$share/`, whose `+` fill whole levels and whose `#` is alone in the last level.
/// Only the positions of `+`, `#` and U+0000 are looked at, found 32 bytes at a time.
#[inline]
pub(super) fn plain_filter_is_valid(f: &[u8]) -> bool {
    if f.is_empty() || f.len() > usize::from(u16::MAX) || f.starts_with(b"$share/") {
        return false;
    }
    for (n, block) in f.chunks(32).enumerate() {
        let mut padded = [b'a'; 32];
        padded[..block.len()].copy_from_slice(block);
        let mut mask = special_mask(&padded);
        while mask != 0 {
            let i = n * 32 + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let starts_level = i == 0 || f[i - 1] == b'/';
            let ok = match f[i] {
                b'+' => starts_level && f.get(i + 1).is_none_or(|&c| c == b'/'),
                b'#' => starts_level && i + 1 == f.len(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}
