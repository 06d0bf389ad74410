//! Flow-log text records → typed column segments.
//!
//! [`RecordParser`] takes one line (or one CloudWatch message) at a time, recognises header lines,
//! wrappers (`timestamp,message` CSV, ISO-timestamp export prefixes) and records, and appends each
//! valid record to the current [`Segment`]. A record is validated completely before anything is
//! appended, so a bad line leaves no trace but its entry in the [`SkipReport`].
//!
//! Strings and addresses are dictionary-encoded per file here (ids local to the file); the table
//! assembly merges the dictionaries and remaps the ids (see `ingest::assemble`).

mod addr;
mod cells;
mod dict;
mod line;
mod number;
mod segment;
#[cfg(test)]
mod tests;
mod v2;

use std::sync::Arc;

pub use addr::parse_addr;
pub use cells::{Cell, Cells};
pub use dict::{AddrDict, FileDicts, StrDict};
pub use line::{header_columns, trim};
pub use number::parse_uint;
pub use segment::{ColData, Segment, Values};

use crate::model::addr::v4_key;
use crate::model::schema::{Column, Kind};
use crate::model::skip::{SkipReason, SkipReport};
use line::{strip_iso_timestamp, unquote_csv};
use number::{count_fields, is_sep, scan_short_number, token_end};

/// Rows per segment at most. A segment's vectors become a chunk of the frame without a copy, so
/// this bounds chunk size (and the cost of one vector growth step).
pub const SEGMENT_ROWS: usize = 1 << 22;

/// The UTF-8 byte-order mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `start`/`end` values at or above this are milliseconds (flowlogs-reader's rule, see
/// conformance/README.md).
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

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
    let value = if v == NULL {
        col.nulls.push(row);
        0
    } else {
        match kind {
            Kind::Addr => u64::from(dicts.addrs.id(v)),
            Kind::Str => match dicts.strings.get_mut(col.dict) {
                Some((_, d)) => u64::from(d.id(text, start, end)),
                None => 0,
            },
            _ => v as u64,
        }
    };
    col.values.push(value);
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
                return (end, number_value(kind, v));
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
                return (i, number_value(kind, v));
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
            let v4 = (out << 8) | cur;
            // As long as its canonical text: no octet has a leading zero (`010`), which the
            // slow path refuses. One check per address, none per digit.
            if dots == 3 && digits > 0 && (i == len || is_sep(line[i])) && i - start == v4_len(v4) {
                return (i, Some(v4_key(v4)));
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

/// The length of an IPv4 address's dotted-quad text without leading zeros.
#[inline(always)]
fn v4_len(v4: u32) -> usize {
    let digits = |o: u32| 1 + usize::from(o >= 10) + usize::from(o >= 100);
    digits(v4 >> 24) + digits((v4 >> 16) & 0xff) + digits((v4 >> 8) & 0xff) + digits(v4 & 0xff) + 3
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
        _ => number_value(kind, parse_uint(tok)?),
    }
}

/// The number `v` as a value of the number kind `kind`: a time in milliseconds becomes
/// seconds, and the value must be in the kind's range. The one rule for numbers read from text
/// (scanned or as tokens) and from typed columns.
#[inline]
fn number_value(kind: Kind, v: u64) -> Option<u128> {
    let v = if kind == Kind::Time && v >= MILLIS_THRESHOLD {
        v / 1000
    } else {
        v
    };
    (v <= kind.max_value()).then_some(u128::from(v))
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
    /// The layout's kinds are the default layout's: [`v2::record`] is tried first.
    v2: bool,
    /// Records the fast path took: in place, and from a copy of the line.
    #[cfg(test)]
    fast: (u64, u64),
    notes: Vec<String>,
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
            v2: false,
            #[cfg(test)]
            fast: (0, 0),
            notes: Vec::new(),
        };
        p.layout_kinds();
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
        let mut line = trim(raw);
        if line.is_empty() {
            return false;
        }
        // A UTF-8 byte-order mark (editors and Windows tools write one before the first line)
        // is not part of the text: before a header it would hide the header.
        if line[0] == 0xEF
            && let Some(rest) = line.strip_prefix(UTF8_BOM)
        {
            line = trim(rest);
            if line.is_empty() {
                return false;
            }
        }
        if line[0] == b'{' {
            return true;
        }
        self.message(line, line_no);
        false
    }

    /// [`RecordParser::line`] of `text[start..end]`, where a default-layout record is parsed in
    /// place: its loads may read past its end into the rest of `text` (no copy of the line).
    pub fn line_in(&mut self, text: &[u8], start: usize, end: usize, line_no: u64) -> bool {
        if self.v2
            && !self.csv_messages
            && text.get(start).is_some_and(u8::is_ascii_digit)
            && let Some(rest) = text.get(start..)
            && rest.len() >= v2::PADDED
            && end > start
        {
            self.ensure_segment();
            if let Some(seg) = self.current.as_mut()
                && v2::record_in(rest, end - start, &mut seg.cols, &mut self.dicts)
            {
                seg.rows += 1;
                self.records += 1;
                #[cfg(test)]
                {
                    self.fast.0 += 1;
                }
                return false;
            }
        }
        self.line(text.get(start..end).unwrap_or_default(), line_no)
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
        self.layout = layout;
        self.layout_kinds();
    }

    /// The kinds of the current layout, and whether the fast path can take its lines.
    fn layout_kinds(&mut self) {
        self.kinds = self.layout.iter().map(Column::kind).collect();
        self.v2 = self.kinds == v2::V2_KINDS;
    }

    /// Ends the current segment (a new one starts with the next record).
    fn seal(&mut self) {
        if let Some(mut seg) = self.current.take() {
            for c in &mut seg.cols {
                c.values.narrow();
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
            notes: self.notes,
        }
    }

    /// Adds a note for the user about this file (not an error).
    pub fn note(&mut self, note: String) {
        self.notes.push(note);
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
        if self.v2 && v2::record(line, &mut seg.cols, &mut self.dicts) {
            seg.rows += 1;
            self.records += 1;
            #[cfg(test)]
            {
                self.fast.1 += 1;
            }
            return;
        }
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
            if addr::has_leading_zero(tok) {
                SkipReason::AmbiguousAddress { field, value }
            } else {
                SkipReason::BadAddress { field, value }
            }
        } else {
            SkipReason::BadNumber { field, value }
        }
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
    /// What the user should know that is not an error (columns not read, …).
    pub notes: Vec<String>,
}

fn shorten(tok: &[u8]) -> String {
    let cut = &tok[..tok.len().min(60)];
    String::from_utf8_lossy(cut).into_owned()
}
