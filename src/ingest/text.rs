//! Streamed text: lines out of any reader into the record parser, with the line-length limit,
//! cancel checks and progress.

use std::cell::Cell;
use std::io::{self, BufRead};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::gzip::{gzip_error, is_break};
use super::json::json_value;
use super::limits::{Progress, ReadLimits};
use super::parse::RecordParser;
use super::source::BLOCK;
use crate::model::skip::SkipReason;

/// Streams text lines into the parser.
pub(crate) fn text_stream(
    reader: &mut dyn BufRead,
    parser: &mut RecordParser,
    limits: &ReadLimits,
    progress: &Progress,
    cancel: &AtomicBool,
    compressed: &Rc<Cell<u64>>,
) -> Result<(), String> {
    // `data[..len]` holds unprocessed bytes (at most one partial line) followed by new input.
    // The buffer is zeroed once and only grows for lines longer than a block.
    let mut data: Vec<u8> = vec![0; 2 * BLOCK];
    let mut len = 0usize;
    let mut line_no: u64 = 0;
    let mut inflated: u64 = 0;
    let mut skipping_long = false;
    let mut reported_records = 0;
    let mut reported_skipped = 0;
    let mut pending: Option<io::Error> = None;
    let mut breaks: Vec<String> = Vec::new();
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err("cancelled".to_owned());
        }
        let old = len;
        if data.len() < old + BLOCK {
            data.resize(old + BLOCK, 0);
        }
        let n = match read_some(reader, &mut data[old..old + BLOCK], &mut pending) {
            Ok(n) => n,
            Err(e) if is_break(&e) => {
                // A broken gzip member: the partial line before the break is not a record.
                if old > 0 && !skipping_long {
                    parser.skip(line_no + 1, SkipReason::Truncated, &data[..old]);
                }
                line_no += 1;
                len = 0;
                skipping_long = false;
                breaks.push(format!("{e} (after line {line_no})"));
                continue;
            }
            Err(e) => {
                let msg = gzip_error(&e, compressed.get(), inflated);
                if old > 0 && !skipping_long {
                    parser.skip(line_no + 1, SkipReason::Truncated, &data[..old]);
                }
                report(
                    parser,
                    progress,
                    &mut reported_records,
                    &mut reported_skipped,
                );
                return Err(msg);
            }
        };
        len = old + n;
        inflated += n as u64;
        if n == 0 {
            if len > 0 {
                line_no += 1;
                if !skipping_long {
                    handle_line(parser, &data[..len], (0, len), line_no, limits);
                }
            }
            report(
                parser,
                progress,
                &mut reported_records,
                &mut reported_skipped,
            );
            if breaks.is_empty() {
                return Ok(());
            }
            return Err(format!(
                "{}; every record before and after the damage was kept",
                breaks.join("; ")
            ));
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &data[old..len]) {
            let end = old + nl;
            line_no += 1;
            if skipping_long {
                skipping_long = false;
            } else {
                handle_line(parser, &data[..len], (start, end), line_no, limits);
            }
            start = end + 1;
        }
        data.copy_within(start..len, 0);
        len -= start;
        if len > limits.max_line_bytes {
            if !skipping_long {
                parser.skip(
                    line_no + 1,
                    SkipReason::TooLong {
                        limit: limits.max_line_bytes,
                    },
                    &data[..len],
                );
                skipping_long = true;
            }
            len = 0;
        }
        report(
            parser,
            progress,
            &mut reported_records,
            &mut reported_skipped,
        );
    }
}

pub(crate) fn report(
    parser: &RecordParser,
    progress: &Progress,
    records: &mut u64,
    skipped: &mut u64,
) {
    progress
        .records
        .fetch_add(parser.records - *records, Ordering::Relaxed);
    *records = parser.records;
    progress
        .skipped
        .fetch_add(parser.skipped.count - *skipped, Ordering::Relaxed);
    *skipped = parser.skipped.count;
}

/// Reads until `buf` is full or the input ends.
/// Reads until `buf` is full or the input ends. An error after some data is kept in `pending` and
/// returned by the next call, so no error (nor the data before it) is lost.
fn read_some(
    reader: &mut dyn BufRead,
    buf: &mut [u8],
    pending: &mut Option<io::Error>,
) -> io::Result<usize> {
    if let Some(e) = pending.take() {
        return Err(e);
    }
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                if filled > 0 {
                    *pending = Some(e);
                    return Ok(filled);
                }
                return Err(e);
            }
        }
    }
    Ok(filled)
}

/// The line `text[start..end]` of a text: skipped if longer than the limit, parsed otherwise
/// (in place: the parser may read past the line's end within `text`, never past `text`).
pub(crate) fn handle_line(
    parser: &mut RecordParser,
    text: &[u8],
    (start, end): (usize, usize),
    line_no: u64,
    limits: &ReadLimits,
) {
    let line = text.get(start..end).unwrap_or_default();
    if line.len() > limits.max_line_bytes {
        let limit = limits.max_line_bytes;
        parser.skip(line_no, SkipReason::TooLong { limit }, line);
    } else if parser.line_in(text, start, end, line_no) {
        json_line(parser, line, line_no);
    }
}

pub(crate) fn handle_text_line(parser: &mut RecordParser, line: &[u8], line_no: u64) {
    if parser.line(line, line_no) {
        json_line(parser, line, line_no);
    }
}

/// A line that starts with `{`: a JSON record (CloudWatch Logs subscription or export).
fn json_line(parser: &mut RecordParser, line: &[u8], line_no: u64) {
    let line = super::parse::trim(line);
    match serde_json::from_slice::<serde_json::Value>(line) {
        Ok(v) => json_value(&v, parser, line_no, 0),
        Err(e) => parser.skip(
            line_no,
            SkipReason::BadJson(format!("invalid JSON: {e}")),
            line,
        ),
    }
}
