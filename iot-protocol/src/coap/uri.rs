//! `coap://` URIs to options and back (RFC 7252 §6.4 and §6.5).

use alloc::vec::Vec;
use core::fmt;

use super::error::UriError;

/// The scheme of a CoAP URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `coap` (UDP, default port 5683).
    Coap,
    /// `coaps` (DTLS, default port 5684).
    Coaps,
    /// `coap+tcp` (RFC 8323, default port 5683).
    CoapTcp,
    /// `coaps+tcp` (RFC 8323, default port 5684).
    CoapsTcp,
}

impl Scheme {
    /// The default port of the scheme (RFC 7252 §6.1, §6.2; RFC 8323 §8).
    pub const fn default_port(self) -> u16 {
        match self {
            Scheme::Coap | Scheme::CoapTcp => 5683,
            Scheme::Coaps | Scheme::CoapsTcp => 5684,
        }
    }
}

/// The host part of a URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host<'a> {
    /// A registered name (DNS name), still percent-encoded as written.
    Name(&'a str),
    /// An IPv4 address literal.
    Ipv4([u8; 4]),
    /// An IPv6 literal, without the brackets.
    Ipv6(&'a str),
}

/// A parsed absolute `coap://` URI, borrowing the input (RFC 7252 §6.4 steps 1-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoapUri<'a> {
    /// The scheme.
    pub scheme: Scheme,
    /// The host.
    pub host: Host<'a>,
    /// The port (the scheme's default when absent).
    pub port: u16,
    /// The path as written (percent-encoded, starting with `/` or empty).
    pub path: &'a str,
    /// The query as written, without the `?` (percent-encoded), if any.
    pub query: Option<&'a str>,
}

impl<'a> CoapUri<'a> {
    /// Parses an absolute URI. Fragments are refused (RFC 7252 §6.4 step 2).
    pub fn parse(uri: &'a str) -> Result<Self, UriError> {
        let (scheme_str, rest) = uri.split_once("://").ok_or(UriError::NotAbsolute)?;
        let scheme = if scheme_str.eq_ignore_ascii_case("coap") {
            Scheme::Coap
        } else if scheme_str.eq_ignore_ascii_case("coaps") {
            Scheme::Coaps
        } else if scheme_str.eq_ignore_ascii_case("coap+tcp") {
            Scheme::CoapTcp
        } else if scheme_str.eq_ignore_ascii_case("coaps+tcp") {
            Scheme::CoapsTcp
        } else {
            return Err(UriError::UnsupportedScheme);
        };
        if rest.contains('#') {
            return Err(UriError::Fragment);
        }
        let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(auth_end);
        if authority.contains('@') {
            // userinfo is not part of the coap scheme (RFC 7252 §6.1).
            return Err(UriError::InvalidHost);
        }
        let (host, port_str) = if let Some(after) = authority.strip_prefix('[') {
            let (h, r) = after.split_once(']').ok_or(UriError::InvalidHost)?;
            if h.is_empty()
                || !h
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            {
                return Err(UriError::InvalidHost);
            }
            let port = match r {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or(UriError::InvalidHost)?),
            };
            (Host::Ipv6(h), port)
        } else {
            let (h, p) = match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            };
            if h.is_empty() {
                return Err(UriError::NotAbsolute);
            }
            (parse_ipv4(h).map_or(Host::Name(h), Host::Ipv4), p)
        };
        let port = match port_str {
            None | Some("") => scheme.default_port(),
            Some(p) => {
                if !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(UriError::InvalidPort);
                }
                p.parse::<u16>().map_err(|_| UriError::InvalidPort)?
            }
        };
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        Ok(CoapUri {
            scheme,
            host,
            port,
            path,
            query,
        })
    }

    /// The Uri-Host value RFC 7252 §6.4 step 5 asks for: the host for a registered name
    /// (lowercased is up to the caller), `None` for IP literals.
    pub fn uri_host(&self) -> Option<&'a str> {
        match self.host {
            Host::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The decoded Uri-Path segments (RFC 7252 §6.4 step 8).
    pub fn path_segments(&self) -> Result<Vec<Vec<u8>>, UriError> {
        path_segments(self.path)
    }

    /// The decoded Uri-Query parts (RFC 7252 §6.4 step 9).
    pub fn query_parts(&self) -> Result<Vec<Vec<u8>>, UriError> {
        match self.query {
            Some(q) => query_parts(q),
            None => Ok(Vec::new()),
        }
    }
}

fn parse_ipv4(h: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = h.split('.');
    for o in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes one segment.
pub fn percent_decode(s: &str) -> Result<Vec<u8>, UriError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) else {
                return Err(UriError::InvalidPercentEncoding);
            };
            out.push((h << 4) | l);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

/// Splits a path (`/a/b`, `a/b`) into decoded Uri-Path values (RFC 7252 §6.4 step 8: a lone
/// `/` or an empty path gives no option). Segments `.` and `..` are refused (§5.10.1).
pub fn path_segments(path: &str) -> Result<Vec<Vec<u8>>, UriError> {
    let p = path.strip_prefix('/').unwrap_or(path);
    if p.is_empty() {
        return Ok(Vec::new());
    }
    p.split('/')
        .map(|seg| {
            let d = percent_decode(seg)?;
            if d.len() > 255 {
                return Err(UriError::SegmentTooLong);
            }
            if d == b"." || d == b".." {
                return Err(UriError::DotSegment);
            }
            Ok(d)
        })
        .collect()
}

/// Splits a query (without `?`) into decoded Uri-Query values (RFC 7252 §6.4 step 9).
pub fn query_parts(q: &str) -> Result<Vec<Vec<u8>>, UriError> {
    if q.is_empty() {
        return Ok(Vec::new());
    }
    q.split('&')
        .map(|part| {
            let d = percent_decode(part)?;
            if d.len() > 255 {
                return Err(UriError::SegmentTooLong);
            }
            Ok(d)
        })
        .collect()
}

/// Writes `seg` percent-encoding everything outside RFC 3986 `pchar` (and, for a query part,
/// `&`), as RFC 7252 §6.5 steps 8-9 ask.
pub fn write_percent_encoded<W: fmt::Write>(out: &mut W, seg: &[u8], query: bool) -> fmt::Result {
    for &b in seg {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            )
            || (query && matches!(b, b'/' | b'?'));
        if keep {
            out.write_char(char::from(b))?;
        } else {
            write!(out, "%{b:02X}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc_examples() {
        // RFC 7252 §6.3: these three are equivalent.
        let u = CoapUri::parse("coap://example.com:5683/~sensors/temp.xml").unwrap();
        assert_eq!(u.host, Host::Name("example.com"));
        assert_eq!(u.port, 5683);
        let segs = u.path_segments().unwrap();
        assert_eq!(segs, [b"~sensors".to_vec(), b"temp.xml".to_vec()]);
        let u = CoapUri::parse("coap://EXAMPLE.com/%7Esensors/temp.xml").unwrap();
        assert_eq!(u.path_segments().unwrap()[0], b"~sensors");
        let u = CoapUri::parse("coap://[2001:db8::2:1]/").unwrap();
        assert_eq!(u.host, Host::Ipv6("2001:db8::2:1"));
        assert!(u.path_segments().unwrap().is_empty());
        let u = CoapUri::parse("coaps://198.51.100.1:61616//%2F//?%2F%2F&?%26").unwrap();
        assert_eq!(u.host, Host::Ipv4([198, 51, 100, 1]));
        assert_eq!(u.port, 61616);
        // RFC 7252 §6.5 example: "", "/", "", "" and "//", "?&"
        assert_eq!(
            u.path_segments().unwrap(),
            [b"".to_vec(), b"/".to_vec(), b"".to_vec(), b"".to_vec()]
        );
        assert_eq!(u.query_parts().unwrap(), [b"//".to_vec(), b"?&".to_vec()]);
    }

    #[test]
    fn refuses_bad_uris() {
        assert_eq!(
            CoapUri::parse("http://a/"),
            Err(UriError::UnsupportedScheme)
        );
        assert_eq!(CoapUri::parse("coap://a/#x"), Err(UriError::Fragment));
        assert_eq!(
            CoapUri::parse("coap://a:99999/"),
            Err(UriError::InvalidPort)
        );
        assert_eq!(CoapUri::parse("/a/b"), Err(UriError::NotAbsolute));
        assert_eq!(CoapUri::parse("coap://[::1/"), Err(UriError::InvalidHost));
        assert_eq!(
            CoapUri::parse("coap://a/%zz"),
            Ok(CoapUri {
                scheme: Scheme::Coap,
                host: Host::Name("a"),
                port: 5683,
                path: "/%zz",
                query: None
            })
        );
        assert_eq!(path_segments("/%zz"), Err(UriError::InvalidPercentEncoding));
        assert_eq!(path_segments("/a/../b"), Err(UriError::DotSegment));
    }
}
