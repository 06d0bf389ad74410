//! The time range of a cloud read (`--from`, `--to`): dates or times in UTC; a date alone means
//! that whole day.

use crate::fmt::days_from_civil;

/// Seconds since the Unix epoch, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    /// The first second.
    pub from: i64,
    /// The last second.
    pub to: i64,
}

impl TimeRange {
    /// The range from the command line's texts; an open end is unbounded.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Option<TimeRange>, String> {
        if from.is_none() && to.is_none() {
            return Ok(None);
        }
        let from = match from {
            Some(t) => parse_time(t)?.0,
            None => 0,
        };
        let to = match to {
            Some(t) => parse_time(t)?.1,
            None => i64::MAX / 2,
        };
        if to < from {
            return Err("--to is before --from".into());
        }
        Ok(Some(TimeRange { from, to }))
    }

    /// Whether `[start, start + len)` meets the range.
    pub fn meets(&self, start: i64, len: i64) -> bool {
        start + len > self.from && start <= self.to
    }

    /// The UTC days (as days since the epoch) the range touches, `slack` seconds added at the end.
    pub fn days(&self, slack: i64) -> std::ops::RangeInclusive<i64> {
        self.from.div_euclid(86_400)..=(self.to.saturating_add(slack)).div_euclid(86_400)
    }
}

/// `2024-03-01` → (that day's first second, its last); `2024-03-01T14:05[:30][Z]` (or with a
/// space) → that second, twice.
pub fn parse_time(text: &str) -> Result<(i64, i64), String> {
    let bad =
        || format!("`{text}` is not a UTC date or time (like 2024-03-01 or 2024-03-01T14:00)");
    let t = text.trim().trim_end_matches(['Z', 'z']);
    let (date, time) = match t.split_once(['T', 't', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let mut d = date.split('-').map(str::parse::<u32>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(day)), None) = (d.next(), d.next(), d.next(), d.next())
    else {
        return Err(bad());
    };
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let base = days_from_civil(i64::from(y), m, day) * 86_400;
    let Some(time) = time else {
        return Ok((base, base + 86_399));
    };
    let parts: Vec<Result<u32, _>> = time.split(':').map(str::parse::<u32>).collect();
    let secs = match parts.as_slice() {
        [Ok(h), Ok(mi)] if *h < 24 && *mi < 60 => h * 3600 + mi * 60,
        [Ok(h), Ok(mi), Ok(s)] if *h < 24 && *mi < 60 && *s < 60 => h * 3600 + mi * 60 + s,
        _ => return Err(bad()),
    };
    let at = base + i64::from(secs);
    Ok((at, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(
            parse_time("2024-03-01").unwrap(),
            (1_709_251_200, 1_709_337_599)
        );
        assert_eq!(parse_time("2024-03-01T14:00Z").unwrap().0, 1_709_301_600);
        assert_eq!(parse_time("2024-03-01 14:00:30").unwrap().1, 1_709_301_630);
        assert!(parse_time("2024-13-01").is_err());
        assert!(parse_time("yesterday").is_err());
        let r = TimeRange::parse(Some("2024-03-01"), Some("2024-03-02"))
            .unwrap()
            .unwrap();
        assert_eq!(r.days(0).count(), 2);
        assert!(TimeRange::parse(Some("2024-03-02"), Some("2024-03-01")).is_err());
    }
}
