//! The fast path for lines of the default (version 2) layout, or any layout of the same kinds in
//! the same order. The line is classified first, 16 bytes at a time, into three bit masks
//! (separators, dots, digits); the separators give the fields' bounds, a number is valid when
//! the digit mask covers it and is converted from one or two words with no per-character loop,
//! an address when its dots and digits cover it, with its octets at the dots' positions.
//!
//! It takes only the common case: 14 fields separated by single spaces, no `-`, numbers of at most
//! 16 digits, IPv4 addresses, a line of at most [`MAX_LINE`] bytes. Anything else (and any invalid
//! value) returns `false` before anything is appended, and the general parser takes the line, so
//! every line is still accepted or refused, and reported, by one set of rules.

use super::dict::FileDicts;
use super::number::leading_digits;
use super::segment::ColData;
use super::{MILLIS_THRESHOLD, v4_len};
use crate::model::schema::Kind;

/// The kinds of the default layout's 14 fields, in order.
pub(super) const V2_KINDS: [Kind; 14] = [
    Kind::U8,   // version
    Kind::Str,  // account-id
    Kind::Str,  // interface-id
    Kind::Addr, // srcaddr
    Kind::Addr, // dstaddr
    Kind::U16,  // srcport
    Kind::U16,  // dstport
    Kind::U8,   // protocol
    Kind::U64,  // packets
    Kind::U64,  // bytes
    Kind::Time, // start
    Kind::Time, // end
    Kind::Str,  // action
    Kind::Str,  // log-status
];

/// Longer lines take the general path (a v2 line is 100–130 bytes; 128 bytes is eight loads).
const MAX_LINE: usize = 128;

/// Readable bytes a line needs from its start: every 8- and 16-byte load is in bounds.
pub(super) const PADDED: usize = MAX_LINE + 16;

/// A line (its first `len` bytes, in a slice of at least [`PADDED`] bytes: the text it is
/// part of, or a zero-padded copy), with one bit per byte of the line for separators, dots and
/// digits.
struct Padded<'a> {
    buf: &'a [u8],
    seps: u128,
    dots: u128,
    digits: u128,
}

/// The masks of one 16-byte chunk: separators (space, tab), dots, digits.
#[cfg(target_arch = "x86_64")]
#[inline]
fn classify16(chunk: &[u8; 16]) -> [u16; 3] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };
    // SAFETY: `chunk` is 16 readable bytes and the load is unaligned; SSE2, the only target
    // feature used, is part of the x86_64 baseline.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
        let seps = _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8)),
        );
        let dots = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8));
        // A digit is a byte whose distance above '0' is at most 9 (unsigned).
        let above0 = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
        let digits = _mm_cmpeq_epi8(_mm_min_epu8(above0, _mm_set1_epi8(9)), above0);
        [
            _mm_movemask_epi8(seps) as u16,
            _mm_movemask_epi8(dots) as u16,
            _mm_movemask_epi8(digits) as u16,
        ]
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn classify16(chunk: &[u8; 16]) -> [u16; 3] {
    let mut m = [0u16; 3];
    for (k, &b) in chunk.iter().enumerate() {
        m[0] |= u16::from(super::is_sep(b)) << k;
        m[1] |= u16::from(b == b'.') << k;
        m[2] |= u16::from(b.is_ascii_digit()) << k;
    }
    m
}

impl<'a> Padded<'a> {
    /// `None` when `buf` is shorter than [`PADDED`].
    #[inline]
    fn new(buf: &'a [u8], len: usize) -> Option<Padded<'a>> {
        let buf = buf.get(..PADDED)?;
        let mut masks = [0u128; 3];
        for c in 0..MAX_LINE / 16 {
            let mut chunk = [0u8; 16];
            chunk.copy_from_slice(&buf[16 * c..16 * c + 16]);
            for (m, bits) in masks.iter_mut().zip(classify16(&chunk)) {
                *m |= u128::from(bits) << (16 * c);
            }
        }
        // Bytes past the line (the next lines, or padding) are not part of it.
        let line = u128::MAX.checked_shr(128 - len as u32).unwrap_or(0);
        let [seps, dots, digits] = masks.map(|m| m & line);
        Some(Padded {
            buf,
            seps,
            dots,
            digits,
        })
    }

    /// The 8 bytes at `i` as a little-endian word (`i` ≤ `MAX_LINE + 8`).
    #[inline]
    fn word(&self, i: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&self.buf[i..i + 8]);
        u64::from_le_bytes(w)
    }

    /// Whether `buf[s..e]` (1 to 64 bytes) are all digits.
    #[inline]
    fn all_digits(&self, s: usize, e: usize) -> bool {
        let want = low_bits(e - s);
        (self.digits >> s) as u64 & want == want
    }
}

/// The low `n` bits set (`n` ≤ 64).
#[inline(always)]
fn low_bits(n: usize) -> u64 {
    u64::MAX.checked_shr(64 - n as u32).unwrap_or(0)
}

/// The number `p[s..e]` (1 to 16 digits).
#[inline(always)]
fn number(p: &Padded, s: usize, e: usize) -> Option<u64> {
    let len = e - s;
    if !(1..=16).contains(&len) || !p.all_digits(s, e) {
        return None;
    }
    if len <= 8 {
        return Some(leading_digits(p.word(s), len));
    }
    Some(leading_digits(p.word(s), len - 8) * 100_000_000 + leading_digits(p.word(e - 8), 8))
}

/// A time field: seconds, or milliseconds turned into seconds; at most `u32::MAX`.
#[inline(always)]
fn time(p: &Padded, s: usize, e: usize) -> Option<u32> {
    let t = number(p, s, e)?;
    let t = if t >= MILLIS_THRESHOLD { t / 1000 } else { t };
    u32::try_from(t).ok()
}

/// The value of an octet of 1 to 3 digits starting at `p.buf[s]` (known to be digits).
#[inline(always)]
fn octet(p: &Padded, s: usize, len: usize) -> u32 {
    let w = p.word(s) as u32 & (low_bits(8 * len) as u32);
    // Right-align to three digits and pad with '0': d0 d1 d2 from the low byte up.
    let shift = 8 * (3 - len) as u32;
    let x = ((w << shift) | (0x30_3030 >> (8 * len as u32))) - 0x30_3030;
    (x & 0xff) * 100 + ((x >> 8) & 0xff) * 10 + (x >> 16)
}

/// The IPv4 address `p[s..e]` in its canonical dotted-quad text (no leading zeros).
#[inline(always)]
fn dotted_quad(p: &Padded, s: usize, e: usize) -> Option<u32> {
    let len = e - s;
    if !(7..=15).contains(&len) {
        return None;
    }
    let field = low_bits(len);
    let dots = (p.dots >> s) as u64 & field;
    let digits = (p.digits >> s) as u64 & field;
    // Three dots (no population count: baseline x86_64 has no POPCNT instruction).
    let r1 = dots & dots.wrapping_sub(1);
    let r2 = r1 & r1.wrapping_sub(1);
    if dots | digits != field || r2 == 0 || r2 & (r2 - 1) != 0 {
        return None;
    }
    let d1 = dots.trailing_zeros() as usize;
    let d2 = r1.trailing_zeros() as usize;
    let d3 = r2.trailing_zeros() as usize;
    let lens = [d1, d2 - d1 - 1, d3 - d2 - 1, len - d3 - 1];
    if lens.iter().any(|&l| !(1..=3).contains(&l)) {
        return None;
    }
    let o = [
        octet(p, s, lens[0]),
        octet(p, s + d1 + 1, lens[1]),
        octet(p, s + d2 + 1, lens[2]),
        octet(p, s + d3 + 1, lens[3]),
    ];
    let v4 = (o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3];
    // Octets above 255 or with a leading zero (`010`) do not give back the text's length.
    (o.iter().all(|&x| x <= 255) && len == v4_len(v4)).then_some(v4)
}

/// The values of one line, parsed before anything is appended.
struct Record {
    version: u8,
    ports: [u16; 2],
    protocol: u8,
    counters: [u64; 2],
    times: [u32; 2],
    addrs: [u32; 2],
}

/// The bounds of the 14 fields of a line whose separators are single spaces or tabs.
#[inline(always)]
fn field_bounds(seps: u128, len: usize) -> Option<[(usize, usize); 14]> {
    // Exactly 13 separators, none next to another, none first or last (the line is trimmed).
    if seps & (seps >> 1) != 0 || seps & 1 != 0 {
        return None;
    }
    let mut bounds = [(0usize, 0usize); 14];
    let mut rest = seps;
    let mut start = 0;
    for b in bounds.iter_mut().take(13) {
        if rest == 0 {
            return None;
        }
        let sep = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        *b = (start, sep);
        start = sep + 1;
    }
    bounds[13] = (start, len);
    (rest == 0 && start < len).then_some(bounds)
}

/// Parses the numbers and addresses of a line (strings are looked up once all of them passed).
#[inline(always)]
fn parse_record(p: &Padded, f: &[(usize, usize); 14]) -> Option<Record> {
    let small = |k: usize, max: u64| number(p, f[k].0, f[k].1).filter(|&v| v <= max);
    Some(Record {
        version: small(0, u64::from(u8::MAX))? as u8,
        addrs: [
            dotted_quad(p, f[3].0, f[3].1)?,
            dotted_quad(p, f[4].0, f[4].1)?,
        ],
        ports: [
            small(5, u64::from(u16::MAX))? as u16,
            small(6, u64::from(u16::MAX))? as u16,
        ],
        protocol: small(7, u64::from(u8::MAX))? as u8,
        counters: [number(p, f[8].0, f[8].1)?, number(p, f[9].0, f[9].1)?],
        times: [time(p, f[10].0, f[10].1)?, time(p, f[11].0, f[11].1)?],
    })
}

/// Parses `line` as a default-layout record and appends it to `cols` (the segment's 14
/// columns). `false`: nothing was appended, the general parser must take the line.
#[inline]
pub(super) fn record(line: &[u8], cols: &mut [ColData], dicts: &mut FileDicts) -> bool {
    let len = line.len();
    if len > MAX_LINE {
        return false;
    }
    let mut buf = [0u8; PADDED];
    buf[..len].copy_from_slice(line);
    record_in(&buf, len, cols, dicts)
}

/// [`record`] of the line that is the first `len` bytes of `text`, read in place: `text` must
/// hold at least [`PADDED`] bytes (what follows the line is masked off).
#[inline]
pub(super) fn record_in(
    text: &[u8],
    len: usize,
    cols: &mut [ColData],
    dicts: &mut FileDicts,
) -> bool {
    // A line that `trim` would change (a `\r` before the newline, a trailing space) is the
    // general parser's: the fast path takes only what the general one would read the same.
    if len > MAX_LINE || len == 0 || matches!(text[len - 1], b'\r' | b' ' | b'\t') {
        return false;
    }
    let Some(p) = Padded::new(text, len) else {
        return false;
    };
    let Some(f) = field_bounds(p.seps, len) else {
        return false;
    };
    // A string field that is `-` is null: the general path (in the other fields `-` is not a
    // number or an address, so they refuse it below).
    if [1, 2, 12, 13]
        .iter()
        .any(|&k| f[k].1 - f[k].0 == 1 && p.buf[f[k].0] == b'-')
    {
        return false;
    }
    let Some(r) = parse_record(&p, &f) else {
        return false;
    };
    let [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13] = cols else {
        return false;
    };
    let mut id = |col: &mut ColData, k: usize| {
        let id = match dicts.strings.get_mut(col.dict) {
            Some((_, d)) => d.id(p.buf, f[k].0, f[k].1),
            None => 0,
        };
        col.values.push(u64::from(id));
    };
    id(c1, 1);
    id(c2, 2);
    id(c12, 12);
    id(c13, 13);
    c3.values.push(u64::from(dicts.addrs.v4_id(r.addrs[0])));
    c4.values.push(u64::from(dicts.addrs.v4_id(r.addrs[1])));
    c0.values.push(u64::from(r.version));
    c5.values.push(u64::from(r.ports[0]));
    c6.values.push(u64::from(r.ports[1]));
    c7.values.push(u64::from(r.protocol));
    c8.values.push(r.counters[0]);
    c9.values.push(r.counters[1]);
    c10.values.push(u64::from(r.times[0]));
    c11.values.push(u64::from(r.times[1]));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_fields() {
        let line = b"2 264187939027 eni-a6705e19694d88b1a 10.0.38.166 10.0.35.68 8443 54826 6 8 12771 1709251201 1709251203 ACCEPT OK";
        let mut buf = [0u8; PADDED];
        buf[..line.len()].copy_from_slice(line);
        let p = Padded::new(&buf, line.len()).unwrap();
        let f = field_bounds(p.seps, line.len()).unwrap();
        assert_eq!(&line[f[3].0..f[3].1], b"10.0.38.166");
        assert_eq!(dotted_quad(&p, f[3].0, f[3].1), Some(0x0a00_26a6));
        assert_eq!(number(&p, f[5].0, f[5].1), Some(8443));
        assert_eq!(number(&p, f[10].0, f[10].1), Some(1709251201));
        assert_eq!(number(&p, f[0].0, f[0].1), Some(2));
        for k in [0, 5, 6, 7, 8, 9, 10, 11] {
            assert!(number(&p, f[k].0, f[k].1).is_some(), "{k}");
        }
        assert_eq!(dotted_quad(&p, f[4].0, f[4].1), Some(0x0a00_2344));
        assert!(parse_record(&p, &f).is_some());
    }
}
