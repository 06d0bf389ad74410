//! Address tokens → address keys: a fast dotted-quad parser, the common IPv6 forms, and the
//! standard parser for everything else.

use std::net::Ipv6Addr;

use crate::model::addr::v4_key;

/// Parses an IPv4 or IPv6 address token into its key.
pub fn parse_addr(token: &[u8]) -> Option<u128> {
    if let Some(v4) = parse_ipv4(token) {
        return Some(v4_key(v4));
    }
    if token.contains(&b':') {
        if let Some(v6) = parse_ipv6_hex(token) {
            return Some(v6);
        }
        let text = std::str::from_utf8(token).ok()?;
        let v6: Ipv6Addr = text.parse().ok()?;
        return Some(u128::from(v6));
    }
    None
}

/// The common IPv6 forms, fast: hex groups and at most one `::`, nothing else. `None` leaves
/// the token to the standard library's parser (embedded IPv4, and every invalid form); when
/// this returns an address, it is the one the standard parser returns.
pub(super) fn parse_ipv6_hex(s: &[u8]) -> Option<u128> {
    let mut groups = [0u16; 8];
    let mut n = 0;
    // Where `::` stands (index into `groups`), if present.
    let mut gap: Option<usize> = None;
    let mut i = 0;
    if s.starts_with(b"::") {
        gap = Some(0);
        i = 2;
    }
    while i < s.len() {
        let mut value: u32 = 0;
        let mut digits = 0;
        while let Some(d) = s.get(i).and_then(|b| (*b as char).to_digit(16)) {
            value = value * 16 + d;
            digits += 1;
            i += 1;
        }
        if digits == 0 || digits > 4 || n == 8 {
            return None;
        }
        groups[n] = value as u16;
        n += 1;
        match s.get(i..i + 2) {
            _ if i == s.len() => break,
            Some(b"::") if gap.is_none() => {
                gap = Some(n);
                i += 2;
            }
            Some([b':', next]) if *next != b':' => i += 1,
            _ => return None,
        }
    }
    let mut out = [0u16; 8];
    match gap {
        None if n == 8 => out = groups,
        // `::` stands for at least one zero group.
        Some(at) if n <= 7 => {
            out[..at].copy_from_slice(&groups[..at]);
            let tail = n - at;
            out[8 - tail..].copy_from_slice(&groups[at..n]);
        }
        _ => return None,
    }
    Some(
        out.iter()
            .fold(0u128, |acc, g| (acc << 16) | u128::from(*g)),
    )
}

/// Fast dotted-quad parser.
fn parse_ipv4(s: &[u8]) -> Option<u32> {
    let mut out: u32 = 0;
    let mut cur: u32 = 0;
    let mut digits = 0;
    let mut dots = 0;
    for &b in s {
        if b == b'.' {
            if digits == 0 || dots == 3 {
                return None;
            }
            out = (out << 8) | cur;
            dots += 1;
            cur = 0;
            digits = 0;
        } else if b.is_ascii_digit() {
            if digits == 1 && cur == 0 {
                return None; // a leading zero: see `has_leading_zero`
            }
            cur = cur * 10 + u32::from(b - b'0');
            digits += 1;
            if digits > 3 || cur > 255 {
                return None;
            }
        } else {
            return None;
        }
    }
    if dots != 3 || digits == 0 {
        return None;
    }
    Some((out << 8) | cur)
}

/// Whether a dotted-quad token has an octet with a leading zero (`010.0.0.1`). AWS never writes
/// one, and tools disagree on its meaning (inet_aton and some SQL engines read it as octal, 8),
/// so such a token is refused rather than guessed.
pub(crate) fn has_leading_zero(tok: &[u8]) -> bool {
    let octets: Vec<&[u8]> = tok.split(|b| *b == b'.').collect();
    octets.len() == 4
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.iter().all(u8::is_ascii_digit))
        && octets.iter().any(|o| o.len() > 1 && o[0] == b'0')
}
