//! Wall-clock instants as Unix epoch milliseconds, passed in by the caller.
//!
//! The crate never reads a clock. Expiry checks, retry backoff, campaign waits and device
//! timeouts all take a [`UnixMillis`] argument.

use crate::error::ManifestError;
use core::fmt;
use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z (UTC, leap seconds ignored, as POSIX does).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnixMillis(pub u64);

impl UnixMillis {
    /// `self + ms`, saturating at `u64::MAX`.
    #[must_use]
    pub const fn saturating_add(self, ms: u64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// Parses an RFC 3339 date-time in UTC (`2030-01-01T00:00:00Z`, optional fraction).
    ///
    /// Offsets other than `Z`/`+00:00` are accepted and applied. Dates before 1970 are refused.
    ///
    /// # Errors
    /// [`ManifestError::InvalidDateTime`] when the text is not RFC 3339.
    pub fn parse_rfc3339(text: &str) -> Result<Self, ManifestError> {
        parse_rfc3339(text).ok_or_else(|| ManifestError::InvalidDateTime(text.to_owned()))
    }

    /// Formats as RFC 3339 UTC with millisecond precision when it is not zero
    /// (`2030-01-01T00:00:00Z`, `2022-01-19T06:23:52.699Z`).
    #[must_use]
    pub fn to_rfc3339(self) -> String {
        let secs = self.0 / 1000;
        let millis = self.0 % 1000;
        let days = secs / 86_400;
        let rem = secs % 86_400;
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
        if millis == 0 {
            format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
        } else {
            format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{millis:03}Z")
        }
    }
}

impl fmt::Display for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

fn parse_rfc3339(text: &str) -> Option<UnixMillis> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0u64;
    if let Some((&b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        // Milliseconds: the first three fraction digits, the rest truncated.
        for i in 0..3 {
            millis = millis * 10
                + frac
                    .get(i)
                    .filter(|_| i < n)
                    .map_or(0, |&c| u64::from(c - b'0'));
        }
        rest = &frac[n..];
    }
    let offset_secs: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits(&[*h1, *h2])?;
            let om = digits(&[*m1, *m2])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = i64::try_from(oh * 3600 + om * 60).ok()?;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let local = days
        .checked_mul(86_400)?
        .checked_add(hour * 3600 + minute * 60 + second.min(59))?;
    let utc = i64::try_from(local).ok()?.checked_sub(offset_secs)?;
    let utc = u64::try_from(utc).ok()?;
    Some(UnixMillis(utc.checked_mul(1000)?.checked_add(millis)?))
}

const fn is_leap(y: u64) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

const fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (year ≥ 1970).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(
            UnixMillis::parse_rfc3339("1970-01-01T00:00:00Z").unwrap(),
            UnixMillis(0)
        );
        assert_eq!(
            UnixMillis::parse_rfc3339("2030-01-01T00:00:00Z").unwrap(),
            UnixMillis(1_893_456_000_000)
        );
        assert_eq!(
            UnixMillis::parse_rfc3339("2022-01-19T06:23:52.6996916Z").unwrap(),
            UnixMillis(1_642_573_432_699)
        );
        assert_eq!(
            UnixMillis::parse_rfc3339("2022-01-19T08:23:52+02:00").unwrap(),
            UnixMillis(1_642_573_432_000)
        );
        assert_eq!(
            UnixMillis(1_642_573_432_699).to_rfc3339(),
            "2022-01-19T06:23:52.699Z"
        );
        for bad in [
            "",
            "2022-13-01T00:00:00Z",
            "2021-02-29T00:00:00Z",
            "2022-01-19 06:23:52Z",
            "2022-01-19T06:23:52",
        ] {
            assert!(UnixMillis::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
