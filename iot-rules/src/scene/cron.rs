//! Cron schedules: Linux (5 fields, minute precision) and Quartz (6 or 7 fields, seconds and
//! years), evaluated in a fixed-offset time zone.

use crate::error::SceneError;
use crate::time::{self, FixedOffset, UnixMillis, days_from_civil, days_in_month};

/// Which cron syntax an expression uses (`cronType` in scene rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CronType {
    /// `minute hour day-of-month month day-of-week`; day-of-week 0–7 (0 and 7 are Sunday).
    Linux,
    /// `second minute hour day-of-month month day-of-week [year]`; day-of-week 1–7 (1 is
    /// Sunday); `?` in one of the day fields. `L`, `W` and `#` are not supported.
    Quartz,
}

/// A parsed cron expression with its time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    kind: CronType,
    seconds: u64,
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    days_star: bool,
    weekdays_star: bool,
    years: Option<Vec<(i64, i64, i64)>>,
    tz: FixedOffset,
    /// For Linux `a-b c-d * * …` with single ranges: minutes of day [c:a, d:b].
    window: Option<(u32, u32)>,
}

/// How far ahead [`Cron::next_after`] looks, in days (a bit over 8 years: leap-day schedules fire).
const SEARCH_DAYS: i64 = 3000;

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    /// Parses an expression.
    ///
    /// # Errors
    /// [`SceneError::Cron`] naming the field and what is wrong with it.
    pub fn parse(expr: &str, kind: CronType, tz: FixedOffset) -> Result<Cron, SceneError> {
        let err = |reason: String| SceneError::Cron {
            expr: expr.to_owned(),
            reason,
        };
        let fields: Vec<&str> = expr.split_whitespace().collect();
        let (sec, rest) = match kind {
            CronType::Linux if fields.len() == 5 => ("0", &fields[..]),
            CronType::Linux => {
                return Err(err(format!("{} fields, Linux cron has 5", fields.len())));
            }
            CronType::Quartz if fields.len() == 6 || fields.len() == 7 => (fields[0], &fields[1..]),
            CronType::Quartz => {
                return Err(err(format!(
                    "{} fields, Quartz cron has 6 or 7",
                    fields.len()
                )));
            }
        };
        let f = |name: &'static str, text: &str, lo: i64, hi: i64, names: &[&str], q: bool| {
            field(text, lo, hi, names, q).map_err(|r| err(format!("{name} field `{text}`: {r}")))
        };
        let quartz = kind == CronType::Quartz;
        let (seconds, _) = f("second", sec, 0, 59, &[], false)?;
        let (minutes, _) = f("minute", rest[0], 0, 59, &[], false)?;
        let (hours, _) = f("hour", rest[1], 0, 23, &[], false)?;
        let (days, days_star) = f("day-of-month", rest[2], 1, 31, &[], quartz)?;
        let (months, _) = f("month", rest[3], 1, 12, &MONTH_NAMES, false)?;
        let (mut weekdays, weekdays_star) = if quartz {
            let (w, s) = f("day-of-week", rest[4], 1, 7, &DAY_NAMES, true)?;
            // Quartz 1..=7 (Sunday first) to bits 0..=6.
            (w >> 1, s)
        } else {
            f("day-of-week", rest[4], 0, 7, &DAY_NAMES, false)?
        };
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays | 1) & 0x7f;
        }
        if quartz && rest[2] != "?" && rest[4] != "?" {
            return Err(err("Quartz needs `?` in day-of-month or day-of-week".into()));
        }
        let years = match rest.get(5) {
            Some(y) if *y != "*" => Some(
                y.split(',')
                    .map(|item| {
                        range_item(item, 1970, 2199, &[]).and_then(|r| {
                            if r.0 <= r.1 {
                                Ok(r)
                            } else {
                                Err(format!("`{item}` is reversed"))
                            }
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()
                    .map_err(|r| err(format!("year field `{y}`: {r}")))?,
            ),
            _ => None,
        };
        let window = if kind == CronType::Linux {
            single_range(rest[0])
                .zip(single_range(rest[1]))
                .and_then(|((m1, m2), (h1, h2))| {
                    (m1 <= 59 && m2 <= 59 && h1 <= 23 && h2 <= 23)
                        .then_some((h1 * 60 + m1, h2 * 60 + m2))
                })
        } else {
            None
        };
        Ok(Cron {
            kind,
            seconds,
            minutes,
            hours,
            days,
            months,
            weekdays,
            days_star: days_star || (quartz && rest[2] == "?"),
            weekdays_star: weekdays_star || (quartz && rest[4] == "?"),
            years,
            tz,
            window,
        })
    }

    /// The syntax it was written in.
    pub fn kind(&self) -> CronType {
        self.kind
    }

    fn day_matches(&self, y: i64, m: u32, d: u32, weekday: u32) -> bool {
        if self.months & (1 << m) == 0 {
            return false;
        }
        if let Some(years) = &self.years
            && !years
                .iter()
                .any(|&(lo, hi, step)| y >= lo && y <= hi && (y - lo) % step == 0)
        {
            return false;
        }
        let dom = self.days & (1 << d) != 0;
        let dow = self.weekdays & (1 << weekday) != 0;
        match (self.days_star, self.weekdays_star) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            // Both restricted: either matches (Vixie cron).
            (false, false) => dom || dow,
        }
    }

    /// `true` if the schedule fires in the second (Quartz) or minute (Linux) containing `t`.
    pub fn matches(&self, t: UnixMillis) -> bool {
        let c = time::to_civil(t, self.tz);
        self.day_matches(c.year, c.month, c.day, c.weekday)
            && self.hours & (1 << c.hour) != 0
            && self.minutes & (1 << c.minute) != 0
            && (self.kind == CronType::Linux || self.seconds & (1 << c.second) != 0)
    }

    /// Time-range reading for scene conditions: Linux `a-b c-d …` (single ranges in the minute
    /// and hour fields) is the window from `c:a` to `d:b` inclusive, on the days the other fields
    /// allow (`0-0 6-22 * * 1,2,3` is 06:00–22:00 Monday to Wednesday); any other expression
    /// holds during the minutes (seconds for Quartz) it matches.
    pub fn in_range(&self, t: UnixMillis) -> bool {
        let Some((start, end)) = self.window else {
            return self.matches(t);
        };
        let c = time::to_civil(t, self.tz);
        if !self.day_matches(c.year, c.month, c.day, c.weekday) {
            return false;
        }
        let now = c.hour * 60 + c.minute;
        if start <= end {
            (start..=end).contains(&now)
        } else {
            now >= start || now <= end
        }
    }

    /// The first firing instant strictly after `t` (within about eight years), at the start of
    /// its second (Quartz) or minute (Linux).
    pub fn next_after(&self, t: UnixMillis) -> Option<UnixMillis> {
        let step: i64 = if self.kind == CronType::Quartz {
            1000
        } else {
            60_000
        };
        let off = i64::from(self.tz.minutes()) * 60_000;
        // Local wall time of the first candidate.
        let local = (t.0.saturating_add(off))
            .div_euclid(step)
            .saturating_add(1)
            .saturating_mul(step);
        let first_day = local.div_euclid(86_400_000);
        let first_sec = local.rem_euclid(86_400_000) / 1000;
        for day in first_day..first_day.saturating_add(SEARCH_DAYS) {
            let (y, m, d) = time::civil_from_days(day);
            if d > days_in_month(y, m) {
                continue;
            }
            let weekday = u32::try_from((day + 4).rem_euclid(7)).unwrap_or(0);
            if !self.day_matches(y, m, d, weekday) {
                continue;
            }
            let from = if day == first_day { first_sec } else { 0 };
            if let Some(sec) = self.first_time_of_day(from) {
                let local_ms = days_from_civil(y, m, d) * 86_400_000 + sec * 1000;
                return Some(UnixMillis(local_ms - off));
            }
        }
        None
    }

    fn first_time_of_day(&self, from: i64) -> Option<i64> {
        for h in from / 3600..24 {
            if self.hours & (1 << h) == 0 {
                continue;
            }
            for m in 0..60 {
                if self.minutes & (1 << m) == 0 {
                    continue;
                }
                for s in 0..60 {
                    if (self.kind == CronType::Linux && s > 0) || self.seconds & (1 << s) == 0 {
                        continue;
                    }
                    let at = h * 3600 + m * 60 + s;
                    if at >= from {
                        return Some(at);
                    }
                }
            }
        }
        None
    }
}

fn single_range(f: &str) -> Option<(u32, u32)> {
    let (a, b) = f.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn value(text: &str, names: &[&str], name_base: i64) -> Result<i64, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(i64::try_from(i).unwrap_or(0) + name_base);
    }
    text.parse::<i64>().map_err(|_| {
        format!(
            "`{text}` is not a number{}",
            if names.is_empty() { "" } else { " or a name" }
        )
    })
}

fn range_item(item: &str, lo: i64, hi: i64, names: &[&str]) -> Result<(i64, i64, i64), String> {
    let name_base = if names.len() == 12 { 1 } else { lo };
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => {
            let s: i64 = s.parse().map_err(|_| format!("bad step `{s}`"))?;
            if s < 1 {
                return Err("step must be at least 1".into());
            }
            (r, s)
        }
        None => (item, 1),
    };
    let (a, b) = if range == "*" {
        (lo, hi)
    } else if let Some((a, b)) = range.split_once('-') {
        (value(a, names, name_base)?, value(b, names, name_base)?)
    } else {
        let v = value(range, names, name_base)?;
        (v, if step > 1 { hi } else { v })
    };
    if a < lo || b > hi || a > hi || b < lo {
        return Err(format!("`{item}` outside {lo}-{hi}"));
    }
    Ok((a, b, step))
}

/// A field as a bit set; the bool says it was `*` (or `?`).
fn field(
    text: &str,
    lo: i64,
    hi: i64,
    names: &[&str],
    question: bool,
) -> Result<(u64, bool), String> {
    if text == "*" || (question && text == "?") {
        let mut bits = 0u64;
        for v in lo..=hi {
            bits |= 1 << v;
        }
        return Ok((bits, true));
    }
    if text.contains(['L', 'W', '#'])
        && !names.iter().any(|n| text.to_ascii_uppercase().contains(n))
    {
        return Err("`L`, `W` and `#` are not supported".into());
    }
    let mut bits = 0u64;
    for item in text.split(',') {
        let (a, b, step) = range_item(item, lo, hi, names)?;
        // A reversed range wraps around (`22-2` in hours is 22, 23, 0, 1, 2), as in Quartz.
        let span = if a <= b { b - a } else { hi - a + 1 + b - lo };
        let mut k = 0;
        while k <= span {
            let v = if a + k <= hi {
                a + k
            } else {
                a + k - (hi - lo + 1)
            };
            bits |= 1 << v;
            k += step;
        }
    }
    Ok((bits, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64) -> UnixMillis {
        UnixMillis(days_from_civil(y, mo, d) * 86_400_000 + ((h * 60 + mi) * 60 + s) * 1000)
    }

    #[test]
    fn linux_next() {
        let c = Cron::parse("30 8 * * 1-5", CronType::Linux, FixedOffset::UTC).unwrap();
        // 2026-11-21 is a Saturday: next is Monday 23rd 08:30.
        assert_eq!(
            c.next_after(at(2026, 11, 21, 9, 0, 0)),
            Some(at(2026, 11, 23, 8, 30, 0))
        );
        assert_eq!(
            c.next_after(at(2026, 11, 23, 8, 29, 59)),
            Some(at(2026, 11, 23, 8, 30, 0))
        );
        assert_eq!(
            c.next_after(at(2026, 11, 23, 8, 30, 0)),
            Some(at(2026, 11, 24, 8, 30, 0))
        );
        let every = Cron::parse("*/15 * * * *", CronType::Linux, FixedOffset::UTC).unwrap();
        assert_eq!(
            every.next_after(at(2026, 1, 1, 0, 0, 0)),
            Some(at(2026, 1, 1, 0, 15, 0))
        );
        let sunday = Cron::parse("0 0 * * 7", CronType::Linux, FixedOffset::UTC).unwrap();
        assert_eq!(
            sunday.next_after(at(2026, 11, 23, 0, 0, 0)),
            Some(at(2026, 11, 29, 0, 0, 0))
        );
        let leap = Cron::parse("0 12 29 FEB *", CronType::Linux, FixedOffset::UTC).unwrap();
        assert_eq!(
            leap.next_after(at(2026, 1, 1, 0, 0, 0)),
            Some(at(2028, 2, 29, 12, 0, 0))
        );
    }

    #[test]
    fn quartz_and_zone() {
        let sh = FixedOffset::parse("Asia/Shanghai").unwrap();
        let c = Cron::parse("0 0 8 ? * MON-FRI", CronType::Quartz, sh).unwrap();
        // 08:00 Shanghai is 00:00 UTC.
        assert_eq!(
            c.next_after(at(2026, 11, 22, 12, 0, 0)),
            Some(at(2026, 11, 23, 0, 0, 0))
        );
        let secs = Cron::parse("*/10 * * * * ? 2027", CronType::Quartz, FixedOffset::UTC).unwrap();
        assert_eq!(
            secs.next_after(at(2026, 11, 22, 12, 0, 0)),
            Some(at(2027, 1, 1, 0, 0, 0))
        );
        assert!(Cron::parse("0 0 8 * * MON", CronType::Quartz, sh).is_err());
        assert!(Cron::parse("0 0 8 L * ?", CronType::Quartz, sh).is_err());
        assert!(Cron::parse("61 * * * *", CronType::Linux, sh).is_err());
        assert!(Cron::parse("* * * *", CronType::Linux, sh).is_err());
        assert!(Cron::parse("*/0 * * * *", CronType::Linux, sh).is_err());
    }

    #[test]
    fn time_range_window() {
        let c = Cron::parse("0-0 6-22 * * 1,2,3", CronType::Linux, FixedOffset::UTC).unwrap();
        // Monday 2026-11-23.
        assert!(c.in_range(at(2026, 11, 23, 6, 0, 0)));
        assert!(c.in_range(at(2026, 11, 23, 14, 37, 0)));
        assert!(c.in_range(at(2026, 11, 23, 22, 0, 59)));
        assert!(!c.in_range(at(2026, 11, 23, 22, 1, 0)));
        assert!(!c.in_range(at(2026, 11, 23, 5, 59, 0)));
        assert!(!c.in_range(at(2026, 11, 26, 12, 0, 0)));
        let night = Cron::parse("30-15 22-6 * * *", CronType::Linux, FixedOffset::UTC).unwrap();
        assert!(night.in_range(at(2026, 11, 23, 23, 0, 0)));
        assert!(night.in_range(at(2026, 11, 23, 6, 15, 0)));
        assert!(!night.in_range(at(2026, 11, 23, 12, 0, 0)));
    }
}
