//! Literal values of the filter language: networks, ports, protocols, sizes and times.

use std::net::IpAddr;

use ipnet::IpNet;

use super::FilterError;
use crate::fmt::days_from_civil;
use crate::model::names::PROTOCOLS;
use crate::model::schema::Kind;

/// An address or CIDR; a CIDR with host bits set is an error that suggests the network.
pub fn parse_net(w: &str, pos: usize) -> Result<IpNet, FilterError> {
    if let Ok(ip) = w.parse::<IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    match w.parse::<IpNet>() {
        Ok(net) if net.trunc() != net => Err(FilterError {
            pos,
            message: format!("`{w}` has host bits set: did you mean `{}`?", net.trunc()),
        }),
        Ok(net) => Ok(net),
        Err(_) => Err(FilterError {
            pos,
            message: format!(
                "`{w}` is not an IP address or CIDR (like 10.0.0.0/16 or 2001:db8::/32)"
            ),
        }),
    }
}

pub(crate) fn parse_port(w: &str, pos: usize) -> Result<u16, FilterError> {
    w.parse::<u16>().map_err(|_| FilterError {
        pos,
        message: format!("`{w}` is not a port (0 to 65535)"),
    })
}

pub(crate) fn parse_protocol(w: &str, pos: usize) -> Result<u8, FilterError> {
    if let Ok(n) = w.parse::<u8>() {
        return Ok(n);
    }
    PROTOCOLS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(w))
        .map(|(_, p)| *p)
        .ok_or_else(|| FilterError {
            pos,
            message: format!("unknown protocol `{w}` (use a number or tcp, udp, icmp, icmpv6, …)"),
        })
}

/// Size units (decimal and binary).
const UNITS: &[(&str, u64)] = &[
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("TB", 1_000_000_000_000),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("kB", 1_000),
    ("KB", 1_000),
    ("T", 1_000_000_000_000),
    ("G", 1_000_000_000),
    ("M", 1_000_000),
    ("k", 1_000),
    ("K", 1_000),
];

pub(crate) fn parse_number(w: &str, kind: Kind, pos: usize) -> Result<u64, FilterError> {
    let err = |message: String| FilterError { pos, message };
    if kind == Kind::Time && looks_like_date(w) {
        return parse_date(w).map_err(err);
    }
    let value = match w.parse::<u64>() {
        Ok(v) => Some(v),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
            return Err(err(format!(
                "`{w}` is too large (at most {})",
                kind.max_value()
            )));
        }
        Err(_) => with_unit(w).map_err(err)?,
    };
    let Some(v) = value else {
        return Err(err(if kind == Kind::Time {
            format!("`{w}` is not a time (epoch seconds or 2024-05-17T10:00Z)")
        } else {
            format!("`{w}` is not a number (units: k, M, G, KiB, MiB, GiB)")
        }));
    };
    if v > kind.max_value() {
        return Err(err(format!(
            "`{w}` is out of range: this field holds at most {}",
            kind.max_value()
        )));
    }
    Ok(v)
}

/// `1.5MB`, `10GiB` → bytes; `None` when `w` has no known unit; an error when the value does
/// not fit in 64 bits.
fn with_unit(w: &str) -> Result<Option<u64>, String> {
    for (suffix, mult) in UNITS {
        if let Some(num) = w.strip_suffix(suffix)
            && let Ok(v) = num.parse::<f64>()
            && v >= 0.0
        {
            let v = (v * *mult as f64).round();
            // u64::MAX as f64 rounds up to 2^64, which itself does not fit.
            if !v.is_finite() || v >= u64::MAX as f64 {
                return Err(format!("`{w}` is too large (at most {} bytes)", u64::MAX));
            }
            return Ok(Some(v as u64));
        }
    }
    Ok(None)
}

/// Whether `w` starts like a calendar date (`2024-…`).
fn looks_like_date(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// `2024-05-17`, `2024-05-17T10:00Z`, `2024-05-17T10:00:30Z` (UTC) → epoch seconds, or why not.
fn parse_date(w: &str) -> Result<u64, String> {
    let bad = || format!("`{w}` is not a time (2024-05-17, 2024-05-17T10:00Z or epoch seconds)");
    let t = w.strip_suffix('Z').unwrap_or(w);
    let (date, time) = t.split_once('T').unwrap_or((t, "00:00"));
    let mut d = date.split('-');
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(day)) = (num(d.next()), num(d.next()), num(d.next())) else {
        return Err(bad());
    };
    if d.next().is_some() {
        return Err(bad());
    }
    if !(1..=12).contains(&m) {
        return Err(format!("`{w}`: there is no month {m}"));
    }
    let last = days_in_month(i64::from(y), m);
    if !(1..=last).contains(&day) {
        return Err(format!("`{w}`: month {m} of {y} has {last} days"));
    }
    let mut t = time.split(':');
    let num = |s: Option<&str>| s.map(|s| s.parse::<u64>().ok());
    let (Some(Some(hh)), mm, ss) = (num(t.next()), num(t.next()), num(t.next())) else {
        return Err(bad());
    };
    let (Some(mm), Some(ss)) = (mm.unwrap_or(Some(0)), ss.unwrap_or(Some(0))) else {
        return Err(bad());
    };
    if t.next().is_some() || hh > 23 || mm > 59 || ss > 60 {
        return Err(bad());
    }
    let days = days_from_civil(i64::from(y), m, day);
    let secs = u64::try_from(days * 86_400)
        .ok()
        .map(|d| d + hh * 3600 + mm * 60 + ss)
        .filter(|s| *s <= Kind::Time.max_value());
    secs.ok_or_else(|| {
        format!("`{w}` is outside the times flow logs hold (1970-01-01 to 2106-02-07)")
    })
}

/// Days in month `m` of year `y` (Gregorian).
fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// `2024-05-17`, `2024-05-17T10:00Z`, `2024-05-17T10:00:30Z` (UTC) → epoch seconds.
pub fn parse_time(w: &str) -> Option<u64> {
    if looks_like_date(w) {
        parse_date(w).ok()
    } else {
        None
    }
}

/// Parses a comma- or space-separated CIDR list (the VPC definition, the quick filter's
/// addresses); the error names the bad entry and why.
pub fn parse_cidr_list(text: &str) -> Result<Vec<IpNet>, FilterError> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| parse_net(t, 0))
        .collect()
}
