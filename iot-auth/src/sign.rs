//! The HMAC core shared by every vendor signer: sign methods, the MAC tag, hex output and
//! constant-time comparison.
//!
//! Alibaba signs "content" built from request parameters sorted by name and concatenated as
//! `name` + `value` without separators; [`sign_params`] feeds such parameters straight into the
//! MAC without building the string, so signing does not allocate.
//!
//! HMAC (RFC 2104) is implemented once in this crate, for all three methods, directly on the
//! compression functions of the RustCrypto `md-5`, `sha1` and `sha2` crates: content goes
//! straight into the block buffer the compression function reads, and signing the 87-byte
//! content of an MQTT password takes five compressions in four calls. The tests check it
//! against every test case of RFC 2202 and RFC 4231 and against the `hmac` crate for keys and
//! content of every length up to several blocks.

use core::fmt;

use crate::mac::{self, BlockHash, KeyStates, Mac};

/// An HMAC sign method (`signmethod` / `signMethod` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignMethod {
    /// HMAC-MD5 (`hmacmd5`), 16-byte tag. The 2018 documentation's default.
    HmacMd5,
    /// HMAC-SHA1 (`hmacsha1`), 20-byte tag.
    HmacSha1,
    /// HMAC-SHA256 (`hmacsha256`), 32-byte tag. What the current SDKs send.
    HmacSha256,
}

impl SignMethod {
    /// All methods, weakest first.
    pub const ALL: [SignMethod; 3] = [Self::HmacMd5, Self::HmacSha1, Self::HmacSha256];

    /// The lowercase wire name (`hmacmd5`, `hmacsha1`, `hmacsha256`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::HmacMd5 => "hmacmd5",
            Self::HmacSha1 => "hmacsha1",
            Self::HmacSha256 => "hmacsha256",
        }
    }

    /// Parses a wire name, ASCII case-insensitively (the registration documentation writes
    /// `HmacMD5`, the C SDK's sub-device login `hmacSha1`).
    pub fn from_name(name: &str) -> Option<Self> {
        // The exact spelling the SDKs send first, then any case.
        if name == "hmacsha256" {
            return Some(Self::HmacSha256);
        }
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }

    /// The tag length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::HmacMd5 => 16,
            Self::HmacSha1 => 20,
            Self::HmacSha256 => 32,
        }
    }
}

impl fmt::Display for SignMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hex digit case for signatures put on the wire.
///
/// Alibaba's C SDKs emit uppercase, its Node and Python SDKs lowercase; verification in this
/// crate accepts both. This crate emits lowercase unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HexCase {
    /// `0-9a-f` (default).
    #[default]
    Lower,
    /// `0-9A-F`, as the C SDKs print.
    Upper,
}

/// A MAC tag (up to 32 bytes). Compared in constant time.
#[derive(Clone, Copy)]
pub struct Tag {
    bytes: [u8; 32],
    len: u8,
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.to_hex(HexCase::Lower))
    }
}

impl PartialEq for Tag {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq_bytes(other.as_bytes())
    }
}

impl Eq for Tag {}

impl Tag {
    #[cfg(test)]
    fn from_slice(s: &[u8]) -> Self {
        let mut bytes = [0u8; 32];
        let n = s.len().min(32);
        bytes[..n].copy_from_slice(&s[..n]);
        Self {
            bytes,
            len: u8::try_from(n).unwrap_or(32),
        }
    }

    /// The raw tag.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Hex text of the tag.
    ///
    /// Digits are computed arithmetically rather than looked up in a table, so the memory
    /// access pattern does not depend on the (secret until sent) tag, and the fixed 32-byte
    /// loop vectorizes.
    pub fn to_hex(&self, case: HexCase) -> HexTag {
        // Distance from `'0' + 10` to the first letter digit.
        let alpha = match case {
            HexCase::Lower => b'a' - b'0' - 10,
            HexCase::Upper => b'A' - b'0' - 10,
        };
        // `n` < 16: `'0' + n`, plus `alpha` when `n` > 9 (`9 - n` then wraps and its top bit
        // is set), without a branch.
        let digit = |n: u8| -> u8 {
            let letter = 0u8.wrapping_sub(9u8.wrapping_sub(n) >> 7);
            b'0' + n + (letter & alpha)
        };
        // All 32 bytes (unused ones are zero); only the first `2 * len` digits are exposed.
        let mut buf = [0u8; 64];
        for i in 0..32 {
            let b = self.bytes[i];
            buf[2 * i] = digit(b >> 4);
            buf[2 * i + 1] = digit(b & 0x0f);
        }
        HexTag {
            buf,
            len: self.len * 2,
        }
    }

    /// Constant-time comparison with raw bytes (false when the lengths differ).
    pub fn ct_eq_bytes(&self, other: &[u8]) -> bool {
        ct_eq(self.as_bytes(), other)
    }

    /// Compares with hex text, accepting either case. `None` when `hex` is not hex of this
    /// tag's length (so callers can report a malformed signature rather than a mismatch);
    /// otherwise the comparison result, in time independent of where the digits differ.
    pub fn ct_eq_hex(&self, hex: &[u8]) -> Option<bool> {
        let n = 2 * usize::from(self.len);
        if hex.len() != n {
            return None;
        }
        // Compare with the expected lowercase digits: `c | 0x20` leaves digits as they are and
        // lowercases `A-F`, so one branch-free pass both validates and compares.
        let expected = self.to_hex(HexCase::Lower);
        let mut bad = 0u8;
        let mut diff = 0u8;
        for (&c, &e) in hex.iter().zip(&expected.buf[..n]) {
            let lower = c | 0x20;
            let is_digit = c.wrapping_sub(b'0') < 10;
            let is_letter = lower.wrapping_sub(b'a') < 6;
            bad |= u8::from(!(is_digit | is_letter));
            diff |= lower ^ e;
        }
        if bad != 0 {
            return None;
        }
        Some(core::hint::black_box(diff) == 0)
    }
}

/// Decodes hex (either case) into `out`; `None` for odd length, non-hex or overflow.
pub(crate) fn decode_hex(hex: &[u8], out: &mut [u8]) -> Option<usize> {
    if !hex.len().is_multiple_of(2) || hex.len() / 2 > out.len() {
        return None;
    }
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(hex.len() / 2)
}

/// Hex text of a [`Tag`], on the stack.
#[derive(Clone, Copy)]
pub struct HexTag {
    buf: [u8; 64],
    len: u8,
}

impl HexTag {
    /// The hex text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        core::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Display for HexTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for HexTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Evaluates `$body` with the type alias `$h` naming the hash of `method`.
macro_rules! with_method {
    ($method:expr, |$h:ident| $body:expr) => {
        match $method {
            SignMethod::HmacMd5 => {
                type $h = mac::Md5;
                $body
            }
            SignMethod::HmacSha1 => {
                type $h = mac::Sha1;
                $body
            }
            SignMethod::HmacSha256 => {
                type $h = mac::Sha256;
                $body
            }
        }
    };
}

/// Finishes a MAC into a [`Tag`].
#[inline(always)]
fn finish<H: BlockHash>(m: Mac<'_, '_, H>) -> Tag {
    Tag {
        bytes: m.finish(),
        // 16, 20 or 32 (a constant per hash).
        len: u8::try_from(4 * H::WORDS).unwrap_or(32),
    }
}

/// Feeds `name` + `value` pairs into a MAC.
#[inline(always)]
fn feed_params<H: BlockHash>(m: &mut Mac<'_, '_, H>, params: &[(&str, &str)]) {
    for (n, v) in params {
        m.write(n.as_bytes());
        m.write(v.as_bytes());
    }
}

/// Feeds the MQTT password content `clientId{cid}deviceName{dn}productKey{pk}[timestamp{ts}]`
/// (already in the vendors' sorted order): the constant names as fixed-size stores, the values
/// as short copies, all straight into the hash's block buffer.
#[inline(always)]
fn feed_mqtt<H: BlockHash>(
    m: &mut Mac<'_, '_, H>,
    cid: &str,
    dn: &str,
    pk: &str,
    ts: Option<&str>,
) {
    m.write_array(b"clientId");
    m.write(cid.as_bytes());
    m.write_array(b"deviceName");
    m.write(dn.as_bytes());
    m.write_array(b"productKey");
    m.write(pk.as_bytes());
    if let Some(ts) = ts {
        m.write_array(b"timestamp");
        m.write(ts.as_bytes());
    }
}

/// The Alibaba MQTT password tag: HMAC over
/// `clientId{cid}deviceName{dn}productKey{pk}[timestamp{ts}]`, equal to [`sign_params`] with
/// those four parameters, without building the string.
pub(crate) fn sign_mqtt_content(
    method: SignMethod,
    key: &[u8],
    cid: &str,
    dn: &str,
    pk: &str,
    ts: Option<&str>,
) -> Tag {
    with_method!(method, |H| {
        let mut buf = mac::Buffer::new();
        let mut m = Mac::<H>::new(key, &mut buf);
        feed_mqtt(&mut m, cid, dn, pk, ts);
        finish(m)
    })
}

/// HMAC of the concatenation of `parts` under `key`.
pub fn hmac(method: SignMethod, key: &[u8], parts: &[&[u8]]) -> Tag {
    with_method!(method, |H| {
        let mut buf = mac::Buffer::new();
        let mut m = Mac::<H>::new(key, &mut buf);
        for p in parts {
            m.write(p);
        }
        finish(m)
    })
}

/// HMAC of Alibaba "content": `params` (name, value) are fed as `name` + `value` in the order
/// given, which must already be sorted by name (the vendors' rule). Absent optional parameters
/// are simply left out of `params`.
pub fn sign_params(method: SignMethod, key: &[u8], params: &[(&str, &str)]) -> Tag {
    with_method!(method, |H| {
        let mut buf = mac::Buffer::new();
        let mut m = Mac::<H>::new(key, &mut buf);
        feed_params(&mut m, params);
        finish(m)
    })
}

/// A secret with its HMAC key schedule done once, for the three sign methods.
///
/// HMAC hashes `key ⊕ ipad` and `key ⊕ opad` before any content; a prepared key keeps the two
/// resulting hash states per method, so each signature costs two compressions fewer. Worth it
/// wherever one secret signs or verifies many times (a platform's credential cache, a device
/// that reconnects). The states are zeroized on drop; `Debug` never shows them.
#[derive(Clone)]
pub struct PreparedKey {
    md5: KeyStates<mac::Md5>,
    sha1: KeyStates<mac::Sha1>,
    sha256: KeyStates<mac::Sha256>,
}

impl fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PreparedKey(<redacted>)")
    }
}

impl PreparedKey {
    /// Runs the key schedule of `key` for MD5, SHA-1 and SHA-256.
    pub fn new(key: &[u8]) -> Self {
        Self {
            md5: KeyStates::new(key),
            sha1: KeyStates::new(key),
            sha256: KeyStates::new(key),
        }
    }

    /// A MAC computation of `method` with this key.
    #[inline(always)]
    fn with<R>(
        &self,
        method: SignMethod,
        md5: impl FnOnce(Mac<'static, '_, mac::Md5>) -> R,
        sha1: impl FnOnce(Mac<'static, '_, mac::Sha1>) -> R,
        sha256: impl FnOnce(Mac<'static, '_, mac::Sha256>) -> R,
    ) -> R {
        let mut buf = mac::Buffer::new();
        match method {
            SignMethod::HmacMd5 => md5(self.md5.start(&mut buf)),
            SignMethod::HmacSha1 => sha1(self.sha1.start(&mut buf)),
            SignMethod::HmacSha256 => sha256(self.sha256.start(&mut buf)),
        }
    }

    /// Same as [`sign_params`] with this key.
    pub fn sign_params(&self, method: SignMethod, params: &[(&str, &str)]) -> Tag {
        fn run<H: BlockHash>(mut m: Mac<'_, '_, H>, params: &[(&str, &str)]) -> Tag {
            feed_params(&mut m, params);
            finish(m)
        }
        self.with(
            method,
            |m| run(m, params),
            |m| run(m, params),
            |m| run(m, params),
        )
    }

    /// The MQTT password tag with this key (see `sign_mqtt_content`).
    pub(crate) fn sign_mqtt_content(
        &self,
        method: SignMethod,
        cid: &str,
        dn: &str,
        pk: &str,
        ts: Option<&str>,
    ) -> Tag {
        #[inline(always)]
        fn run<H: BlockHash>(
            mut m: Mac<'_, '_, H>,
            cid: &str,
            dn: &str,
            pk: &str,
            ts: Option<&str>,
        ) -> Tag {
            feed_mqtt(&mut m, cid, dn, pk, ts);
            finish(m)
        }
        self.with(
            method,
            |m| run(m, cid, dn, pk, ts),
            |m| run(m, cid, dn, pk, ts),
            |m| run(m, cid, dn, pk, ts),
        )
    }

    /// Same as [`hmac()`] with this key.
    pub fn hmac(&self, method: SignMethod, parts: &[&[u8]]) -> Tag {
        fn run<H: BlockHash>(mut m: Mac<'_, '_, H>, parts: &[&[u8]]) -> Tag {
            for p in parts {
                m.write(p);
            }
            finish(m)
        }
        self.with(
            method,
            |m| run(m, parts),
            |m| run(m, parts),
            |m| run(m, parts),
        )
    }
}

/// Compares two byte strings in time that depends only on their lengths (for tags and
/// tokens): the XOR of every byte pair is accumulated and tested once at the end.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    core::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn rfc2202_and_rfc4231() {
        // RFC 2202 test case 2 (MD5, SHA-1) and RFC 4231 test case 2 (SHA-256): key "Jefe".
        let msg: &[&[u8]] = &[b"what do ya want ", b"for nothing?"];
        assert_eq!(
            hmac(SignMethod::HmacMd5, b"Jefe", msg)
                .to_hex(HexCase::Lower)
                .as_str(),
            "750c783e6ab0b503eaa86e310a5db738"
        );
        assert_eq!(
            hmac(SignMethod::HmacSha1, b"Jefe", msg)
                .to_hex(HexCase::Lower)
                .as_str(),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hmac(SignMethod::HmacSha256, b"Jefe", msg)
                .to_hex(HexCase::Lower)
                .as_str(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 4231 test case 6: 131-byte key (longer than a block).
        let key = [0xaau8; 131];
        assert_eq!(
            hmac(
                SignMethod::HmacSha256,
                &key,
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )
            .to_hex(HexCase::Lower)
            .as_str(),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn prepared_equals_plain() {
        for key in [&b"Jefe"[..], &[0xaa; 131][..], b""] {
            let p = PreparedKey::new(key);
            for m in SignMethod::ALL {
                let params = [("a", "1"), ("b", "xyz")];
                assert_eq!(p.sign_params(m, &params), sign_params(m, key, &params));
                assert_eq!(p.hmac(m, &[b"a1", b"bxyz"]), sign_params(m, key, &params));
            }
        }
    }

    #[test]
    fn hex_digits_match_a_table() {
        for len in [16usize, 20, 32] {
            for seed in 0u8..=255 {
                let raw: Vec<u8> = (0..len)
                    .map(|i| {
                        seed.wrapping_mul(31)
                            .wrapping_add(u8::try_from(i).unwrap().wrapping_mul(37))
                    })
                    .collect();
                let t = Tag::from_slice(&raw);
                let lower: String = raw.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(t.to_hex(HexCase::Lower).as_str(), lower);
                assert_eq!(
                    t.to_hex(HexCase::Upper).as_str(),
                    lower.to_ascii_uppercase()
                );
                assert_eq!(t.ct_eq_hex(lower.as_bytes()), Some(true));
                assert_eq!(
                    t.ct_eq_hex(lower.to_ascii_uppercase().as_bytes()),
                    Some(true)
                );
            }
        }
    }

    #[test]
    fn hex_compare_rejects_every_non_digit_and_every_wrong_digit() {
        let t = hmac(SignMethod::HmacSha256, b"k", &[b"m"]);
        let good = t.to_hex(HexCase::Lower).as_str().as_bytes().to_vec();
        for pos in [0, 1, 31, 63] {
            for c in 0u8..=255 {
                let mut h = good.clone();
                h[pos] = c;
                let expect = if !c.is_ascii_hexdigit() {
                    None
                } else {
                    Some(c.to_ascii_lowercase() == good[pos])
                };
                assert_eq!(t.ct_eq_hex(&h), expect, "byte {c:#04x} at {pos}");
            }
        }
    }

    #[test]
    fn mqtt_content_equals_sorted_params() {
        let long = "x".repeat(300);
        let cases: [(&str, &str, &str, Option<&str>); 4] = [
            (
                "a1X2bEnP82z.example1",
                "example1",
                "a1X2bEnP82z",
                Some("2524608000000"),
            ),
            ("c", "d", "p", None),
            (&long, "dn", "pk", Some("1")),
            ("", &long[..120], &long[..7], Some(&long[..60])),
        ];
        for key in [&b"ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe"[..], &[0xaa; 131][..]] {
            let prepared = PreparedKey::new(key);
            for (cid, dn, pk, ts) in cases {
                let mut params = vec![("clientId", cid), ("deviceName", dn), ("productKey", pk)];
                if let Some(ts) = ts {
                    params.push(("timestamp", ts));
                }
                for m in SignMethod::ALL {
                    let want = sign_params(m, key, &params);
                    assert_eq!(sign_mqtt_content(m, key, cid, dn, pk, ts), want);
                    assert_eq!(prepared.sign_mqtt_content(m, cid, dn, pk, ts), want);
                }
            }
        }
    }

    #[test]
    fn hex_compare() {
        let t = hmac(SignMethod::HmacSha1, b"k", &[b"m"]);
        let lower = t.to_hex(HexCase::Lower);
        let upper = t.to_hex(HexCase::Upper);
        assert_eq!(t.ct_eq_hex(lower.as_str().as_bytes()), Some(true));
        assert_eq!(t.ct_eq_hex(upper.as_str().as_bytes()), Some(true));
        assert_eq!(t.ct_eq_hex(b"00"), None);
        assert_eq!(t.ct_eq_hex(b"zz"), None);
        assert_eq!(SignMethod::from_name("HmacMD5"), Some(SignMethod::HmacMd5));
        assert_eq!(SignMethod::from_name("sha256"), None);
    }
}
