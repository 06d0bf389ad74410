//! Flow-log text records → typed column segments.
//!
//! [`RecordParser`] takes one line (or one CloudWatch message) at a time, recognises header lines,
//! wrappers (`timestamp,message` CSV, ISO-timestamp export prefixes) and records, and appends each
//! valid record to the current [`Segment`]. A record is validated completely before anything is
//! appended, so a bad line leaves no trace but its entry in the [`SkipReport`].
//!
//! Strings and addresses are dictionary-encoded per file here (ids local to the file); the table
//! assembly merges the dictionaries and remaps the ids (see `table.rs`).

use std::net::Ipv6Addr;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::schema::{Column, Kind};

/// Rows per segment at most. A segment's vectors become a chunk of the frame without a copy, so
/// this bounds chunk size (and the cost of one vector growth step).
pub const SEGMENT_ROWS: usize = 1 << 22;

/// How many skipped lines a file keeps as examples (all are counted).
pub const MAX_SKIP_EXAMPLES: usize = 20;

/// Longest line text kept in a skip example.
const MAX_EXAMPLE_BYTES: usize = 300;

/// `start`/`end` values at or above this are milliseconds (flowlogs-reader's rule, see
/// conformance/README.md).
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

/// An IPv4 address is stored as its IPv4-mapped IPv6 value (`::ffff:a.b.c.d`), so one sorted
/// `u128` dictionary holds both families and every IPv4 CIDR is one contiguous id range.
pub const V4_MAPPED: u128 = 0xffff_0000_0000;

/// Address key of an IPv4 address.
pub fn v4_key(v4: u32) -> u128 {
    V4_MAPPED | u128::from(v4)
}

/// Formats an address key as text (IPv4 dotted quad or RFC 5952 IPv6).
pub fn addr_to_string(key: u128) -> String {
    if key >> 32 == V4_MAPPED >> 32 {
        std::net::Ipv4Addr::from(key as u32).to_string()
    } else {
        Ipv6Addr::from(key).to_string()
    }
}

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
fn parse_ipv6_hex(s: &[u8]) -> Option<u128> {
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

/// Parses an unsigned decimal integer (no sign, no spaces).
#[inline]
pub fn parse_uint(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s.len() >= 8 && s.len() < 20 {
        // Leading digits one by one, the last eight at once.
        let (head, tail) = s.split_at(s.len() - 8);
        let mut v: u64 = 0;
        for &b in head {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            v = v * 10 + u64::from(d);
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(tail);
        return Some(v * 100_000_000 + parse_8_digits(u64::from_le_bytes(word))?);
    }
    let mut v: u64 = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(v)
}

/// High bit set in each byte of `word` that is not an ASCII digit.
#[inline]
fn non_digit_mask(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = word & LOW7;
    // Per byte, no carries (each byte is at most 0x7f + 0x50 < 0x100).
    let at_least_0 = (low + 0x5050_5050_5050_5050) & HIGH; // byte >= 0x30
    let above_9 = (low + 0x4646_4646_4646_4646) & HIGH; // byte >= 0x3a
    let digit = at_least_0 & !above_9 & !(word & HIGH);
    !digit & HIGH
}

/// A number of 1 to 10 digits followed by a separator or the end of the line, read with one or
/// two 8-byte loads and no per-digit loop. `None` means: use the general path.
#[inline]
fn scan_short_number(line: &[u8], start: usize) -> Option<(usize, u64)> {
    let chunk = line.get(start..start + 8)?;
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(chunk);
    let word = u64::from_le_bytes(bytes);
    let digits = (non_digit_mask(word).trailing_zeros() / 8) as usize;
    if digits == 0 {
        return None;
    }
    if digits < 8 {
        if !line.get(start + digits).copied().is_some_and(is_sep) {
            return None;
        }
        // Right-align the digits and pad the low bytes with '0'.
        let shift = 8 * (8 - digits) as u32;
        let padded = (word << shift) | (0x3030_3030_3030_3030u64 >> (64 - shift));
        return Some((start + digits, parse_8_digits_unchecked(padded)));
    }
    // Eight digits, then up to two more (10-digit epoch seconds).
    let mut v = parse_8_digits_unchecked(word);
    let mut i = start + 8;
    while i < start + 10 {
        match line.get(i) {
            Some(b) if b.is_ascii_digit() => {
                v = v * 10 + u64::from(b - b'0');
                i += 1;
            }
            _ => break,
        }
    }
    match line.get(i) {
        None => Some((i, v)),
        Some(b) if is_sep(*b) => Some((i, v)),
        _ => None,
    }
}

/// Eight ASCII digits (little-endian word, first digit in the low byte) → their value.
#[inline]
fn parse_8_digits(word: u64) -> Option<u64> {
    // Every byte must be 0x30..=0x39: high nibble 3, and adding 6 must not carry into it.
    let all_digits = (word & 0xf0f0_f0f0_f0f0_f0f0) == 0x3030_3030_3030_3030
        && (word.wrapping_add(0x0606_0606_0606_0606) & 0xf0f0_f0f0_f0f0_f0f0)
            == 0x3030_3030_3030_3030;
    if !all_digits {
        return None;
    }
    Some(parse_8_digits_unchecked(word))
}

/// [`parse_8_digits`] for a word known to hold eight ASCII digits.
#[inline]
fn parse_8_digits_unchecked(word: u64) -> u64 {
    let v = word.wrapping_sub(0x3030_3030_3030_3030);
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    ((v & 0x0000_00ff_0000_00ff).wrapping_mul(100 + (1_000_000 << 32))
        + ((v >> 16) & 0x0000_00ff_0000_00ff).wrapping_mul(1 + (10_000 << 32)))
        >> 32
}

/// Appends one parsed value (`NULL` for `-`) to a column; strings are `text[start..end]`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn push_value(
    col: &mut ColData,
    kind: Kind,
    v: u128,
    text: &[u8],
    start: usize,
    end: usize,
    row: u32,
    dicts: &mut FileDicts,
) {
    let is_null = v == NULL;
    if is_null {
        col.nulls.push(row);
    }
    let v = if is_null { 0 } else { v };
    match &mut col.values {
        Values::U8(vec) => vec.push(v as u8),
        Values::U16(vec) => vec.push(v as u16),
        Values::U32(vec) => vec.push(v as u32),
        Values::U64(vec) => vec.push(v as u64),
        Values::Ids(vec) => {
            let id = if is_null {
                0
            } else if kind == Kind::Addr {
                dicts.addrs.id(v)
            } else {
                match dicts.strings.get_mut(col.dict) {
                    Some((_, d)) => d.id(text, start, end),
                    None => 0,
                }
            };
            vec.push(id);
        }
    }
}

/// High bit set in each byte of `word` that is a space or a tab (exact, no false positives).
#[inline]
fn separator_mask(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    #[inline]
    fn zero_bytes(x: u64) -> u64 {
        !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
    }
    zero_bytes(word ^ 0x2020_2020_2020_2020) | zero_bytes(word ^ 0x0909_0909_0909_0909)
}

/// End of the token starting at `i`: the next space or tab, or the end of the line. Eight bytes
/// at a time.
#[inline]
fn token_end(line: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = line.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mask = separator_mask(u64::from_le_bytes(word));
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < line.len() && !is_sep(line[i]) {
        i += 1;
    }
    i
}

/// Number of fields (runs of non-separators) on a line.
fn count_fields(line: &[u8]) -> usize {
    line.split(|b| is_sep(*b)).filter(|t| !t.is_empty()).count()
}

#[inline]
fn is_sep(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Scans the token starting at `start` and parses it as `kind` in the same pass. Returns the end
/// of the token and the value as [`parse_value`] would.
#[inline]
fn scan_value(kind: Kind, line: &[u8], start: usize) -> (usize, Option<u128>) {
    let len = line.len();
    let token_end = |i: usize| token_end(line, i);
    match kind {
        Kind::U8 | Kind::U16 | Kind::U64 | Kind::Time => {
            if let Some((end, v)) = scan_short_number(line, start) {
                let v = if kind == Kind::Time && v >= MILLIS_THRESHOLD {
                    v / 1000
                } else {
                    v
                };
                return (end, (v <= kind.max_value()).then_some(u128::from(v)));
            }
            let mut i = start;
            let mut v: u64 = 0;
            while i < len && i - start < 19 {
                let d = line[i].wrapping_sub(b'0');
                if d > 9 {
                    break;
                }
                v = v * 10 + u64::from(d);
                i += 1;
            }
            if i > start && (i == len || is_sep(line[i])) {
                let v = if kind == Kind::Time && v >= MILLIS_THRESHOLD {
                    v / 1000
                } else {
                    v
                };
                return (i, (v <= kind.max_value()).then_some(u128::from(v)));
            }
            // `-`, 20-digit numbers and invalid tokens.
            let end = token_end(i);
            (end, parse_value(kind, &line[start..end]))
        }
        Kind::Addr => {
            // Dotted quad while scanning; anything else (IPv6, `-`, junk) the slow way.
            let mut i = start;
            let mut out: u32 = 0;
            let mut cur: u32 = 0;
            let mut digits = 0;
            let mut dots = 0;
            while i < len {
                let b = line[i];
                let d = b.wrapping_sub(b'0');
                if d <= 9 {
                    cur = cur * 10 + u32::from(d);
                    digits += 1;
                    if digits > 3 || cur > 255 {
                        break;
                    }
                } else if b == b'.' && digits > 0 && dots < 3 {
                    out = (out << 8) | cur;
                    cur = 0;
                    digits = 0;
                    dots += 1;
                } else {
                    break;
                }
                i += 1;
            }
            if dots == 3 && digits > 0 && (i == len || is_sep(line[i])) {
                return (i, Some(v4_key((out << 8) | cur)));
            }
            let end = token_end(i);
            (end, parse_value(kind, &line[start..end]))
        }
        Kind::Str => {
            let end = token_end(start);
            (end, parse_value(kind, &line[start..end]))
        }
    }
}

/// Parses one token of `kind`: the value (addresses as keys, strings as 0, numbers as numbers),
/// [`NULL`] for `-`, `None` when invalid.
#[inline]
fn parse_value(kind: Kind, tok: &[u8]) -> Option<u128> {
    if tok == b"-" {
        return Some(NULL);
    }
    match kind {
        Kind::Str => Some(0),
        Kind::Addr => parse_addr(tok),
        Kind::Time => {
            let t = parse_uint(tok)?;
            let t = if t >= MILLIS_THRESHOLD { t / 1000 } else { t };
            (t <= kind.max_value()).then_some(u128::from(t))
        }
        _ => {
            let v = parse_uint(tok)?;
            (v <= kind.max_value()).then_some(u128::from(v))
        }
    }
}

/// Why a line was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The line does not have as many fields as the layout.
    FieldCount {
        /// Fields in the active layout.
        expected: usize,
        /// Fields on the line.
        found: usize,
    },
    /// A numeric field is not a number or out of range.
    BadNumber {
        /// Column name.
        field: String,
        /// The token (truncated).
        value: String,
    },
    /// An address field is not an IPv4 or IPv6 address.
    BadAddress {
        /// Column name.
        field: String,
        /// The token (truncated).
        value: String,
    },
    /// A line longer than the limit (skipped without being held in memory).
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// JSON that is not a flow-log wrapper, or not valid.
    BadJson(String),
    /// The file ended in the middle of a line (truncated or broken file).
    Truncated,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::FieldCount { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            SkipReason::BadNumber { field, value } => {
                write!(f, "field `{field}`: `{value}` is not a valid number")
            }
            SkipReason::BadAddress { field, value } => {
                write!(
                    f,
                    "field `{field}`: `{value}` is not an IPv4 or IPv6 address"
                )
            }
            SkipReason::TooLong { limit } => write!(f, "line longer than {limit} bytes"),
            SkipReason::BadJson(msg) => write!(f, "{msg}"),
            SkipReason::Truncated => write!(f, "incomplete last line (file ends mid-record)"),
        }
    }
}

/// One skipped line kept as an example for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedLine {
    /// 1-based line number in the (decompressed) text, or the JSON value/event ordinal.
    pub line: u64,
    /// Why it was skipped.
    pub reason: SkipReason,
    /// The line itself (lossy UTF-8, truncated).
    pub text: String,
}

/// Skipped lines of one file: all counted, the first [`MAX_SKIP_EXAMPLES`] kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkipReport {
    /// Number of skipped lines.
    pub count: u64,
    /// The first examples.
    pub examples: Vec<SkippedLine>,
}

impl SkipReport {
    /// Records a skipped line.
    pub fn push(&mut self, line: u64, reason: SkipReason, text: &[u8]) {
        self.count += 1;
        if self.examples.len() < MAX_SKIP_EXAMPLES {
            let cut = &text[..text.len().min(MAX_EXAMPLE_BYTES)];
            self.examples.push(SkippedLine {
                line,
                reason,
                text: String::from_utf8_lossy(cut).into_owned(),
            });
        }
    }
}

/// Values of one column of a segment. Strings and addresses hold file-local dictionary ids.
#[derive(Debug)]
pub enum Values {
    /// `Kind::U8`.
    U8(Vec<u8>),
    /// `Kind::U16`.
    U16(Vec<u16>),
    /// `Kind::Time` (seconds).
    U32(Vec<u32>),
    /// `Kind::U64`.
    U64(Vec<u64>),
    /// `Kind::Addr` and `Kind::Str`: ids into the file's dictionary for this column.
    Ids(Vec<u32>),
}

impl Values {
    fn new(kind: Kind) -> Values {
        match kind {
            Kind::U8 => Values::U8(Vec::new()),
            Kind::U16 => Values::U16(Vec::new()),
            Kind::Time => Values::U32(Vec::new()),
            Kind::U64 => Values::U64(Vec::new()),
            Kind::Addr | Kind::Str => Values::Ids(Vec::new()),
        }
    }

    fn shrink(&mut self) {
        match self {
            Values::U8(v) => v.shrink_to_fit(),
            Values::U16(v) => v.shrink_to_fit(),
            Values::U32(v) => v.shrink_to_fit(),
            Values::U64(v) => v.shrink_to_fit(),
            Values::Ids(v) => v.shrink_to_fit(),
        }
    }

    /// Makes room for `rows` values in all, with one allocation.
    fn reserve_total(&mut self, rows: usize) {
        fn go<T>(v: &mut Vec<T>, rows: usize) {
            v.reserve_exact(rows.saturating_sub(v.len()));
        }
        match self {
            Values::U8(v) => go(v, rows),
            Values::U16(v) => go(v, rows),
            Values::U32(v) | Values::Ids(v) => go(v, rows),
            Values::U64(v) => go(v, rows),
        }
    }

    fn truncate(&mut self, len: usize) {
        match self {
            Values::U8(v) => v.truncate(len),
            Values::U16(v) => v.truncate(len),
            Values::U32(v) | Values::Ids(v) => v.truncate(len),
            Values::U64(v) => v.truncate(len),
        }
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Values::U8(v) => v.capacity(),
            Values::U16(v) => v.capacity() * 2,
            Values::U32(v) | Values::Ids(v) => v.capacity() * 4,
            Values::U64(v) => v.capacity() * 8,
        }
    }
}

/// One column of a segment: values plus the rows that are null (`-`).
#[derive(Debug)]
pub struct ColData {
    /// The values (0 where null).
    pub values: Values,
    /// Row indexes (within the segment) that are null.
    pub nulls: Vec<u32>,
    /// For `Kind::Str`: index into [`FileDicts::strings`].
    pub dict: usize,
}

/// Rows that share one layout, in file order.
#[derive(Debug)]
pub struct Segment {
    /// The columns of every row of this segment.
    pub layout: Arc<[Column]>,
    /// One entry per layout column.
    pub cols: Vec<ColData>,
    /// Number of rows.
    pub rows: usize,
}

/// Dictionary of the distinct strings of one column in one file.
#[derive(Debug, Default)]
pub struct StrDict {
    /// The first [`LINEAR_DICT`] short values, searched linearly while the dictionary is small.
    first: Vec<(ShortKey, u32)>,
    /// Every value of at most 32 bytes, by its packed form.
    short: FxHashMap<ShortKey, u32>,
    /// Longer values.
    long: FxHashMap<Box<[u8]>, u32>,
    /// Distinct values in id order.
    pub values: Vec<Box<[u8]>>,
}

/// Dictionaries up to this size are searched linearly (no hashing): `action`, `log-status`,
/// `account-id`, `type`, … never get past it.
const LINEAR_DICT: usize = 8;

/// A string of at most 32 bytes packed into two words and its length, so it is compared and
/// hashed as three integers (no `memcmp` call, no byte loop). `head` is the first 16 bytes
/// (zero-padded), `tail` the last 16 when the string is longer than 16: with the length, the
/// two determine the string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ShortKey {
    head: u128,
    tail: u128,
    len: u32,
}

impl ShortKey {
    /// The key of `text[start..end]`, if that is at most 32 bytes. Bytes after `end` may be
    /// read (and masked off), never written.
    #[inline]
    fn of(text: &[u8], start: usize, end: usize) -> Option<ShortKey> {
        let len = end.checked_sub(start)?;
        if len > 32 || end > text.len() {
            return None;
        }
        let head_len = len.min(16);
        let head = match text.get(start..start + 16) {
            Some(w) => {
                let mut b = [0u8; 16];
                b.copy_from_slice(w);
                let mask = if head_len == 16 {
                    u128::MAX
                } else {
                    (1u128 << (8 * head_len)) - 1
                };
                u128::from_le_bytes(b) & mask
            }
            // Near the end of the text (the last field of a line): the 16 bytes that end at
            // `end`, shifted down. A short `len` here: `start + 16` is past the end.
            None => match end.checked_sub(16).and_then(|s| text.get(s..end)) {
                Some(w) => {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(w);
                    u128::from_le_bytes(b)
                        .checked_shr(8 * (16 - head_len) as u32)
                        .unwrap_or(0)
                }
                None => {
                    let mut b = [0u8; 16];
                    b[..head_len].copy_from_slice(&text[start..start + head_len]);
                    u128::from_le_bytes(b)
                }
            },
        };
        let tail = if len > 16 {
            let mut b = [0u8; 16];
            b.copy_from_slice(&text[end - 16..end]);
            u128::from_le_bytes(b)
        } else {
            0
        };
        Some(ShortKey {
            head,
            tail,
            len: len as u32,
        })
    }
}

impl StrDict {
    /// The id of `text[start..end]`, added if new.
    #[inline]
    fn id(&mut self, text: &[u8], start: usize, end: usize) -> u32 {
        let Some(key) = ShortKey::of(text, start, end) else {
            return self.long_id(text.get(start..end).unwrap_or_default());
        };
        if self.short.len() <= LINEAR_DICT {
            if let Some(&(_, id)) = self.first.iter().find(|(k, _)| *k == key) {
                return id;
            }
        } else if let Some(&id) = self.short.get(&key) {
            return id;
        }
        let id = self.push(&text[start..end]);
        if self.first.len() < LINEAR_DICT {
            self.first.push((key, id));
        }
        self.short.insert(key, id);
        id
    }

    #[cold]
    fn long_id(&mut self, s: &[u8]) -> u32 {
        if let Some(&id) = self.long.get(s) {
            return id;
        }
        let id = self.push(s);
        self.long.insert(s.into(), id);
        id
    }

    fn push(&mut self, s: &[u8]) -> u32 {
        let id = self.values.len() as u32;
        self.values.push(s.into());
        id
    }
}

/// Dictionary of the distinct addresses of one file (all address columns share it).
#[derive(Debug, Default)]
pub struct AddrDict {
    /// IPv4 addresses by their 32 bits: 8-byte entries, a quarter of a `u128` entry, so the
    /// table stays in cache (looked up twice per record).
    v4: FxHashMap<u32, u32>,
    /// Every other address.
    map: FxHashMap<u128, u32>,
    /// Distinct address keys in id order.
    pub values: Vec<u128>,
}

impl AddrDict {
    #[inline]
    fn id(&mut self, key: u128) -> u32 {
        let values = &mut self.values;
        let new = || {
            values.push(key);
            (values.len() - 1) as u32
        };
        if key >> 32 == V4_MAPPED >> 32 {
            *self.v4.entry(key as u32).or_insert_with(new)
        } else {
            *self.map.entry(key).or_insert_with(new)
        }
    }
}

/// The dictionaries of one file.
#[derive(Debug, Default)]
pub struct FileDicts {
    /// Address dictionary shared by all address columns.
    pub addrs: AddrDict,
    /// One dictionary per string column name.
    pub strings: Vec<(String, StrDict)>,
}

impl FileDicts {
    fn string_dict(&mut self, name: &str) -> usize {
        if let Some(i) = self.strings.iter().position(|(n, _)| n == name) {
            return i;
        }
        self.strings.push((name.to_owned(), StrDict::default()));
        self.strings.len() - 1
    }
}

/// Parses the records of one file.
#[derive(Debug)]
pub struct RecordParser {
    default_layout: Arc<[Column]>,
    layout: Arc<[Column]>,
    /// Finished segments, in file order.
    pub segments: Vec<Segment>,
    current: Option<Segment>,
    /// The file's dictionaries.
    pub dicts: FileDicts,
    /// Skipped lines.
    pub skipped: SkipReport,
    /// Valid records so far.
    pub records: u64,
    /// `timestamp,message` CSV (CloudWatch console download) seen.
    csv_messages: bool,
    kinds: Vec<Kind>,
    scratch: Vec<u128>,
}

/// Parsed value placeholder for null.
const NULL: u128 = u128::MAX;

impl RecordParser {
    /// A parser whose layout, until a header line says otherwise, is `layout`.
    pub fn new(layout: Arc<[Column]>) -> RecordParser {
        let mut p = RecordParser {
            default_layout: layout.clone(),
            layout,
            segments: Vec::new(),
            current: None,
            dicts: FileDicts::default(),
            skipped: SkipReport::default(),
            records: 0,
            csv_messages: false,
            kinds: Vec::new(),
            scratch: Vec::with_capacity(64),
        };
        p.kinds = p.layout.iter().map(Column::kind).collect();
        p
    }

    /// The layout records are currently parsed with.
    pub fn layout(&self) -> &Arc<[Column]> {
        &self.layout
    }

    /// Handles one line of text (without the newline). `line_no` is 1-based.
    ///
    /// Returns `true` when the line starts with `{` and should be handled as JSON by the caller.
    pub fn line(&mut self, raw: &[u8], line_no: u64) -> bool {
        let line = trim(raw);
        if line.is_empty() {
            return false;
        }
        if line[0] == b'{' {
            return true;
        }
        self.message(line, line_no);
        false
    }

    /// Handles one record text that came out of a wrapper (JSON `message`, CSV, or a line).
    pub fn message(&mut self, line: &[u8], line_no: u64) {
        let mut line = trim(line);
        if line.is_empty() {
            return;
        }
        let first = line[0];
        if first.is_ascii_digit() {
            if self.csv_messages
                && let Some(comma) = memchr::memchr(b',', line)
                && line[..comma].iter().all(u8::is_ascii_digit)
            {
                let msg = unquote_csv(&line[comma + 1..]);
                self.record(&msg, line_no, line);
                return;
            }
            if let Some(rest) = strip_iso_timestamp(line) {
                line = rest;
            }
        } else if first.is_ascii_lowercase() {
            if line.eq_ignore_ascii_case(b"timestamp,message") {
                self.csv_messages = true;
                return;
            }
            if let Some(columns) = header_columns(line) {
                self.set_layout(columns.into());
                return;
            }
        }
        self.record(line, line_no, line);
    }

    /// Parses the following records with `layout` (Parquet columns), as a header line would.
    pub fn force_layout(&mut self, layout: Arc<[Column]>) {
        self.set_layout(layout);
    }

    fn set_layout(&mut self, layout: Arc<[Column]>) {
        if *layout == *self.layout {
            return;
        }
        self.seal();
        self.kinds = layout.iter().map(Column::kind).collect();
        self.layout = layout;
    }

    /// Ends the current segment (a new one starts with the next record).
    fn seal(&mut self) {
        if let Some(mut seg) = self.current.take() {
            for c in &mut seg.cols {
                c.values.shrink();
                c.nulls.shrink_to_fit();
            }
            self.segments.push(seg);
        }
    }

    /// Finishes parsing: seals the last segment.
    pub fn finish(mut self) -> ParsedFile {
        self.seal();
        ParsedFile {
            segments: self.segments,
            dicts: self.dicts,
            skipped: self.skipped,
            records: self.records,
        }
    }

    /// Records a skipped line that never reached the record parser (JSON errors, long lines).
    pub fn skip(&mut self, line_no: u64, reason: SkipReason, text: &[u8]) {
        self.skipped.push(line_no, reason, text);
    }

    /// Parses one record with the active layout; `shown` is what a skip example shows.
    ///
    /// One pass over the bytes: each token is parsed as it is found. Nothing is appended unless
    /// the whole line is valid.
    fn record(&mut self, line: &[u8], line_no: u64, shown: &[u8]) {
        self.ensure_segment();
        let Some(seg) = self.current.as_mut() else {
            return;
        };
        let n = self.kinds.len();
        let row = seg.rows as u32;
        let len = line.len();
        let mut i = 0;
        // The first invalid value (field, token start, token end), if any.
        let mut error: Option<(usize, usize, usize)> = None;
        // Each field is parsed while scanned and appended to its column at once; a bad line is
        // rolled back below (bad lines are rare, so this beats buffering every line).
        for (k, (col, &kind)) in seg.cols.iter_mut().zip(&self.kinds).enumerate() {
            while i < len && is_sep(line[i]) {
                i += 1;
            }
            if i == len {
                // Too few fields: counted below.
                error = Some((k, i, i));
                break;
            }
            let start = i;
            let (end, value) = scan_value(kind, line, start);
            i = end;
            match value {
                Some(v) => push_value(col, kind, v, line, start, end, row, &mut self.dicts),
                None => {
                    error = Some((k, start, end));
                    break;
                }
            }
        }
        if error.is_none() {
            while i < len && is_sep(line[i]) {
                i += 1;
            }
            if i == len {
                seg.rows += 1;
                self.records += 1;
                return;
            }
        }
        // Not a valid record: take back what was appended, then say why.
        for col in &mut seg.cols {
            col.values.truncate(row as usize);
            if col.nulls.last() == Some(&row) {
                col.nulls.pop();
            }
        }
        let found = count_fields(line);
        let reason = if found != n {
            SkipReason::FieldCount { expected: n, found }
        } else if let Some((k, s, e)) = error {
            self.value_error(k, &line[s..e])
        } else {
            return;
        };
        self.skipped.push(line_no, reason, shown);
    }

    /// Seals a full segment and starts one for the current layout if needed.
    #[inline]
    fn ensure_segment(&mut self) {
        if self.current.as_ref().is_some_and(|s| s.rows < SEGMENT_ROWS) {
            return;
        }
        self.new_segment();
    }

    #[cold]
    fn new_segment(&mut self) {
        if self
            .current
            .as_ref()
            .is_some_and(|s| s.rows >= SEGMENT_ROWS)
        {
            self.seal();
        }
        if self.current.is_none() {
            let cols = self
                .layout
                .iter()
                .map(|c| ColData {
                    values: Values::new(c.kind()),
                    nulls: Vec::new(),
                    dict: if c.kind() == Kind::Str {
                        self.dicts.string_dict(c.name())
                    } else {
                        0
                    },
                })
                .collect();
            self.current = Some(Segment {
                layout: self.layout.clone(),
                cols,
                rows: 0,
            });
        }
    }

    fn value_error(&self, k: usize, tok: &[u8]) -> SkipReason {
        let field = self.layout.get(k).map_or("", Column::name).to_owned();
        let value = shorten(tok);
        if self.kinds.get(k) == Some(&Kind::Addr) {
            SkipReason::BadAddress { field, value }
        } else {
            SkipReason::BadNumber { field, value }
        }
    }

    /// Parses one record given as tokens (Parquet rows; strings may contain spaces).
    pub fn tokens_record<'t>(
        &mut self,
        token: impl Fn(usize) -> &'t [u8],
        count: usize,
    ) -> Result<(), SkipReason> {
        let n = self.kinds.len();
        if count != n {
            return Err(SkipReason::FieldCount {
                expected: n,
                found: count,
            });
        }
        self.scratch.clear();
        for k in 0..n {
            let tok = token(k);
            match parse_value(self.kinds[k], tok) {
                Some(v) => self.scratch.push(v),
                None => return Err(self.value_error(k, tok)),
            }
        }
        self.commit(token);
        Ok(())
    }

    /// Appends the validated values in `scratch` (strings taken from `token`).
    fn commit<'t>(&mut self, token: impl Fn(usize) -> &'t [u8]) {
        self.ensure_segment();
        let Some(seg) = self.current.as_mut() else {
            return;
        };
        let row = seg.rows as u32;
        for (k, (col, &v)) in seg.cols.iter_mut().zip(&self.scratch).enumerate() {
            let kind = self.kinds.get(k).copied().unwrap_or(Kind::Str);
            let tok = token(k);
            push_value(col, kind, v, tok, 0, tok.len(), row, &mut self.dicts);
        }
        seg.rows += 1;
        self.records += 1;
    }

    /// Makes room in the current segment for `rows` records in all (an estimate from the text
    /// still to come), so its columns are allocated once instead of doubling and copying.
    pub fn reserve_rows(&mut self, rows: usize) {
        if let Some(seg) = self.current.as_mut() {
            let rows = rows.min(SEGMENT_ROWS);
            for col in &mut seg.cols {
                col.values.reserve_total(rows);
            }
        }
    }

    /// Resets the layout to the default (used between CloudWatch payloads, which have no header).
    pub fn reset_layout(&mut self) {
        let d = self.default_layout.clone();
        self.set_layout(d);
    }
}

/// What parsing one file produced.
#[derive(Debug, Default)]
pub struct ParsedFile {
    /// Row segments in file order.
    pub segments: Vec<Segment>,
    /// The file's dictionaries (ids in the segments refer to these).
    pub dicts: FileDicts,
    /// Skipped lines.
    pub skipped: SkipReport,
    /// Valid records.
    pub records: u64,
}

fn shorten(tok: &[u8]) -> String {
    let cut = &tok[..tok.len().min(60)];
    String::from_utf8_lossy(cut).into_owned()
}

/// Trims ASCII spaces, tabs and `\r` on both ends.
pub fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if matches!(first, b' ' | b'\t' | b'\r') {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if matches!(last, b' ' | b'\t' | b'\r') {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// If the line starts with an ISO-8601 UTC timestamp (`2021-03-04T14:01:33.000Z `, CloudWatch
/// export), returns the rest.
fn strip_iso_timestamp(line: &[u8]) -> Option<&[u8]> {
    if line.len() < 21 || line.get(4) != Some(&b'-') || line.get(10) != Some(&b'T') {
        return None;
    }
    let end = memchr::memchr(b' ', line)?;
    let stamp = &line[..end];
    let ok = stamp.iter().take(4).all(u8::is_ascii_digit)
        && stamp
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b'T' | b'Z' | b'+'));
    ok.then(|| &line[end + 1..])
}

/// Removes CSV quoting from a field (`"a ""b"""` → `a "b"`).
fn unquote_csv(s: &[u8]) -> Vec<u8> {
    let s = trim(s);
    if s.len() >= 2 && s[0] == b'"' && s[s.len() - 1] == b'"' {
        let inner = &s[1..s.len() - 1];
        let mut out = Vec::with_capacity(inner.len());
        let mut i = 0;
        while i < inner.len() {
            out.push(inner[i]);
            if inner[i] == b'"' && inner.get(i + 1) == Some(&b'"') {
                i += 1;
            }
            i += 1;
        }
        out
    } else {
        s.to_vec()
    }
}

/// If `line` is a header (field names only), its columns.
///
/// A header is a line whose tokens all look like field names (`[a-z][a-z0-9_-]*`) and at least
/// half of them (and at least one) are known fields; unknown names become string columns.
pub fn header_columns(line: &[u8]) -> Option<Vec<Column>> {
    let mut columns: Vec<Column> = Vec::new();
    let mut known = 0usize;
    for tok in line
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|t| !t.is_empty())
    {
        let first = *tok.first()?;
        if !first.is_ascii_lowercase()
            || !tok
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
        {
            return None;
        }
        let name = std::str::from_utf8(tok).ok()?;
        let mut col = Column::from_name(name);
        if matches!(col, Column::Known(_)) {
            known += 1;
        }
        if columns.contains(&col) {
            col = Column::Unknown(format!("{}_{}", col.name(), columns.len() + 1));
        }
        columns.push(col);
    }
    (known >= 1 && known * 2 >= columns.len()).then_some(columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::schema::default_layout;

    fn parser() -> RecordParser {
        RecordParser::new(default_layout().into())
    }

    #[test]
    fn fast_ipv6_agrees_with_the_standard_parser() {
        let std_parse = |t: &str| t.parse::<Ipv6Addr>().ok().map(u128::from);
        let fixed = [
            "::",
            "::1",
            "1::",
            "1::2",
            "2600:1f18:4a3b:e800:bb31:f63e:c530:66b6",
            "2a01:e08:cd1c:fa0d:e0c5::",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::8",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":1",
            "1:",
            "1:::2",
            "12345::",
            "ABCD:ef01::",
            "::ffff:10.0.0.1",
            "1:2:3:4:5:6:7",
            ":::",
            "0::0",
        ];
        for t in fixed {
            if let Some(v) = parse_ipv6_hex(t.as_bytes()) {
                assert_eq!(Some(v), std_parse(t), "{t}");
            }
            assert_eq!(parse_addr(t.as_bytes()), std_parse(t), "{t}");
        }
        assert!(parse_ipv6_hex(b"2600:1f18:4a3b:e800:bb31:f63e:c530:66b6").is_some());
        assert!(parse_ipv6_hex(b"1::").is_some());
        // Random near-addresses: 1–9 groups of 0–5 hex digits, joined by `:` or `::`, with
        // stray colons at the ends now and then.
        let mut seed = 99u64;
        let mut next = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let (mut accepted, mut valid) = (0, 0);
        for _ in 0..200_000 {
            let mut text = String::new();
            if next(8) == 0 {
                text.push(':');
            }
            for g in 0..1 + next(9) {
                if g > 0 {
                    text.push_str(if next(7) == 0 { "::" } else { ":" });
                }
                for _ in 0..next(6) {
                    text.push(b"0123456789abcdefABCDEF"[next(22) as usize] as char);
                }
            }
            if next(8) == 0 {
                text.push(':');
            }
            let fast = parse_ipv6_hex(text.as_bytes());
            let reference = std_parse(&text);
            if let Some(v) = fast {
                assert_eq!(Some(v), reference, "{text}");
                accepted += 1;
            }
            valid += usize::from(reference.is_some());
            assert_eq!(parse_addr(text.as_bytes()), reference, "{text}");
        }
        // The generator reaches valid forms, and the fast path takes nearly all of them.
        assert!(valid > 5_000, "{valid}");
        assert!(accepted * 100 >= valid * 95, "{accepted} of {valid}");
    }

    #[test]
    fn string_dictionary_tells_apart_every_length_and_position() {
        // Strings that agree on their first and last 16 bytes, or differ only in length, or
        // sit at the end of the text (where 16 bytes cannot be read after their start).
        let words: Vec<Vec<u8>> = [
            "OK",
            "OKX",
            "ACCEPT",
            "a",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopqr",
            "abcdefghijklmnopXr",
            "eni-0123456789abcdef0",
            "eni-0123456789abcdef1",
            "tgw-attach-0123456789abcdef0",
            "x".repeat(32).as_str(),
            "x".repeat(33).as_str(),
            "x".repeat(34).as_str(),
            "y".repeat(40).as_str(),
        ]
        .iter()
        .map(|w| w.as_bytes().to_vec())
        .collect();
        let mut d = StrDict::default();
        let mut ids = Vec::new();
        for (i, w) in words.iter().enumerate() {
            // Alone (at the end of the text), and inside a longer line.
            let alone = d.id(w, 0, w.len());
            let line = [b"pad ".as_slice(), w, b" after the word, long enough"].concat();
            let inside = d.id(&line, 4, 4 + w.len());
            assert_eq!(alone, inside, "word {i}");
            let tail = [b"0123456789abcdefghij ".as_slice(), w].concat();
            assert_eq!(d.id(&tail, 21, tail.len()), alone, "word {i} at the end");
            ids.push(alone);
        }
        let mut distinct = ids.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), words.len(), "{ids:?}");
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(&*d.values[*id as usize], &w[..]);
        }
    }

    #[test]
    fn numbers_and_addresses() {
        assert_eq!(parse_uint(b"0"), Some(0));
        assert_eq!(parse_uint(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_uint(b"18446744073709551616"), None);
        assert_eq!(parse_uint(b"12a"), None);
        assert_eq!(parse_uint(b""), None);
        // The 8-digit fast path against the obvious definition.
        for v in [
            0u64,
            7,
            12_345_678,
            99_999_999,
            100_000_000,
            1_418_530_010,
            1_512_564_058_000,
            9_999_999_999_999_999_999,
        ] {
            assert_eq!(parse_uint(v.to_string().as_bytes()), Some(v), "{v}");
            assert_eq!(parse_uint(format!("{v:08}").as_bytes()), Some(v), "{v:08}");
        }
        assert_eq!(parse_uint(b"14185300a0"), None);
        assert_eq!(parse_uint(b"1418530:10"), None);
        assert_eq!(parse_uint(b"1418530/10"), None);
        assert_eq!(parse_uint(b"12345678 "), None);
        // The fused scanner agrees with parse_uint for every length and boundary.
        for v in [
            0u64,
            5,
            42,
            443,
            65535,
            1_234_567,
            12_345_678,
            123_456_789,
            1_418_530_010,
        ] {
            for tail in ["", " x", "\tx"] {
                let line = format!("{v}{tail}");
                let (end, got) = scan_value(Kind::U64, line.as_bytes(), 0);
                assert_eq!(got, Some(u128::from(v)), "{line:?}");
                assert_eq!(end, v.to_string().len(), "{line:?}");
                let padded = format!("{line}        ");
                assert_eq!(
                    scan_value(Kind::U64, padded.as_bytes(), 0).1,
                    Some(u128::from(v))
                );
            }
        }
        for bad in [
            "12a4 5678 9",
            "1234567x 9",
            "-1",
            "12.5 1234567",
            "1e5 45678",
        ] {
            assert_eq!(scan_value(Kind::U64, bad.as_bytes(), 0).1, None, "{bad}");
        }
        assert_eq!(scan_value(Kind::U16, b"65536 12345", 0).1, None);
        assert_eq!(scan_value(Kind::U64, b"- 1234567", 0), (1, Some(NULL)));
        assert_eq!(parse_addr(b"10.0.1.5"), Some(v4_key(0x0a00_0105)));
        assert_eq!(parse_addr(b"256.0.0.1"), None);
        assert_eq!(parse_addr(b"1.2.3"), None);
        assert_eq!(parse_addr(b"1.2.3.4.5"), None);
        let v6 = parse_addr(b"2001:db8::1").unwrap();
        assert_eq!(addr_to_string(v6), "2001:db8::1");
        assert_eq!(addr_to_string(v4_key(0x0a00_0105)), "10.0.1.5");
        assert_eq!(parse_addr(b"eni-123"), None);
    }

    #[test]
    fn header_detection() {
        assert!(header_columns(b"version account-id srcaddr").is_some());
        assert!(header_columns(b"account_id bytes my-custom").is_some());
        let cols = header_columns(b"srcaddr dstaddr my-custom").unwrap();
        assert_eq!(cols[2], Column::Unknown("my_custom".into()));
        assert!(header_columns(b"eni-123 vpc-abc").is_none());
        assert!(header_columns(b"us-east-1 ingress").is_none());
        assert!(header_columns(b"2 123 eni-1").is_none());
        assert!(header_columns(b"this is not a flow log record").is_none());
    }

    #[test]
    fn bad_lines_are_counted_and_leave_no_partial_row() {
        let mut p = parser();
        p.line(
            b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 100 200 ACCEPT OK",
            1,
        );
        p.line(b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 100 200 ACCEPT", 2);
        p.line(
            b"2 1 eni-1 10.0.0.1 10.0.0.2 1 99999 6 3 4 100 200 ACCEPT OK",
            3,
        );
        p.line(b"2 1 eni-1 10.0.0.1 nope 1 2 6 3 4 100 200 ACCEPT OK", 4);
        p.line(b"", 5);
        let f = p.finish();
        assert_eq!(f.records, 1);
        assert_eq!(f.skipped.count, 3);
        let reasons: Vec<String> = f
            .skipped
            .examples
            .iter()
            .map(|e| e.reason.to_string())
            .collect();
        assert_eq!(reasons[0], "expected 14 fields, found 13");
        assert_eq!(reasons[1], "field `dstport`: `99999` is not a valid number");
        assert_eq!(
            reasons[2],
            "field `dstaddr`: `nope` is not an IPv4 or IPv6 address"
        );
        assert_eq!(f.skipped.examples[1].line, 3);
        let seg = &f.segments[0];
        assert_eq!(seg.rows, 1);
        assert!(seg.cols.iter().all(|c| match &c.values {
            Values::U8(v) => v.len() == 1,
            Values::U16(v) => v.len() == 1,
            Values::U32(v) | Values::Ids(v) => v.len() == 1,
            Values::U64(v) => v.len() == 1,
        }));
    }

    #[test]
    fn milliseconds_become_seconds_and_dash_is_null() {
        let mut p = parser();
        p.line(
            b"2 1 eni-1 - - - - - - - 1512564058000 1512564059000 - SKIPDATA",
            1,
        );
        let f = p.finish();
        let seg = &f.segments[0];
        let Values::U32(start) = &seg.cols[10].values else {
            panic!("start is not u32")
        };
        assert_eq!(start[0], 1_512_564_058);
        assert_eq!(seg.cols[3].nulls, vec![0]);
        assert_eq!(seg.cols[12].nulls, vec![0]);
        assert!(seg.cols[13].nulls.is_empty());
    }

    #[test]
    fn wrappers() {
        let mut p = parser();
        p.message(b"timestamp,message", 1);
        p.message(b"1742570569000,2 1 eni-1 - - - - - - - 1 2 - NODATA", 2);
        p.message(
            b"2021-03-04T14:01:33.000Z 2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 100 200 ACCEPT OK",
            3,
        );
        let f = p.finish();
        assert_eq!(f.records, 2, "{:?}", f.skipped);
    }
}
