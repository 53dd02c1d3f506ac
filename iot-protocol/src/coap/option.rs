//! Option numbers, their definitions (RFC 7252 §5.10, RFC 7959, RFC 7641) and Content-Format
//! values (RFC 7252 §12.3).

use core::fmt;

/// A CoAP option number (RFC 7252 §5.4.6). Any `u16` is a valid number; the named constants are
/// the options this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OptionNumber(pub u16);

impl OptionNumber {
    /// If-Match (1), opaque 0-8, repeatable, critical.
    pub const IF_MATCH: Self = Self(1);
    /// Uri-Host (3), string 1-255, critical, unsafe.
    pub const URI_HOST: Self = Self(3);
    /// ETag (4), opaque 1-8, repeatable in requests.
    pub const ETAG: Self = Self(4);
    /// If-None-Match (5), empty, critical.
    pub const IF_NONE_MATCH: Self = Self(5);
    /// Observe (6), uint 0-3 (RFC 7641 §2).
    pub const OBSERVE: Self = Self(6);
    /// Uri-Port (7), uint 0-2, critical, unsafe.
    pub const URI_PORT: Self = Self(7);
    /// Location-Path (8), string 0-255, repeatable.
    pub const LOCATION_PATH: Self = Self(8);
    /// Uri-Path (11), string 0-255, repeatable, critical, unsafe.
    pub const URI_PATH: Self = Self(11);
    /// Content-Format (12), uint 0-2.
    pub const CONTENT_FORMAT: Self = Self(12);
    /// Max-Age (14), uint 0-4, unsafe.
    pub const MAX_AGE: Self = Self(14);
    /// Uri-Query (15), string 0-255, repeatable, critical, unsafe.
    pub const URI_QUERY: Self = Self(15);
    /// Accept (17), uint 0-2, critical.
    pub const ACCEPT: Self = Self(17);
    /// Location-Query (20), string 0-255, repeatable.
    pub const LOCATION_QUERY: Self = Self(20);
    /// Block2 (23), uint 0-3, critical, unsafe (RFC 7959 §2.1).
    pub const BLOCK2: Self = Self(23);
    /// Block1 (27), uint 0-3, critical, unsafe (RFC 7959 §2.1).
    pub const BLOCK1: Self = Self(27);
    /// Size2 (28), uint 0-4, no-cache-key (RFC 7959 §4).
    pub const SIZE2: Self = Self(28);
    /// Proxy-Uri (35), string 1-1034, critical, unsafe.
    pub const PROXY_URI: Self = Self(35);
    /// Proxy-Scheme (39), string 1-255, critical, unsafe.
    pub const PROXY_SCHEME: Self = Self(39);
    /// Size1 (60), uint 0-4, no-cache-key.
    pub const SIZE1: Self = Self(60);
    /// No-Response (258), uint 0-1 (RFC 7967).
    pub const NO_RESPONSE: Self = Self(258);
    /// Alibaba Cloud IoT auth token (2088) as sent by the Link SDK 4.x (`aiot_coap_api`).
    /// The older iotkit-embedded 3.x SDK used [`ALIBABA_AUTH_TOKEN_IOTKIT3`](Self::ALIBABA_AUTH_TOKEN_IOTKIT3).
    /// Kept as an opaque option.
    pub const ALIBABA_AUTH_TOKEN: Self = Self(2088);
    /// Alibaba Cloud IoT encrypted sequence number (2089), PSK mode. The number is odd, so the
    /// option is critical: a server that accepts Alibaba PSK devices must declare it as known
    /// (see `Config::set_known_options`), or RFC 7252 §5.4.1 makes it answer 4.02.
    pub const ALIBABA_SEQ: Self = Self(2089);
    /// The auth token number (61) of the iotkit-embedded 3.x SDK's `CoAPExport.h`.
    pub const ALIBABA_AUTH_TOKEN_IOTKIT3: Self = Self(61);

    /// Critical options must be understood by the recipient (RFC 7252 §5.4.6: odd numbers).
    #[inline]
    pub const fn is_critical(self) -> bool {
        self.0 & 1 == 1
    }

    /// Elective is the opposite of critical.
    #[inline]
    pub const fn is_elective(self) -> bool {
        !self.is_critical()
    }

    /// Unsafe-to-forward options (RFC 7252 §5.4.6: bit 1).
    #[inline]
    pub const fn is_unsafe(self) -> bool {
        self.0 & 2 == 2
    }

    /// NoCacheKey options (RFC 7252 §5.4.6: bits 1-4 equal 0b1110, only meaningful when safe).
    #[inline]
    pub const fn is_no_cache_key(self) -> bool {
        self.0 & 0x1e == 0x1c
    }

    /// The definition of a registered option, `None` for numbers this crate does not know.
    #[inline]
    pub const fn definition(self) -> Option<&'static OptionDef> {
        // A jump table instead of a search: this runs for every option the encoder writes.
        let i = match self.0 {
            1 => 0,
            3 => 1,
            4 => 2,
            5 => 3,
            6 => 4,
            7 => 5,
            8 => 6,
            11 => 7,
            12 => 8,
            14 => 9,
            15 => 10,
            17 => 11,
            20 => 12,
            23 => 13,
            27 => 14,
            28 => 15,
            35 => 16,
            39 => 17,
            60 => 18,
            258 => 19,
            _ => return None,
        };
        Some(&DEFINITIONS[i])
    }
}

impl fmt::Display for OptionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.definition() {
            Some(d) => write!(f, "{} ({})", self.0, d.name),
            None => write!(f, "{}", self.0),
        }
    }
}

impl From<u16> for OptionNumber {
    fn from(n: u16) -> Self {
        Self(n)
    }
}

/// The value format of an option (RFC 7252 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptionFormat {
    /// A zero-length value.
    Empty,
    /// An opaque byte sequence.
    Opaque,
    /// A non-negative integer in network byte order without leading zero bytes.
    Uint,
    /// A UTF-8 string (Net-Unicode, RFC 5198).
    String,
}

/// A registered option: format, length bounds and repeatability (RFC 7252 Table 4, RFC 7959
/// Table 1 and 3, RFC 7641 Table 1, RFC 7967).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionDef {
    /// The option number.
    pub number: OptionNumber,
    /// Its name in the registry.
    pub name: &'static str,
    /// Its value format.
    pub format: OptionFormat,
    /// Smallest value length in bytes.
    pub min_len: u16,
    /// Largest value length in bytes.
    pub max_len: u16,
    /// Whether it may occur more than once.
    pub repeatable: bool,
}

impl OptionDef {
    /// Whether `len` is within the definition's bounds (RFC 7252 §5.4.3).
    #[inline]
    pub const fn length_ok(&self, len: usize) -> bool {
        len >= self.min_len as usize && len <= self.max_len as usize
    }
}

const fn def(
    n: u16,
    name: &'static str,
    format: OptionFormat,
    min_len: u16,
    max_len: u16,
    repeatable: bool,
) -> OptionDef {
    OptionDef {
        number: OptionNumber(n),
        name,
        format,
        min_len,
        max_len,
        repeatable,
    }
}

use OptionFormat::{Empty, Opaque, String as Str, Uint};

/// The registered options this crate knows, sorted by number.
pub static DEFINITIONS: [OptionDef; 20] = [
    def(1, "If-Match", Opaque, 0, 8, true),
    def(3, "Uri-Host", Str, 1, 255, false),
    def(4, "ETag", Opaque, 1, 8, true),
    def(5, "If-None-Match", Empty, 0, 0, false),
    def(6, "Observe", Uint, 0, 3, false),
    def(7, "Uri-Port", Uint, 0, 2, false),
    def(8, "Location-Path", Str, 0, 255, true),
    def(11, "Uri-Path", Str, 0, 255, true),
    def(12, "Content-Format", Uint, 0, 2, false),
    def(14, "Max-Age", Uint, 0, 4, false),
    def(15, "Uri-Query", Str, 0, 255, true),
    def(17, "Accept", Uint, 0, 2, false),
    def(20, "Location-Query", Str, 0, 255, true),
    def(23, "Block2", Uint, 0, 3, false),
    def(27, "Block1", Uint, 0, 3, false),
    def(28, "Size2", Uint, 0, 4, false),
    def(35, "Proxy-Uri", Str, 1, 1034, false),
    def(39, "Proxy-Scheme", Str, 1, 255, false),
    def(60, "Size1", Uint, 0, 4, false),
    def(258, "No-Response", Uint, 0, 1, false),
];

/// A Content-Format identifier (RFC 7252 §12.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentFormat(pub u16);

impl ContentFormat {
    /// `text/plain; charset=utf-8`
    pub const TEXT_PLAIN: Self = Self(0);
    /// `application/link-format` (RFC 6690)
    pub const LINK_FORMAT: Self = Self(40);
    /// `application/xml`
    pub const XML: Self = Self(41);
    /// `application/octet-stream`
    pub const OCTET_STREAM: Self = Self(42);
    /// `application/exi`
    pub const EXI: Self = Self(47);
    /// `application/json` (Alibaba's Alink payloads)
    pub const JSON: Self = Self(50);
    /// `application/cbor`
    pub const CBOR: Self = Self(60);
    /// `application/senml+json` (RFC 8428)
    pub const SENML_JSON: Self = Self(110);
    /// `application/senml+cbor` (RFC 8428)
    pub const SENML_CBOR: Self = Self(112);

    /// The media type for the values above, `None` otherwise.
    pub const fn media_type(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "text/plain; charset=utf-8",
            40 => "application/link-format",
            41 => "application/xml",
            42 => "application/octet-stream",
            47 => "application/exi",
            50 => "application/json",
            60 => "application/cbor",
            110 => "application/senml+json",
            112 => "application/senml+cbor",
            _ => return None,
        })
    }
}

/// Decodes a uint option value (RFC 7252 §3.2): big-endian, up to 4 bytes; leading zero bytes are
/// tolerated on receipt. `None` when longer than 4 bytes.
#[inline]
pub fn decode_uint(value: &[u8]) -> Option<u32> {
    if value.len() > 4 {
        return None;
    }
    let mut v = 0u32;
    for &b in value {
        v = (v << 8) | u32::from(b);
    }
    Some(v)
}

/// Encodes a uint option value in the fewest bytes (0 is the empty value, RFC 7252 §3.2).
/// Returns the buffer and the number of leading bytes in use.
#[inline]
pub fn encode_uint(v: u32) -> ([u8; 4], usize) {
    let bytes = v.to_be_bytes();
    let skip = (v.leading_zeros() / 8) as usize;
    let mut out = [0u8; 4];
    let n = 4 - skip;
    out[..n].copy_from_slice(&bytes[skip..]);
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_bits_match_rfc_table() {
        // RFC 7252 Table 4: C and U columns, and the NoCacheKey column for Size1.
        assert!(OptionNumber::URI_PATH.is_critical() && OptionNumber::URI_PATH.is_unsafe());
        assert!(OptionNumber::ETAG.is_elective() && !OptionNumber::ETAG.is_unsafe());
        assert!(OptionNumber::SIZE1.is_no_cache_key());
        assert!(!OptionNumber::MAX_AGE.is_no_cache_key());
        assert!(OptionNumber::MAX_AGE.is_unsafe());
    }

    #[test]
    fn definitions_sorted_and_indexed() {
        for w in DEFINITIONS.windows(2) {
            assert!(w[0].number < w[1].number);
        }
        for d in &DEFINITIONS {
            assert_eq!(d.number.definition(), Some(d));
        }
        let known = (0..=u16::MAX)
            .filter(|n| OptionNumber(*n).definition().is_some())
            .count();
        assert_eq!(known, DEFINITIONS.len());
    }

    #[test]
    fn uint_round_trip() {
        for v in [0u32, 1, 255, 256, 65535, 65536, 0x00ff_ffff, u32::MAX] {
            let (b, n) = encode_uint(v);
            assert_eq!(decode_uint(&b[..n]), Some(v));
        }
        assert_eq!(encode_uint(0).1, 0);
        assert_eq!(decode_uint(&[0, 0, 1]), Some(1));
        assert_eq!(decode_uint(&[1, 2, 3, 4, 5]), None);
    }
}
