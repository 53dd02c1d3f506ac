//! The HMAC core shared by every vendor signer: sign methods, the MAC tag, hex output and
//! constant-time comparison.
//!
//! Alibaba signs "content" built from request parameters sorted by name and concatenated as
//! `name` + `value` without separators; [`sign_params`] feeds such parameters straight into the
//! MAC without building the string, so signing does not allocate.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};

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

/// Builds an HMAC instance for any key length without a panicking path. HMAC accepts keys of
/// any length, so `new_from_slice` does not fail; should it ever, the key is reduced by hand
/// exactly as RFC 2104 §2 does (hash when longer than a block, zero-pad).
#[inline(always)]
fn keyed<D>(key: &[u8]) -> Hmac<D>
where
    D: hmac::EagerHash + sha2::Digest,
    Hmac<D>: KeyInit,
{
    if let Ok(mac) = <Hmac<D> as KeyInit>::new_from_slice(key) {
        return mac;
    }
    let mut block = hmac::digest::Key::<Hmac<D>>::default();
    if key.len() > block.len() {
        let h = D::digest(key);
        let n = h.len().min(block.len());
        block[..n].copy_from_slice(&h[..n]);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mac = <Hmac<D> as KeyInit>::new(&block);
    zeroize::Zeroize::zeroize(block.as_mut_slice());
    mac
}

/// Feeds `name` + `value` pairs into a MAC, piece by piece.
#[inline]
fn feed_params<M: Mac>(mac: &mut M, params: &[(&str, &str)]) {
    for (n, v) in params {
        mac.update(n.as_bytes());
        mac.update(v.as_bytes());
    }
}

/// Alibaba content assembled on the stack for one `update` call: constant names are copied
/// with fixed-length stores, values with one copy each, so signing makes far fewer calls than
/// feeding each piece to the MAC. Content longer than the buffer is flushed to the MAC in order,
/// so any length is handled.
struct Content<'m, M: Mac> {
    mac: &'m mut M,
    buf: [u8; CONTENT_BUF],
    len: usize,
}

const CONTENT_BUF: usize = 128;

impl<'m, M: Mac> Content<'m, M> {
    #[inline(always)]
    fn new(mac: &'m mut M) -> Self {
        Self {
            mac,
            buf: [0; CONTENT_BUF],
            len: 0,
        }
    }

    #[inline(always)]
    fn flush(&mut self) {
        self.mac.update(&self.buf[..self.len]);
        self.len = 0;
    }

    /// A parameter name: its length is a constant, so the copy is a few fixed stores.
    #[inline(always)]
    fn name<const N: usize>(&mut self, name: &[u8; N]) {
        if N > CONTENT_BUF - self.len {
            self.flush();
        }
        if let Some(dst) = self.buf.get_mut(self.len..self.len + N) {
            dst.copy_from_slice(name);
            self.len += N;
        } else {
            self.mac.update(name);
        }
    }

    /// A parameter value of any length.
    #[inline(always)]
    fn value(&mut self, v: &[u8]) {
        if v.len() > CONTENT_BUF - self.len {
            self.flush();
            if v.len() > CONTENT_BUF {
                self.mac.update(v);
                return;
            }
        }
        if let Some(dst) = self.buf.get_mut(self.len..self.len + v.len()) {
            copy_short(dst, v);
            self.len += v.len();
        }
    }
}

/// `dst.copy_from_slice(src)` for the short values of a content string, in fixed-size pieces
/// the compiler turns into plain moves (no call per value). `dst` and `src` have equal lengths.
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

/// Feeds the MQTT password content `clientId{cid}deviceName{dn}productKey{pk}[timestamp{ts}]`
/// (already in the vendors' sorted order) into `mac`.
#[inline(always)]
fn feed_mqtt<M: Mac>(mac: &mut M, cid: &str, dn: &str, pk: &str, ts: Option<&str>) {
    let mut c = Content::new(mac);
    c.name(b"clientId");
    c.value(cid.as_bytes());
    c.name(b"deviceName");
    c.value(dn.as_bytes());
    c.name(b"productKey");
    c.value(pk.as_bytes());
    if let Some(ts) = ts {
        c.name(b"timestamp");
        c.value(ts.as_bytes());
    }
    c.flush();
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
    #[inline(always)]
    fn run<D>(key: &[u8], cid: &str, dn: &str, pk: &str, ts: Option<&str>) -> Tag
    where
        D: hmac::EagerHash + sha2::Digest,
        Hmac<D>: KeyInit,
    {
        let mut mac = keyed::<D>(key);
        feed_mqtt(&mut mac, cid, dn, pk, ts);
        Tag::from_slice(&mac.finalize().into_bytes())
    }
    match method {
        SignMethod::HmacMd5 => run::<md5::Md5>(key, cid, dn, pk, ts),
        SignMethod::HmacSha1 => run::<sha1::Sha1>(key, cid, dn, pk, ts),
        SignMethod::HmacSha256 => run::<sha2::Sha256>(key, cid, dn, pk, ts),
    }
}

fn mac_parts<D>(key: &[u8], parts: &[&[u8]]) -> Tag
where
    D: hmac::EagerHash + sha2::Digest,
    Hmac<D>: KeyInit,
{
    let mut mac = keyed::<D>(key);
    for p in parts {
        Mac::update(&mut mac, p);
    }
    Tag::from_slice(&mac.finalize().into_bytes())
}

/// HMAC of the concatenation of `parts` under `key`.
pub fn hmac(method: SignMethod, key: &[u8], parts: &[&[u8]]) -> Tag {
    match method {
        SignMethod::HmacMd5 => mac_parts::<md5::Md5>(key, parts),
        SignMethod::HmacSha1 => mac_parts::<sha1::Sha1>(key, parts),
        SignMethod::HmacSha256 => mac_parts::<sha2::Sha256>(key, parts),
    }
}

/// HMAC of Alibaba "content": `params` (name, value) are fed as `name` + `value` in the order
/// given, which must already be sorted by name (the vendors' rule). Absent optional parameters
/// are simply left out of `params`.
pub fn sign_params(method: SignMethod, key: &[u8], params: &[(&str, &str)]) -> Tag {
    #[inline(always)]
    fn run<D>(key: &[u8], params: &[(&str, &str)]) -> Tag
    where
        D: hmac::EagerHash + sha2::Digest,
        Hmac<D>: KeyInit,
    {
        let mut mac = keyed::<D>(key);
        feed_params(&mut mac, params);
        Tag::from_slice(&mac.finalize().into_bytes())
    }
    match method {
        SignMethod::HmacMd5 => run::<md5::Md5>(key, params),
        SignMethod::HmacSha1 => run::<sha1::Sha1>(key, params),
        SignMethod::HmacSha256 => run::<sha2::Sha256>(key, params),
    }
}

/// A secret with its HMAC key schedule done once, for the three sign methods.
///
/// HMAC hashes `key ⊕ ipad` and `key ⊕ opad` before any content; a prepared key keeps those two
/// states, so each signature costs two compression calls fewer. Worth it wherever one secret
/// signs or verifies many times (a platform's credential cache, a device that reconnects).
/// The states are zeroized on drop; `Debug` never shows them.
#[derive(Clone)]
pub struct PreparedKey {
    md5: Hmac<md5::Md5>,
    sha1: Hmac<sha1::Sha1>,
    sha256: Hmac<sha2::Sha256>,
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
            md5: keyed(key),
            sha1: keyed(key),
            sha256: keyed(key),
        }
    }

    /// Same as [`sign_params`] with this key.
    pub fn sign_params(&self, method: SignMethod, params: &[(&str, &str)]) -> Tag {
        fn run<M: Mac + Clone>(m: &M, params: &[(&str, &str)]) -> Tag {
            let mut mac = m.clone();
            feed_params(&mut mac, params);
            Tag::from_slice(&mac.finalize().into_bytes())
        }
        match method {
            SignMethod::HmacMd5 => run(&self.md5, params),
            SignMethod::HmacSha1 => run(&self.sha1, params),
            SignMethod::HmacSha256 => run(&self.sha256, params),
        }
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
        fn run<M: Mac + Clone>(m: &M, cid: &str, dn: &str, pk: &str, ts: Option<&str>) -> Tag {
            let mut mac = m.clone();
            feed_mqtt(&mut mac, cid, dn, pk, ts);
            Tag::from_slice(&mac.finalize().into_bytes())
        }
        match method {
            SignMethod::HmacMd5 => run(&self.md5, cid, dn, pk, ts),
            SignMethod::HmacSha1 => run(&self.sha1, cid, dn, pk, ts),
            SignMethod::HmacSha256 => run(&self.sha256, cid, dn, pk, ts),
        }
    }

    /// Same as [`hmac()`] with this key.
    pub fn hmac(&self, method: SignMethod, parts: &[&[u8]]) -> Tag {
        fn run<M: Mac + Clone>(m: &M, parts: &[&[u8]]) -> Tag {
            let mut mac = m.clone();
            for p in parts {
                mac.update(p);
            }
            Tag::from_slice(&mac.finalize().into_bytes())
        }
        match method {
            SignMethod::HmacMd5 => run(&self.md5, parts),
            SignMethod::HmacSha1 => run(&self.sha1, parts),
            SignMethod::HmacSha256 => run(&self.sha256, parts),
        }
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
