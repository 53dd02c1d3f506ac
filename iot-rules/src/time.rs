//! Wall-clock helpers: epoch milliseconds, civil dates, fixed-offset time zones and
//! Java/Joda-style date formatting (`yyyy-MM-dd HH:mm:ss.SSS`). No clock is read here.

/// Unix epoch milliseconds (UTC): a wall-clock instant, always passed in by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixMillis(pub i64);

/// A time zone with a fixed UTC offset, in minutes east of UTC.
///
/// Zones with daylight saving time are not modelled; [`FixedOffset::parse`] accepts `UTC`, `Z`,
/// `GMT`, offsets such as `+08:00`, `UTC+8` or `GMT-05:30`, and the IANA names of zones that
/// have kept one offset since 2000 and use no daylight saving time (`Asia/Shanghai`,
/// `Asia/Tokyo`, `Asia/Kolkata`, …; Alibaba's short form `Shanghai` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FixedOffset {
    minutes: i32,
}

const ZONES: &[(&str, i32)] = &[
    ("Asia/Shanghai", 480),
    ("Asia/Chongqing", 480),
    ("Asia/Harbin", 480),
    ("Asia/Hong_Kong", 480),
    ("Asia/Macau", 480),
    ("Asia/Taipei", 480),
    ("Asia/Singapore", 480),
    ("Asia/Kuala_Lumpur", 480),
    ("Asia/Manila", 480),
    ("Asia/Tokyo", 540),
    ("Asia/Seoul", 540),
    ("Asia/Kolkata", 330),
    ("Asia/Calcutta", 330),
    ("Asia/Jakarta", 420),
    ("Asia/Bangkok", 420),
    ("Asia/Ho_Chi_Minh", 420),
    ("Asia/Dubai", 240),
    ("Asia/Riyadh", 180),
    ("Europe/Moscow", 180),
    ("Etc/UTC", 0),
    ("Etc/GMT", 0),
    ("PRC", 480),
    ("Shanghai", 480),
    ("Beijing", 480),
];

impl FixedOffset {
    /// UTC.
    pub const UTC: FixedOffset = FixedOffset { minutes: 0 };

    /// A zone `minutes` east of UTC (`None` outside ±18 hours).
    pub fn from_minutes(minutes: i32) -> Option<FixedOffset> {
        (minutes.abs() <= 18 * 60).then_some(FixedOffset { minutes })
    }

    /// Minutes east of UTC.
    pub fn minutes(self) -> i32 {
        self.minutes
    }

    /// Parses a zone id (see the type's docs). `None` for ids without a fixed offset.
    pub fn parse(id: &str) -> Option<FixedOffset> {
        let id = id.trim();
        if let Some(&(_, m)) = ZONES.iter().find(|(n, _)| n.eq_ignore_ascii_case(id)) {
            return Some(FixedOffset { minutes: m });
        }
        let rest = ["UTC", "GMT", "Z"]
            .iter()
            .find_map(|p| id.strip_prefix(p))
            .unwrap_or(id);
        if rest.is_empty() {
            return Some(FixedOffset::UTC);
        }
        let (sign, body) = match rest.as_bytes().first()? {
            b'+' => (1, &rest[1..]),
            b'-' => (-1, &rest[1..]),
            _ => return None,
        };
        let (h, m) = match body.split_once(':') {
            Some((h, m)) => (h, m),
            None if body.len() == 4 => body.split_at(2),
            None => (body, "0"),
        };
        let h: i32 = h.parse().ok().filter(|h| (0..=18).contains(h))?;
        let m: i32 = m.parse().ok().filter(|m| (0..60).contains(m))?;
        FixedOffset::from_minutes(sign * (h * 60 + m))
    }
}

/// A broken-down civil time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) millis: u32,
    /// 0 = Sunday … 6 = Saturday.
    pub(crate) weekday: u32,
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

/// (year, month, day) to days since 1970-01-01.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

pub(crate) fn to_civil(t: UnixMillis, tz: FixedOffset) -> Civil {
    let ms = t.0.saturating_add(i64::from(tz.minutes) * 60_000);
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let secs = u32::try_from(rem / 1000).unwrap_or(0);
    Civil {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs / 60 % 60,
        second: secs % 60,
        millis: u32::try_from(rem % 1000).unwrap_or(0),
        weekday: u32::try_from((days + 4).rem_euclid(7)).unwrap_or(0),
    }
}

/// Checks a Java/Joda-style pattern; `Err` names the first letter this formatter does not know.
pub(crate) fn check_pattern(pattern: &str) -> Result<(), char> {
    format_inner(pattern, Civil::EPOCH, FixedOffset::UTC, &mut String::new())
}

impl Civil {
    const EPOCH: Civil = Civil {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
        weekday: 4,
    };
}

/// Formats `t` in zone `tz` with a Java/Joda-style pattern. Letters: `yyyy yy MM M MMM dd d HH H
/// hh h mm m ss s SSS a EEE E Z X XXX`; text in single quotes is literal (`''` is a quote).
pub(crate) fn format(pattern: &str, t: UnixMillis, tz: FixedOffset) -> Result<String, char> {
    let mut out = String::with_capacity(pattern.len() + 8);
    format_inner(pattern, to_civil(t, tz), tz, &mut out)?;
    Ok(out)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

fn format_inner(pattern: &str, c: Civil, tz: FixedOffset, out: &mut String) -> Result<(), char> {
    use std::fmt::Write;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                out.push(chars[i]);
                i += 1;
            }
            i += 1;
            continue;
        }
        if !ch.is_ascii_alphabetic() {
            out.push(ch);
            i += 1;
            continue;
        }
        let mut n = 1;
        while chars.get(i + n) == Some(&ch) {
            n += 1;
        }
        i += n;
        let r = match (ch, n) {
            ('y', 2) => write!(out, "{:02}", c.year.rem_euclid(100)),
            ('y', _) => write!(out, "{:0width$}", c.year, width = n),
            ('M', 1 | 2) => write!(out, "{:0n$}", c.month),
            ('M', _) => {
                out.push_str(MONTHS[usize::try_from(c.month.saturating_sub(1)).unwrap_or(0) % 12]);
                Ok(())
            }
            ('d', 1 | 2) => write!(out, "{:0n$}", c.day),
            ('H', 1 | 2) => write!(out, "{:0n$}", c.hour),
            ('h', 1 | 2) => write!(out, "{:0n$}", (c.hour + 11) % 12 + 1),
            ('m', 1 | 2) => write!(out, "{:0n$}", c.minute),
            ('s', 1 | 2) => write!(out, "{:0n$}", c.second),
            ('S', 1..=3) => {
                write!(out, "{:03}", c.millis).map(|()| out.truncate(out.len() - (3 - n)))
            }
            ('a', _) => {
                out.push_str(if c.hour < 12 { "AM" } else { "PM" });
                Ok(())
            }
            ('E', _) => {
                out.push_str(DAYS[usize::try_from(c.weekday).unwrap_or(0) % 7]);
                Ok(())
            }
            ('Z' | 'X', _) => {
                let m = tz.minutes;
                if ch == 'X' && m == 0 {
                    out.push('Z');
                    Ok(())
                } else {
                    let sign = if m < 0 { '-' } else { '+' };
                    let m = m.abs();
                    if ch == 'Z' || n < 3 {
                        write!(out, "{sign}{:02}{:02}", m / 60, m % 60)
                    } else {
                        write!(out, "{sign}{:02}:{:02}", m / 60, m % 60)
                    }
                }
            }
            _ => return Err(ch),
        };
        if r.is_err() {
            return Err(ch);
        }
    }
    Ok(())
}

/// Reads a time written with a Java/Joda-style pattern (the letters [`format`] writes; `E` and
/// `a` included). Fields not in the pattern default to 1970-01-01 00:00:00.000; without `Z`/`X`
/// the text is in zone `tz`. `None` if the text does not fit the pattern.
pub(crate) fn parse(pattern: &str, text: &str, tz: FixedOffset) -> Option<UnixMillis> {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut i, mut j) = (0, 0);
    let (mut year, mut month, mut day) = (1970_i64, 1_u32, 1_u32);
    let (mut hour, mut minute, mut second, mut millis) = (0_u32, 0_u32, 0_u32, 0_u32);
    let mut pm: Option<bool> = None;
    let mut offset = tz.minutes;
    let digits = |j: &mut usize, min: usize, max: usize| -> Option<i64> {
        let start = *j;
        while *j < t.len() && *j - start < max && t[*j].is_ascii_digit() {
            *j += 1;
        }
        if *j - start < min {
            return None;
        }
        t[start..*j].iter().collect::<String>().parse().ok()
    };
    while i < p.len() {
        let ch = p[i];
        if ch == '\'' {
            i += 1;
            while i < p.len() && p[i] != '\'' {
                (t.get(j) == Some(&p[i])).then_some(())?;
                i += 1;
                j += 1;
            }
            i += 1;
            continue;
        }
        if !ch.is_ascii_alphabetic() {
            (t.get(j) == Some(&ch)).then_some(())?;
            i += 1;
            j += 1;
            continue;
        }
        let mut n = 1;
        while p.get(i + n) == Some(&ch) {
            n += 1;
        }
        i += n;
        let small = |v: i64| u32::try_from(v).ok();
        match (ch, n) {
            // Two-digit years as POSIX strptime reads them: 69–99 are 1969–1999, 00–68 2000–2068.
            ('y', 2) => {
                let y = digits(&mut j, 2, 2)?;
                year = if y >= 69 { 1900 + y } else { 2000 + y };
            }
            ('y', _) => year = digits(&mut j, n.min(4), 9)?,
            ('M', 1 | 2) => month = small(digits(&mut j, n, 2)?)?,
            ('M', _) => {
                let word: String = t.get(j..j + 3)?.iter().collect();
                let m = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(&word))?;
                month = u32::try_from(m).ok()? + 1;
                j += 3;
            }
            ('d', 1 | 2) => day = small(digits(&mut j, n, 2)?)?,
            ('H', 1 | 2) | ('h', 1 | 2) => hour = small(digits(&mut j, n, 2)?)?,
            ('m', 1 | 2) => minute = small(digits(&mut j, n, 2)?)?,
            ('s', 1 | 2) => second = small(digits(&mut j, n, 2)?)?,
            ('S', 1..=3) => {
                let v = small(digits(&mut j, n, n)?)?;
                millis = v * 10_u32.pow(u32::try_from(3 - n).ok()?);
            }
            ('a', _) => {
                let word: String = t.get(j..j + 2)?.iter().collect();
                pm = Some(match word.to_ascii_uppercase().as_str() {
                    "AM" => false,
                    "PM" => true,
                    _ => return None,
                });
                j += 2;
            }
            ('E', _) => {
                let word: String = t.get(j..j + 3)?.iter().collect();
                DAYS.iter()
                    .any(|d| d.eq_ignore_ascii_case(&word))
                    .then_some(())?;
                j += 3;
            }
            ('Z' | 'X', _) => {
                if t.get(j) == Some(&'Z') {
                    offset = 0;
                    j += 1;
                } else {
                    let sign = match t.get(j)? {
                        '+' => 1,
                        '-' => -1,
                        _ => return None,
                    };
                    j += 1;
                    let h = digits(&mut j, 2, 2)?;
                    if t.get(j) == Some(&':') {
                        j += 1;
                    }
                    let m = digits(&mut j, 2, 2)?;
                    offset = i32::try_from(sign * (h * 60 + m)).ok()?;
                }
            }
            _ => return None,
        }
    }
    if j != t.len() {
        return None;
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let local = days_from_civil(year, month, day)
        .checked_mul(86_400_000)?
        .checked_add(i64::from(
            ((hour * 60 + minute) * 60 + second) * 1000 + millis,
        ))?;
    local
        .checked_sub(i64::from(offset) * 60_000)
        .map(UnixMillis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for d in [-719_468_i64, -1, 0, 1, 10_957, 17_774, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn formats_alibaba_status_times() {
        // 2018-08-31T07:32:28.205Z is 15:32:28.205 in Shanghai (the device status example).
        let t = UnixMillis(
            days_from_civil(2018, 8, 31) * 86_400_000 + ((7 * 60 + 32) * 60 + 28) * 1000 + 205,
        );
        let sh = FixedOffset::parse("Asia/Shanghai").unwrap();
        assert_eq!(
            format("yyyy-MM-dd HH:mm:ss.SSS", t, sh).unwrap(),
            "2018-08-31 15:32:28.205"
        );
        assert_eq!(
            format("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", t, FixedOffset::UTC).unwrap(),
            "2018-08-31T07:32:28.205Z"
        );
        assert_eq!(
            format("EEE, d MMM yy hh a Z", t, sh).unwrap(),
            "Fri, 31 Aug 18 03 PM +0800"
        );
        assert_eq!(format("Q", t, sh), Err('Q'));
    }

    #[test]
    fn parses_what_it_formats() {
        let sh = FixedOffset::parse("Asia/Shanghai").unwrap();
        for p in [
            "yyyy-MM-dd HH:mm:ss.SSS",
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
            "EEE, d MMM yyyy hh:mm:ss a Z",
            "yyMMddHHmmss",
        ] {
            for ms in [0_i64, 1_535_700_748_205, 951_782_400_000, 4_102_444_799_000] {
                if p.starts_with("yyMM") && ms > 3_000_000_000_000 {
                    continue; // two-digit years stop at 2068
                }
                let ms = if p.contains('S') { ms } else { ms - ms % 1000 };
                let text = format(p, UnixMillis(ms), sh).unwrap();
                assert_eq!(parse(p, &text, sh), Some(UnixMillis(ms)), "{p} {text}");
            }
        }
        assert_eq!(parse("yyyy-MM-dd", "2018-02-30", sh), None);
        assert_eq!(parse("yyyy-MM-dd", "2018-02-3", sh), None);
        assert_eq!(parse("yyyy-MM-dd", "2018-02-03x", sh), None);
        assert_eq!(parse("HH:mm", "24:00", sh), None);
    }

    #[test]
    fn parses_offsets() {
        assert_eq!(FixedOffset::parse("UTC+8").unwrap().minutes(), 480);
        assert_eq!(FixedOffset::parse("-05:30").unwrap().minutes(), -330);
        assert_eq!(FixedOffset::parse("GMT+0800").unwrap().minutes(), 480);
        assert_eq!(FixedOffset::parse("Z").unwrap().minutes(), 0);
        assert_eq!(FixedOffset::parse("America/New_York"), None);
        assert_eq!(FixedOffset::parse("+25:00"), None);
    }
}
