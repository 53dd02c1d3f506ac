//! Wall-clock time as an injected value.
//!
//! The crate never reads a clock: every operation that stamps metadata takes an [`EpochMillis`]
//! from the caller.

use core::fmt;

/// Milliseconds since the Unix epoch (1970-01-01T00:00:00Z), passed in by the caller.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct EpochMillis(pub u64);

impl EpochMillis {
    /// Whole seconds since the epoch, the unit AWS and Alibaba use in `timestamp` fields.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    /// The time `millis` later, saturating at the largest value.
    #[must_use]
    pub const fn saturating_add(self, millis: u64) -> Self {
        Self(self.0.saturating_add(millis))
    }

    /// Formats as ISO-8601 UTC with seven fractional digits, as Azure writes `$lastUpdated`
    /// (for example `2017-03-09T18:30:52.3160000Z`).
    #[must_use]
    pub fn to_azure_string(self) -> String {
        AzureTime(self).to_string()
    }
}

struct AzureTime(EpochMillis);

impl fmt::Display for AzureTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.0;
        let days = ms / 86_400_000;
        let rem = ms % 86_400_000;
        let (y, m, d) = civil_from_days(days);
        let (h, min, s, milli) = (
            rem / 3_600_000,
            rem / 60_000 % 60,
            rem / 1000 % 60,
            rem % 1000,
        );
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}0000Z"
        )
    }
}

/// Proleptic Gregorian date for a day count since 1970-01-01 (days are never negative here).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of a 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
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
    fn azure_format() {
        assert_eq!(
            EpochMillis(0).to_azure_string(),
            "1970-01-01T00:00:00.0000000Z"
        );
        // 2017-03-09T18:30:52.316Z, the date of the Azure twin export sample.
        assert_eq!(
            EpochMillis(1_489_084_252_316).to_azure_string(),
            "2017-03-09T18:30:52.3160000Z"
        );
        // A leap day.
        assert_eq!(
            EpochMillis(951_782_400_000).to_azure_string(),
            "2000-02-29T00:00:00.0000000Z"
        );
        assert_eq!(EpochMillis(1_469_564_492_999).as_secs(), 1_469_564_492);
    }
}
