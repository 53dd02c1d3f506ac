//! Wall-clock time as passed in by the caller: nothing in this crate reads a clock.

use core::fmt;

/// A wall-clock instant in Unix epoch milliseconds, supplied by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixMillis(pub u64);

impl UnixMillis {
    /// From Unix seconds (saturating).
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(1000))
    }

    /// Whole Unix seconds.
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    /// The absolute distance to `other` in milliseconds.
    pub const fn abs_diff(self, other: Self) -> u64 {
        self.0.abs_diff(other.0)
    }
}

impl fmt::Display for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0)
    }
}
