//! ZIP archives (Firehose's ZIP compression, or files zipped by hand): every member is read as
//! a stream of its own (a member may itself be compressed: `.log.gz` files zipped together), in
//! archive order. A member that cannot be read is named in the file's error; the others load.

use std::fs::File;
use std::io::BufReader;

use super::gzip::{CountingReader, InflateGuard};
use super::parse::RecordParser;
use super::source::{BLOCK, Stream};

/// Reads every member of the ZIP archive at `ctx.path`.
pub(crate) fn read_zip(
    ctx: &Stream<'_>,
    parser: &mut RecordParser,
    format: &mut String,
) -> Result<(), String> {
    *format = "zip".into();
    let file = File::open(ctx.path).map_err(|e| format!("cannot open: {e}"))?;
    let counting = CountingReader {
        inner: file,
        count: ctx.compressed.clone(),
        progress: &ctx.progress.bytes_done,
    };
    let mut archive = zip::ZipArchive::new(BufReader::with_capacity(BLOCK, counting))
        .map_err(|e| format!("not a readable ZIP archive: {e}"))?;
    let mut errors: Vec<String> = Vec::new();
    let mut inner: Vec<String> = Vec::new();
    for i in 0..archive.len() {
        if ctx.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err("cancelled".into());
        }
        let member = match archive.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!("member {}: {e}", i + 1));
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let name = member
            .name()
            .map_or_else(|_| format!("#{}", i + 1), |n| n.into_owned());
        let guard = InflateGuard {
            inner: member,
            out: ctx.out.clone(),
            compressed: ctx.compressed.clone(),
            limits: ctx.limits.clone(),
        };
        let reader = Box::new(BufReader::with_capacity(BLOCK, guard));
        let mut member_format = String::new();
        // Each member starts a new text: a line never runs from one member into the next.
        parser.reset_layout();
        if let Err(e) = ctx.read(reader, parser, &mut member_format) {
            errors.push(format!("member {name}: {e}"));
        }
        if !inner.contains(&member_format) {
            inner.push(member_format);
        }
    }
    if !inner.is_empty() {
        *format = format!("zip of {}", inner.join(", "));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
