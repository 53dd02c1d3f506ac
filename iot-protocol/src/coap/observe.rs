//! Observe (RFC 7641): registration values, 24-bit sequence numbers and the freshness rule.

use core::time::Duration;

use super::time::Time;

/// Observe option value 0 in a GET: register (RFC 7641 §2).
pub const REGISTER: u32 = 0;
/// Observe option value 1 in a GET: deregister (RFC 7641 §2).
pub const DEREGISTER: u32 = 1;
/// Sequence numbers are 24 bits (RFC 7641 §4.4).
pub const SEQ_MODULUS: u32 = 1 << 24;
/// RFC 7641 §3.4: a notification arriving more than 128 seconds after the previous one is fresh
/// whatever its number.
pub const FRESHNESS_WINDOW: Duration = Duration::from_secs(128);

/// Whether a notification (`v2`, received at `t2`) is newer than the last one accepted (`v1`,
/// received at `t1`): RFC 7641 §3.4,
///
/// `(V1 < V2 and V2 - V1 < 2^23) or (V1 > V2 and V1 - V2 > 2^23) or (T2 > T1 + 128 seconds)`.
pub fn is_fresh(v1: u32, t1: Time, v2: u32, t2: Time) -> bool {
    const HALF: u32 = 1 << 23;
    let (v1, v2) = (v1 % SEQ_MODULUS, v2 % SEQ_MODULUS);
    (v1 < v2 && v2 - v1 < HALF)
        || (v1 > v2 && v1 - v2 > HALF)
        || t2.saturating_since(t1) > FRESHNESS_WINDOW
}

/// Client-side state of one observation: drops notifications that arrive out of order
/// (RFC 7641 §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObserveFreshness {
    last: Option<(u32, Time)>,
}

impl ObserveFreshness {
    /// No notification seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts the notification if it is fresh and records it; `false` means "older than what
    /// you already have, drop it".
    pub fn accept(&mut self, seq: u32, now: Time) -> bool {
        let fresh = match self.last {
            None => true,
            Some((v1, t1)) => is_fresh(v1, t1, seq, now),
        };
        if fresh {
            self.last = Some((seq % SEQ_MODULUS, now));
        }
        fresh
    }

    /// The last accepted sequence number.
    pub fn last(&self) -> Option<u32> {
        self.last.map(|(v, _)| v)
    }
}

/// Server-side sequence counter for a resource's notifications (RFC 7641 §4.4): 24 bits,
/// wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObserveSequence(u32);

impl ObserveSequence {
    /// Starts at `start` (mod 2^24).
    pub fn new(start: u32) -> Self {
        Self(start % SEQ_MODULUS)
    }

    /// Returns the next value and advances.
    pub fn next_value(&mut self) -> u32 {
        self.0 = (self.0 + 1) % SEQ_MODULUS;
        self.0
    }

    /// The current value.
    pub fn current(&self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_rule() {
        let t = Time::from_millis(1000);
        assert!(is_fresh(1, t, 2, t));
        assert!(!is_fresh(2, t, 1, t));
        assert!(!is_fresh(5, t, 5, t));
        // wrap-around: 2^24 - 1 then 0 is fresh
        assert!(is_fresh(SEQ_MODULUS - 1, t, 0, t));
        assert!(!is_fresh(0, t, SEQ_MODULUS - 1, t));
        // exactly 2^23 apart is not fresh either way
        assert!(!is_fresh(0, t, 1 << 23, t));
        assert!(!is_fresh(1 << 23, t, 0, t));
        // stale number, but more than 128 s later
        assert!(is_fresh(10, t, 3, t + Duration::from_secs(129)));
        assert!(!is_fresh(10, t, 3, t + Duration::from_secs(128)));
    }

    #[test]
    fn client_drops_reordered() {
        let mut f = ObserveFreshness::new();
        let t = Time::from_millis(0);
        assert!(f.accept(3, t));
        assert!(f.accept(5, t));
        assert!(!f.accept(4, t));
        assert_eq!(f.last(), Some(5));
    }
}
