//! Epoch seconds as calendar text, and bucket widths as words.

/// Formats epoch seconds as `2024-03-01T00:00:00Z`.
pub fn format_epoch(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Formats epoch seconds for people, in a zone `offset` seconds east of UTC:
/// `2024-03-01 14:00:01 UTC` or `2024-03-01 15:00:01 +01:00`.
pub fn format_epoch_at(secs: u64, offset: i64) -> String {
    let t = secs as i64 + offset;
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let rem = t.rem_euclid(86_400);
    let zone = zone_name(offset);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} {zone}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `UTC`, or the offset as `+01:00` / `-05:30`.
pub fn zone_name(offset: i64) -> String {
    if offset == 0 {
        return "UTC".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// The local time zone's offset east of UTC at epoch second `secs`, in seconds (from the C
/// library's `localtime_r`, which reads `TZ` and the system zone; 0 where that is not available).
pub fn local_offset(secs: u64) -> i64 {
    #[cfg(unix)]
    {
        let t = libc::time_t::try_from(secs).unwrap_or(0);
        // SAFETY: `localtime_r` writes only into `tm`, which lives on this stack frame, and is
        // reentrant (no shared static buffer).
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
        // `c_long`: 64 bits here, 32 on 32-bit targets.
        #[allow(clippy::useless_conversion)]
        let offset = i64::from(tm.tm_gmtoff);
        if ok { offset } else { 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = secs;
        0
    }
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A bucket width as words: `15 min`, `1 h`, `30 s`, `2 days`.
pub fn bucket_text(secs: u64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => {
            let d = s / 86_400;
            if d == 1 {
                "1 day".into()
            } else {
                format!("{d} days")
            }
        }
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_formatting() {
        assert_eq!(format_epoch(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_epoch(1_418_530_010), "2014-12-14T04:06:50Z");
        assert_eq!(format_epoch(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(format_epoch_at(1_709_251_199, 0), "2024-02-29 23:59:59 UTC");
        assert_eq!(
            format_epoch_at(1_709_251_199, 3600),
            "2024-03-01 00:59:59 +01:00"
        );
        assert_eq!(
            format_epoch_at(1_709_251_199, -19_800),
            "2024-02-29 18:29:59 -05:30"
        );
    }
}
