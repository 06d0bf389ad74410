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

use std::cell::Cell;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::gzip::{CountingReader, InflateGuard, Members, gzip_error};
use super::json::{json_stream, json_too_large};
use super::limits::{Progress, ReadLimits};
use super::parquet::read_parquet;
use super::parse::{ParsedFile, RecordParser};
use super::text::{report, text_stream};
use super::whole::read_whole_gzip;
use crate::model::schema::Column;

/// Decompressed bytes handed to the line parser per read.
pub(crate) const BLOCK: usize = 256 * 1024;

/// Gzip layers unwrapped at most (gzip inside gzip inside …).
const MAX_GZIP_LAYERS: u32 = 4;

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
