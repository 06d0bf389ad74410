//! Reading one input file: content detection, decompression and wrappers.
//!
//! The format is decided by content, never by file name: gzip (any number of members, and gzip
//! inside gzip), Parquet (`PAR1`), JSON (CloudWatch Logs subscription payloads, the Lambda
//! `awslogs` envelope, `}{`-concatenated payloads, `{"message": …}` lines) or text. Text is
//! streamed in blocks, so memory stays bounded whatever the file size; a line longer than the
//! limit is skipped without being held. A read error (truncated or corrupt gzip) keeps every
//! record before it and is reported with the position.
//!
//! One shortcut: a valid gzip file that decompresses to at most
//! [`ReadLimits::whole_gzip_bytes`] (64 MB) is read whole and inflated with libdeflate, twice as
//! fast as the stream. Anything unusual about it sends it back to the stream from its first byte.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use base64::Engine as _;
use polars::prelude::*;

use super::inflate::{Inflater, gunzip_all};
use super::parse::{ParsedFile, RecordParser, SkipReason};
use super::schema::Column;

/// Decompressed bytes handed to the line parser per read.
const BLOCK: usize = 256 * 1024;

/// Gzip layers unwrapped at most (gzip inside gzip inside …).
const MAX_GZIP_LAYERS: u32 = 4;

/// Limits that keep hostile input from exhausting the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Longest line accepted; longer lines are skipped (and never held in memory whole).
    pub max_line_bytes: usize,
    /// Decompressed bytes one file may produce.
    pub max_inflated_bytes: u64,
    /// Largest decompressed/compressed ratio once past [`ReadLimits::ratio_grace_bytes`].
    pub max_inflate_ratio: u64,
    /// Decompressed bytes allowed before the ratio is enforced.
    pub ratio_grace_bytes: u64,
    /// Largest JSON document (CloudWatch payloads are read whole).
    pub max_json_bytes: u64,
    /// Gzip files that decompress to at most this many bytes are read whole and inflated with
    /// libdeflate (about twice as fast); larger or damaged ones are streamed. 0 streams all.
    pub whole_gzip_bytes: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_line_bytes: 1 << 20,
            max_inflated_bytes: 32 << 30,
            max_inflate_ratio: 200,
            ratio_grace_bytes: 64 << 20,
            max_json_bytes: 2 << 30,
            whole_gzip_bytes: 64 << 20,
        }
    }
}

/// Progress counters shared between the workers and whoever watches the load.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of all input files.
    pub bytes_total: AtomicU64,
    /// Bytes read from disk so far.
    pub bytes_done: AtomicU64,
    /// Valid records so far.
    pub records: AtomicU64,
    /// Skipped lines so far.
    pub skipped: AtomicU64,
    /// Files to read.
    pub files_total: AtomicU64,
    /// Files finished.
    pub files_done: AtomicU64,
}

/// What reading one file produced.
#[derive(Debug)]
pub struct FileOutcome {
    /// Parsed rows, dictionaries and skipped lines.
    pub parsed: ParsedFile,
    /// Detected format, e.g. `gzip text` or `parquet`.
    pub format: String,
    /// Why the file stopped early, if it did (records before the break are kept).
    pub error: Option<String>,
}

/// Reads and parses one file. Never panics on content; errors end up in [`FileOutcome::error`].
pub fn read_file(
    path: &Path,
    layout: Arc<[Column]>,
    limits: &ReadLimits,
    progress: &Progress,
    cancel: &AtomicBool,
) -> FileOutcome {
    let mut parser = RecordParser::new(layout);
    let mut format = String::from("text");
    let error = read_into(path, &mut parser, &mut format, limits, progress, cancel).err();
    FileOutcome {
        parsed: parser.finish(),
        format,
        error,
    }
}

/// Counts bytes read from the file (for progress and the inflate-ratio guard).
struct CountingReader<'a> {
    inner: File,
    count: Rc<Cell<u64>>,
    progress: &'a AtomicU64,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Stops decompression past the size or ratio limits (gzip bombs).
struct InflateGuard<R> {
    inner: R,
    out: u64,
    compressed: Rc<Cell<u64>>,
    limits: ReadLimits,
}

impl<R: Read> Read for InflateGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let l = &self.limits;
        if self.out > l.max_inflated_bytes {
            return Err(io::Error::other(format!(
                "decompressed size passed the limit of {} bytes (setting max_inflated_bytes)",
                l.max_inflated_bytes
            )));
        }
        let compressed = self.compressed.get().max(1);
        if self.out > l.ratio_grace_bytes && self.out / compressed > l.max_inflate_ratio {
            return Err(io::Error::other(format!(
                "compression ratio above {}:1 after {} decompressed bytes: looks like a gzip bomb \
                 (setting max_inflate_ratio)",
                l.max_inflate_ratio, self.out
            )));
        }
        Ok(n)
    }
}

/// A break in a gzip stream: a corrupt or truncated member. Reading goes on at the next member;
/// the text layer drops the partial line at the break.
#[derive(Debug)]
struct GzipBreak(String);

impl std::fmt::Display for GzipBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GzipBreak {}

fn is_break(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<GzipBreak>())
}

/// Reads every member of a gzip stream one after the other. A corrupt member ends with a
/// [`GzipBreak`] error (once) and reading resumes at the next gzip header, so valid members after
/// a bad one are not lost.
struct Members<R: BufRead> {
    decoder: Option<flate2::bufread::GzDecoder<R>>,
    compressed: Rc<Cell<u64>>,
}

impl<R: BufRead> Members<R> {
    fn new(inner: R, compressed: Rc<Cell<u64>>) -> Members<R> {
        Members {
            decoder: Some(flate2::bufread::GzDecoder::new(inner)),
            compressed,
        }
    }
}

/// Skips input up to the next gzip header (`1f 8b 08`); `false` at the end of the input.
fn seek_member<R: BufRead>(r: &mut R) -> io::Result<bool> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        if let Some(i) = buf.windows(3).position(|w| w == [0x1f, 0x8b, 0x08]) {
            r.consume(i);
            return Ok(true);
        }
        // Keep the last two bytes: a header may straddle two reads.
        let keep = buf.len().min(2);
        let drop = buf.len() - keep;
        if drop == 0 {
            // Fewer than three bytes left and no header in them.
            let n = buf.len();
            r.consume(n);
            return Ok(false);
        }
        r.consume(drop);
    }
}

impl<R: BufRead> Read for Members<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(dec) = self.decoder.as_mut() else {
                return Ok(0);
            };
            match dec.read(buf) {
                Ok(0) => {
                    // End of a member: another one may follow.
                    let Some(dec) = self.decoder.take() else {
                        return Ok(0);
                    };
                    let mut inner = dec.into_inner();
                    if inner.fill_buf()?.is_empty() {
                        return Ok(0);
                    }
                    if !inner.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
                        let at = self.compressed.get();
                        let found = seek_member(&mut inner)?;
                        if found {
                            self.decoder = Some(flate2::bufread::GzDecoder::new(inner));
                        }
                        return Err(io::Error::other(GzipBreak(format!(
                            "data that is not gzip after a member, near byte {at} of the file{}",
                            if found {
                                "; reading went on at the next member"
                            } else {
                                ""
                            }
                        ))));
                    }
                    self.decoder = Some(flate2::bufread::GzDecoder::new(inner));
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let at = self.compressed.get();
                    let Some(dec) = self.decoder.take() else {
                        return Err(e);
                    };
                    let mut inner = dec.into_inner();
                    let found = seek_member(&mut inner)?;
                    if found {
                        self.decoder = Some(flate2::bufread::GzDecoder::new(inner));
                    }
                    return Err(io::Error::other(GzipBreak(format!(
                        "gzip member broken near byte {at} of the file ({e}){}",
                        if found {
                            "; reading went on at the next member"
                        } else {
                            "; nothing after it could be read"
                        }
                    ))));
                }
            }
        }
    }
}

fn read_into(
    path: &Path,
    parser: &mut RecordParser,
    format: &mut String,
    limits: &ReadLimits,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<(), String> {
    let mut file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    if let Some(done) = read_whole_gzip(&mut file, parser, format, limits, progress, cancel) {
        return done;
    }
    let compressed = Rc::new(Cell::new(0u64));
    let counting = CountingReader {
        inner: file,
        count: compressed.clone(),
        progress: &progress.bytes_done,
    };
    let mut reader: Box<dyn BufRead + '_> = Box::new(BufReader::with_capacity(BLOCK, counting));
    let mut layers = 0;
    loop {
        let head = reader.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
        if head.starts_with(&[0x1f, 0x8b]) && layers < MAX_GZIP_LAYERS {
            layers += 1;
            let decoder = Members::new(reader, compressed.clone());
            let guard = InflateGuard {
                inner: decoder,
                out: 0,
                compressed: compressed.clone(),
                limits: limits.clone(),
            };
            reader = Box::new(BufReader::with_capacity(BLOCK, guard));
            continue;
        }
        break;
    }
    let gz = match layers {
        0 => String::new(),
        1 => "gzip ".to_owned(),
        n => format!("gzip×{n} "),
    };
    let head = reader
        .fill_buf()
        .map_err(|e| gzip_error(&e, compressed.get(), 0))?;
    if head.starts_with(b"PAR1") {
        *format = format!("{gz}parquet");
        drop(reader);
        return read_parquet(path, layers, limits, parser, progress);
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'{') || first == Some(b'[') {
        *format = format!("{gz}json");
        let mut data = Vec::new();
        let res = (&mut reader)
            .take(limits.max_json_bytes + 1)
            .read_to_end(&mut data);
        if data.len() as u64 > limits.max_json_bytes {
            return Err(json_too_large(limits));
        }
        json_stream(&data, parser, 0, 1);
        let (mut r, mut k) = (0, 0);
        report(parser, progress, &mut r, &mut k);
        return res
            .map(|_| ())
            .map_err(|e| gzip_error(&e, compressed.get(), data.len() as u64));
    }
    *format = format!("{gz}text");
    text_stream(&mut reader, parser, limits, progress, cancel, &compressed)
}

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
/// before and after), gzip inside gzip, Parquet, or past an inflate limit.
fn read_whole_gzip(
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
        if text.starts_with(&[0x1f, 0x8b]) || text.starts_with(b"PAR1") {
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
        let line = &text[start..end];
        line_no += 1;
        handle_line(parser, line, line_no, limits);
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

fn json_too_large(limits: &ReadLimits) -> String {
    format!(
        "JSON document larger than {} bytes (setting max_json_bytes)",
        limits.max_json_bytes
    )
}

fn gzip_error(e: &io::Error, compressed: u64, inflated: u64) -> String {
    format!(
        "read error near byte {compressed} of the file ({inflated} bytes decompressed): {e}; \
         records before this point were kept"
    )
}

/// Streams text lines into the parser.
fn text_stream(
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
                    handle_line(parser, &data[..len], line_no, limits);
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
                handle_line(parser, &data[start..end], line_no, limits);
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

fn report(parser: &RecordParser, progress: &Progress, records: &mut u64, skipped: &mut u64) {
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

/// A line of a text stream: skipped if longer than the limit, parsed otherwise.
fn handle_line(parser: &mut RecordParser, line: &[u8], line_no: u64, limits: &ReadLimits) {
    if line.len() > limits.max_line_bytes {
        let limit = limits.max_line_bytes;
        parser.skip(line_no, SkipReason::TooLong { limit }, line);
    } else {
        handle_text_line(parser, line, line_no);
    }
}

fn handle_text_line(parser: &mut RecordParser, line: &[u8], line_no: u64) {
    if parser.line(line, line_no) {
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
}

/// Parses a stream of JSON values (`}{`-concatenated, newline-separated or one document). On a
/// syntax error the rest is read as text lines from the start of the offending line.
fn json_stream(data: &[u8], parser: &mut RecordParser, depth: u32, first_line: u64) {
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<serde_json::Value>();
    loop {
        let before = stream.byte_offset();
        match stream.next() {
            None => return,
            Some(Ok(v)) => {
                let line = first_line + line_count(&data[..before.min(data.len())]);
                json_value(&v, parser, line, depth);
            }
            Some(Err(_)) => {
                let at = stream.byte_offset().min(data.len());
                let line_start = memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1);
                let line_start = line_start.max(before.min(data.len()));
                let first = first_line + line_count(&data[..line_start]);
                for (line_no, line) in (first..).zip(data[line_start..].split(|b| *b == b'\n')) {
                    handle_text_line(parser, line, line_no);
                }
                return;
            }
        }
    }
}

fn line_count(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
}

/// Handles one JSON value: a CloudWatch Logs payload, a Lambda envelope, a `{"message": …}`
/// object or an array of those.
fn json_value(v: &serde_json::Value, parser: &mut RecordParser, line_no: u64, depth: u32) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if let Some(data) = map
                .get("awslogs")
                .and_then(|a| a.get("data"))
                .and_then(Value::as_str)
            {
                match decode_envelope(data) {
                    Ok(bytes) if depth < 4 => json_stream(&bytes, parser, depth + 1, line_no),
                    Ok(_) => parser.skip(
                        line_no,
                        SkipReason::BadJson("envelopes nested too deeply".into()),
                        b"",
                    ),
                    Err(e) => parser.skip(
                        line_no,
                        SkipReason::BadJson(format!("awslogs.data: {e}")),
                        data.as_bytes(),
                    ),
                }
            } else if map.get("messageType").and_then(Value::as_str) == Some("CONTROL_MESSAGE") {
                // Health check sent when a subscription destination is attached: not a record.
            } else if let Some(events) = map.get("logEvents").and_then(Value::as_array) {
                for (i, ev) in events.iter().enumerate() {
                    match ev.get("message").and_then(Value::as_str) {
                        Some(msg) => parser.message(msg.as_bytes(), line_no + i as u64),
                        None => parser.skip(
                            line_no,
                            SkipReason::BadJson("log event without a `message`".into()),
                            ev.to_string().as_bytes(),
                        ),
                    }
                }
            } else if let Some(msg) = map.get("message").and_then(Value::as_str) {
                parser.message(msg.as_bytes(), line_no);
            } else {
                parser.skip(
                    line_no,
                    SkipReason::BadJson(
                        "JSON object without `message`, `logEvents` or `awslogs.data`".into(),
                    ),
                    v.to_string().as_bytes(),
                );
            }
        }
        Value::Array(items) => {
            for item in items {
                json_value(item, parser, line_no, depth);
            }
        }
        other => parser.skip(
            line_no,
            SkipReason::BadJson("JSON value is not an object".into()),
            other.to_string().as_bytes(),
        ),
    }
}

/// base64 → gzip → bytes (the Lambda `awslogs.data` field).
fn decode_envelope(data: &str) -> Result<Vec<u8>, String> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .take(ReadLimits::default().max_json_bytes)
            .read_to_end(&mut out)
            .map_err(|e| format!("not gzip: {e}"))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Guarded sections running now (see [`guarded`]). Process-wide, not per thread: a decoder may
/// panic on one of its own worker threads (Polars' pool does).
static GUARDED: AtomicU64 = AtomicU64::new(0);

/// Runs `f`, turning a panic into an error (damaged input can make third-party decoders panic).
/// While any guarded section runs, the default panic message is not printed (the panic is
/// reported as the file's error instead); at other times every panic prints as usual.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.load(Ordering::SeqCst) == 0 {
                default(info);
            }
        }));
    });
    GUARDED.fetch_add(1, Ordering::SeqCst);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown error".into());
        format!("the file is damaged ({what})")
    })
}

/// Checks every data page header before Polars decodes the file. Polars 0.55 casts a page's
/// value count (an `i32`) to `usize`, so a damaged negative count asks for an exabyte-sized
/// buffer, and a failed allocation aborts the process (it is not a panic, so [`guarded`] cannot
/// catch it; found by the `read_file` fuzz target).
fn check_parquet_pages(data: &polars_buffer::Buffer<u8>) -> Result<(), String> {
    use polars_parquet::parquet::page::{CompressedPage, DataPageHeader};
    use polars_parquet::parquet::read::{get_page_iterator, read_metadata};
    let metadata =
        read_metadata(&mut io::Cursor::new(data.as_slice())).map_err(|e| e.to_string())?;
    for group in &metadata.row_groups {
        for column in group.parquet_columns() {
            let pages =
                get_page_iterator(column, io::Cursor::new(data.clone()), Vec::new(), 1 << 30)
                    .map_err(|e| e.to_string())?;
            for page in pages {
                if let CompressedPage::Data(page) = page.map_err(|e| e.to_string())? {
                    let count = match page.header() {
                        DataPageHeader::V1(header) => header.num_values,
                        DataPageHeader::V2(header) => header.num_values,
                    };
                    if count < 0 {
                        return Err(format!("a data page claims {count} values"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Reads a Parquet file: columns are matched by their underscore names; every row goes through
/// the same validation as a text record.
fn read_parquet(
    path: &Path,
    layers: u32,
    limits: &ReadLimits,
    parser: &mut RecordParser,
    progress: &Progress,
) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut data = Vec::new();
    if layers == 0 {
        BufReader::new(file)
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot read: {e}"))?;
    } else {
        flate2::read::MultiGzDecoder::new(file)
            .take(limits.max_inflated_bytes)
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot decompress: {e}"))?;
    }
    super::parquet_footer::check(&data).map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let data = polars_buffer::Buffer::from(data);
    guarded(|| check_parquet_pages(&data))
        .and_then(|checked| checked)
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let df = guarded(|| ParquetReader::new(io::Cursor::new(data.as_slice())).finish())
        .map_err(|e| format!("not a readable Parquet file: {e}"))?
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let layout: Arc<[Column]> = df
        .get_column_names()
        .iter()
        .map(|n| Column::from_name(n.as_str()))
        .collect();
    let mut texts = Vec::with_capacity(df.width());
    for col in df.columns() {
        let s = col
            .as_materialized_series()
            .cast(&DataType::String)
            .map_err(|e| format!("column `{}`: {e}", col.name()))?;
        let s = s.rechunk();
        let ca = s
            .str()
            .map_err(|e| format!("column `{}`: {e}", col.name()))?
            .clone();
        texts.push(ca);
    }
    parser.force_layout(layout);
    // Polars does not check that a damaged file's columns have as many values as it has rows.
    if let Some(short) = texts.iter().find(|ca| ca.len() != df.height()) {
        return Err(format!(
            "not a readable Parquet file: the file is damaged (column `{}` has {} values for {} rows)",
            short.name(),
            short.len(),
            df.height()
        ));
    }
    let width = texts.len();
    for row in 0..df.height() {
        let res = parser.tokens_record(
            |k| {
                texts
                    .get(k)
                    .and_then(|ca| ca.get(row))
                    .map_or(b"-".as_slice(), str::as_bytes)
            },
            width,
        );
        if let Err(reason) = res {
            parser.skip(
                row as u64 + 1,
                reason,
                format!("parquet row {}", row + 1).as_bytes(),
            );
        }
    }
    let (mut r, mut k) = (0, 0);
    report(parser, progress, &mut r, &mut k);
    Ok(())
}
