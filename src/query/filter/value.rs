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
    if kind == Kind::Time
        && let Some(t) = parse_time(w)
    {
        return Ok(t);
    }
    if let Ok(v) = w.parse::<u64>() {
        return Ok(v);
    }
    for (suffix, mult) in UNITS {
        if let Some(num) = w.strip_suffix(suffix)
            && let Ok(v) = num.parse::<f64>()
            && v >= 0.0
        {
            return Ok((v * *mult as f64).round() as u64);
        }
    }
    Err(FilterError {
        pos,
        message: if kind == Kind::Time {
            format!("`{w}` is not a time (epoch seconds or 2024-05-17T10:00Z)")
        } else {
            format!("`{w}` is not a number (units: k, M, G, KiB, MiB, GiB)")
        },
    })
}

/// `2024-05-17`, `2024-05-17T10:00Z`, `2024-05-17T10:00:30Z` (UTC) → epoch seconds.
pub fn parse_time(w: &str) -> Option<u64> {
    let w = w.strip_suffix('Z').unwrap_or(w);
    let (date, time) = w.split_once('T').unwrap_or((w, "00:00"));
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut t = time.split(':');
    let hh: u64 = t.next()?.parse().ok()?;
    let mm: u64 = t.next().unwrap_or("0").parse().ok()?;
    let ss: u64 = t.next().unwrap_or("0").parse().ok()?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = days_from_civil(y, m, day);
    u64::try_from(days * 86_400)
        .ok()
        .map(|d| d + hh * 3600 + mm * 60 + ss)
}

/// Parses a comma- or space-separated CIDR list (the VPC definition, the quick filter's
/// addresses); the error names the bad entry and why.
pub fn parse_cidr_list(text: &str) -> Result<Vec<IpNet>, FilterError> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| parse_net(t, 0))
        .collect()
}
