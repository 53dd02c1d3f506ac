//! Firmware version strings and the ordering rule each product uses.
//!
//! Vendors carry versions as free-form strings (`"2.0.0"`, `"1.0"`, `"V1.2.3.4"`,
//! `"build-20240102"`). The ordering rule is a property of the product, not of the string, so a
//! [`VersionScheme`] travels with the manifest. The version is what an operator sees; rollback
//! protection uses the manifest's sequence number instead (RFC 9124 REQ.SEC.SEQUENCE), so that an
//! operator can roll a fleet *back* to an old version by publishing a new manifest for it.

use crate::error::VersionError;
use core::cmp::Ordering;
use serde::{Deserialize, Serialize};

/// How two version strings of a product are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum VersionScheme {
    /// Semantic Versioning 2.0.0 precedence (`1.0.0-alpha < 1.0.0`, build metadata ignored).
    #[default]
    Semver,
    /// Dot-separated unsigned integers of any count (`1.0` = `1.0.0` < `1.0.0.1`), with an optional
    /// leading `v`/`V` — the form Alibaba and Azure examples use.
    Dotted,
    /// No order at all: only equality is defined. Downgrade checks are skipped; rollback
    /// protection still applies through the sequence number.
    Opaque,
}

impl VersionScheme {
    /// The scheme's name as used in manifests and error messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Semver => "semver",
            Self::Dotted => "dotted",
            Self::Opaque => "opaque",
        }
    }

    /// Checks that `version` is well-formed under this scheme.
    ///
    /// # Errors
    /// [`VersionError::Invalid`] when it is not.
    pub fn validate(self, version: &str) -> Result<(), VersionError> {
        match self {
            Self::Semver => parse_semver(version).map(|_| ()),
            Self::Dotted => parse_dotted(version).map(|_| ()),
            Self::Opaque if version.is_empty() => Err(invalid(version, self)),
            Self::Opaque => Ok(()),
        }
    }

    /// Orders two versions.
    ///
    /// # Errors
    /// [`VersionError::Invalid`] when one is malformed, [`VersionError::Unordered`] for two
    /// different opaque versions.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        match self {
            Self::Semver => Ok(cmp_semver(&parse_semver(a)?, &parse_semver(b)?)),
            Self::Dotted => {
                let (x, y) = (parse_dotted(a)?, parse_dotted(b)?);
                let n = x.len().max(y.len());
                let get = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
                Ok((0..n)
                    .map(|i| get(&x, i).cmp(&get(&y, i)))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal))
            }
            Self::Opaque if a == b => Ok(Ordering::Equal),
            Self::Opaque => Err(VersionError::Unordered(a.to_owned(), b.to_owned())),
        }
    }
}

fn invalid(version: &str, scheme: VersionScheme) -> VersionError {
    VersionError::Invalid {
        version: version.to_owned(),
        scheme: scheme.name(),
    }
}

fn numeric(part: &str) -> Option<u64> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn parse_dotted(v: &str) -> Result<Vec<u64>, VersionError> {
    let body = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if body.is_empty() || body.len() > 64 {
        return Err(invalid(v, VersionScheme::Dotted));
    }
    body.split('.')
        .map(numeric)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| invalid(v, VersionScheme::Dotted))
}

struct Semver<'a> {
    core: [u64; 3],
    pre: Vec<&'a str>,
}

fn parse_semver(v: &str) -> Result<Semver<'_>, VersionError> {
    let err = || invalid(v, VersionScheme::Semver);
    let ident_ok =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    if let Some(b) = build
        && !b.split('.').all(ident_ok)
    {
        return Err(err());
    }
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let mut nums = [0u64; 3];
    let mut parts = core.split('.');
    for slot in &mut nums {
        let p = parts.next().ok_or_else(err)?;
        // SemVer §2: no leading zeroes in numeric identifiers.
        if p.len() > 1 && p.starts_with('0') {
            return Err(err());
        }
        *slot = numeric(p).ok_or_else(err)?;
    }
    if parts.next().is_some() {
        return Err(err());
    }
    let pre: Vec<&str> = match pre {
        Some(p) => {
            let ids: Vec<&str> = p.split('.').collect();
            for id in &ids {
                if !ident_ok(id)
                    || (id.len() > 1
                        && id.starts_with('0')
                        && id.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(err());
                }
            }
            ids
        }
        None => Vec::new(),
    };
    Ok(Semver { core: nums, pre })
}

fn cmp_semver(a: &Semver<'_>, b: &Semver<'_>) -> Ordering {
    a.core
        .cmp(&b.core)
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (x, y) in a.pre.iter().zip(&b.pre) {
                    let o = match (numeric(x), numeric(y)) {
                        (Some(m), Some(n)) => m.cmp(&n),
                        (Some(_), None) => Ordering::Less,
                        (None, Some(_)) => Ordering::Greater,
                        (None, None) => x.cmp(y),
                    };
                    if o.is_ne() {
                        return o;
                    }
                }
                a.pre.len().cmp(&b.pre.len())
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_precedence_chain() {
        // The precedence example of SemVer 2.0.0 §11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                VersionScheme::Semver.compare(w[0], w[1]).unwrap(),
                Ordering::Less,
                "{w:?}"
            );
        }
        assert_eq!(
            VersionScheme::Semver.compare("1.0.0+a", "1.0.0+b").unwrap(),
            Ordering::Equal
        );
        for bad in ["1.0", "01.0.0", "1.0.0-", "1.0.0-01", "a.b.c", "1.0.0.0"] {
            assert!(VersionScheme::Semver.validate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dotted_and_opaque() {
        let d = VersionScheme::Dotted;
        assert_eq!(d.compare("1.0", "1.0.0").unwrap(), Ordering::Equal);
        assert_eq!(d.compare("V1.2.10", "1.2.9").unwrap(), Ordering::Greater);
        assert!(d.validate("1..2").is_err());
        assert_eq!(
            VersionScheme::Opaque.compare("x", "x").unwrap(),
            Ordering::Equal
        );
        assert!(VersionScheme::Opaque.compare("x", "y").is_err());
    }
}
