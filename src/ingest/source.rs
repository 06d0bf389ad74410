//! Reading one input file: content detection, decompression and wrappers.
//!
//! The format is decided by content, never by file name: compression layers first (gzip with
//! any number of members, zstd, bzip2, Snappy, Hadoop-Snappy, and any of them inside another;
//! ZIP archives member by member; see `codec`), then Parquet (`PAR1`), JSON (CloudWatch Logs
//! subscription payloads, the Lambda `awslogs` envelope, `}{`-concatenated payloads,
//! `{"message": …}` lines) or text. Text is
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

use super::archive::read_zip;
use super::codec::{Codec, unsupported};
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

/// Compression layers unwrapped at most (gzip inside gzip inside …).
const MAX_LAYERS: usize = 4;

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
    let head = reader.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
    let ctx = Stream {
        path,
        compressed,
        out: Rc::new(Cell::new(0)),
        limits,
        progress,
        cancel,
    };
    if Codec::sniff(head) == Some(Codec::Zip) {
        drop(reader);
        return read_zip(&ctx, parser, format);
    }
    ctx.read(reader, parser, format)
}

/// What reading one stream needs besides the stream.
pub(crate) struct Stream<'a> {
    /// The file (Parquet is read from it again).
    pub(crate) path: &'a Path,
    /// Bytes read from the file so far.
    pub(crate) compressed: Rc<Cell<u64>>,
    /// Bytes the members of a ZIP archive decompressed to so far, together (for the limits).
    pub(crate) out: Rc<Cell<u64>>,
    pub(crate) limits: &'a ReadLimits,
    pub(crate) progress: &'a Progress,
    pub(crate) cancel: &'a AtomicBool,
}

impl Stream<'_> {
    /// Unwraps compression layers, then reads the content: Parquet, JSON or text. `format`
    /// becomes what was found (`gzip text`, `zstd json`, `gzip×2 text`, …).
    pub(crate) fn read<'r>(
        &self,
        mut reader: Box<dyn BufRead + 'r>,
        parser: &mut RecordParser,
        format: &mut String,
    ) -> Result<(), String> {
        let mut layers: Vec<Codec> = Vec::new();
        loop {
            let head = reader
                .fill_buf()
                .map_err(|e| gzip_error(&e, self.compressed.get(), 0))?;
            let Some(codec) = Codec::sniff(head) else {
                if let Some(e) = unsupported(head) {
                    *format = layer_names(&layers, "data");
                    return Err(e);
                }
                break;
            };
            if codec == Codec::Zip {
                *format = layer_names(&layers, "zip");
                return Err(
                    "a ZIP archive inside a compressed file is not read; unpack it first".into(),
                );
            }
            if layers.len() >= MAX_LAYERS {
                *format = layer_names(&layers, codec.name());
                return Err(format!(
                    "more than {MAX_LAYERS} layers of compression: not read further"
                ));
            }
            layers.push(codec);
            let decoded: Box<dyn Read + 'r> = if codec == Codec::Gzip {
                Box::new(Members::new(reader, self.compressed.clone()))
            } else {
                codec
                    .decoder(reader)
                    .map_err(|e| format!("cannot start {}: {e}", codec.name()))?
            };
            let guard = InflateGuard {
                inner: decoded,
                // Each layer is held to the limits on its own output.
                out: Rc::new(Cell::new(0)),
                compressed: self.compressed.clone(),
                limits: self.limits.clone(),
            };
            reader = Box::new(BufReader::with_capacity(BLOCK, guard));
        }
        let head = reader
            .fill_buf()
            .map_err(|e| gzip_error(&e, self.compressed.get(), 0))?;
        if head.starts_with(b"PAR1") {
            *format = layer_names(&layers, "parquet");
            if layers.iter().any(|c| *c != Codec::Gzip) {
                return Err(format!(
                    "Parquet inside {} is not read; decompress it first",
                    layer_names(&layers, "")
                ));
            }
            drop(reader);
            let gzip_layers = layers.len() as u32;
            return read_parquet(self.path, gzip_layers, self.limits, parser, self.progress);
        }
        let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first == Some(b'{') || first == Some(b'[') {
            *format = layer_names(&layers, "json");
            return self.read_json(&mut reader, parser);
        }
        *format = layer_names(&layers, "text");
        text_stream(
            &mut reader,
            parser,
            self.limits,
            self.progress,
            self.cancel,
            &self.compressed,
        )
    }

    /// A JSON document, read whole (up to the limit).
    fn read_json(&self, reader: &mut dyn BufRead, parser: &mut RecordParser) -> Result<(), String> {
        let mut data = Vec::new();
        let res = reader
            .take(self.limits.max_json_bytes + 1)
            .read_to_end(&mut data);
        if data.len() as u64 > self.limits.max_json_bytes {
            return Err(json_too_large(self.limits));
        }
        json_stream(&data, parser, 0, 1);
        let (mut r, mut k) = (0, 0);
        report(parser, self.progress, &mut r, &mut k);
        res.map(|_| ())
            .map_err(|e| gzip_error(&e, self.compressed.get(), data.len() as u64))
    }
}

/// `gzip text`, `gzip×2 json`, `zstd text`: the layers (repeats counted), then the content.
fn layer_names(layers: &[Codec], content: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while let Some(c) = layers.get(i) {
        let n = layers[i..].iter().take_while(|x| *x == c).count();
        out.push_str(c.name());
        if n > 1 {
            out.push_str(&format!("×{n}"));
        }
        out.push(' ');
        i += n;
    }
    out.push_str(content);
    out.trim_end().to_owned()
}
