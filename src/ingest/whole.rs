//! gzip files read whole and inflated by libdeflate (the fast path); anything unusual goes back
//! to the streaming reader from its first byte.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};

use super::codec::{Codec, unsupported};
use super::inflate::{Inflater, gunzip_all};
use super::json::{json_stream, json_too_large};
use super::limits::{Progress, ReadLimits};
use super::parse::RecordParser;
use super::text::{handle_line, report};

/// Per worker thread: the last whole-gzip file's compressed bytes and text, and the inflater.
/// Reused from file to file, so their pages are touched once per load, not once per file.
struct WholeBuffers {
    input: Vec<u8>,
    text: Vec<u8>,
    inflater: Option<Inflater>,
}

thread_local! {
    static WHOLE: RefCell<WholeBuffers> = const {
        RefCell::new(WholeBuffers { input: Vec::new(), text: Vec::new(), inflater: None })
    };
}

/// The fast path for a gzip file that fits [`ReadLimits::whole_gzip_bytes`]: read it whole,
/// inflate every member with libdeflate, then parse the text (or JSON) from memory.
///
/// `None` leaves the file to the streaming path, from its first byte, with nothing parsed: the
/// file is not gzip, too large, damaged anywhere (the stream reports where, and keeps what is
/// before and after), another compression inside, Parquet, or past an inflate limit.
pub(crate) fn read_whole_gzip(
    file: &mut File,
    parser: &mut RecordParser,
    format: &mut String,
    limits: &ReadLimits,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Option<Result<(), String>> {
    let max = limits
        .whole_gzip_bytes
        .min(usize::try_from(limits.max_inflated_bytes).unwrap_or(usize::MAX));
    let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
    if max == 0 || len > max || len < 18 {
        return None;
    }
    let mut magic = [0u8; 2];
    let gzip = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    file.seek(SeekFrom::Start(0)).ok()?;
    if !gzip {
        return None;
    }
    WHOLE.with_borrow_mut(|w| {
        let WholeBuffers {
            input,
            text,
            inflater,
        } = w;
        input.clear();
        input.reserve(len);
        let read = file.read_to_end(input);
        file.seek(SeekFrom::Start(0)).ok()?;
        if read.is_err() || input.len() != len {
            return None;
        }
        let isize_hint = input
            .get(len - 4..)
            .and_then(|t| <[u8; 4]>::try_from(t).ok())
            .map_or(0, |t| u32::from_le_bytes(t) as usize);
        if inflater.is_none() {
            *inflater = Inflater::new();
        }
        gunzip_all(inflater.as_mut()?, input, text, isize_hint, max)?;
        let ratio = text.len() as u64 / len as u64;
        if text.len() as u64 > limits.ratio_grace_bytes && ratio > limits.max_inflate_ratio {
            return None;
        }
        // Another compression inside, or Parquet: the stream unwraps and reports those.
        if Codec::sniff(text).is_some() || unsupported(text).is_some() || text.starts_with(b"PAR1")
        {
            return None;
        }
        progress.bytes_done.fetch_add(len as u64, Ordering::Relaxed);
        let first = text.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first == Some(b'{') || first == Some(b'[') {
            *format = "gzip json".to_owned();
            if text.len() as u64 > limits.max_json_bytes {
                return Some(Err(json_too_large(limits)));
            }
            json_stream(text, parser, 0, 1);
            let (mut r, mut k) = (0, 0);
            report(parser, progress, &mut r, &mut k);
            return Some(Ok(()));
        }
        *format = "gzip text".to_owned();
        Some(text_slice(text, parser, limits, progress, cancel))
    })
}

/// Parses text held whole in memory, line by line (as [`text_stream`] does for a stream).
fn text_slice(
    text: &[u8],
    parser: &mut RecordParser,
    limits: &ReadLimits,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<(), String> {
    let (mut reported_records, mut reported_skipped) = (0, 0);
    let mut line_no: u64 = 0;
    let mut start = 0;
    let mut newlines = memchr::memchr_iter(b'\n', text);
    while start < text.len() {
        let end = newlines.next().unwrap_or(text.len());
        line_no += 1;
        handle_line(parser, text, (start, end), line_no, limits);
        start = end + 1;
        if line_no == 4096 {
            // Lines so far predict the rest: size the columns once (3% margin; any excess is
            // released when the segment is sealed).
            let expected = parser.records as f64 * text.len() as f64 / start as f64;
            parser.reserve_rows((expected * 1.03) as usize + 64);
        }
        if line_no.is_multiple_of(4096) {
            if cancel.load(Ordering::Relaxed) {
                return Err("cancelled".to_owned());
            }
            report(
                parser,
                progress,
                &mut reported_records,
                &mut reported_skipped,
            );
        }
    }
    report(
        parser,
        progress,
        &mut reported_records,
        &mut reported_skipped,
    );
    Ok(())
}
