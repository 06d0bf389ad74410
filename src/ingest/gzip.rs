//! gzip, member by member: a corrupt member is reported with its byte position and reading
//! resumes at the next member header, so valid members after the damage are kept.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::limits::ReadLimits;

/// Counts bytes read from the file (for progress and the inflate-ratio guard).
pub(crate) struct CountingReader<'a> {
    pub(crate) inner: File,
    pub(crate) count: Rc<Cell<u64>>,
    pub(crate) progress: &'a AtomicU64,
}

impl io::Seek for CountingReader<'_> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Stops decompression past the size or ratio limits (gzip, zstd, bzip2, Snappy or ZIP bombs).
pub(crate) struct InflateGuard<R> {
    pub(crate) inner: R,
    /// Decompressed bytes so far (shared by the members of a ZIP archive).
    pub(crate) out: Rc<Cell<u64>>,
    pub(crate) compressed: Rc<Cell<u64>>,
    pub(crate) limits: ReadLimits,
}

impl<R: Read> Read for InflateGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let out = self.out.get() + n as u64;
        self.out.set(out);
        let l = &self.limits;
        if out > l.max_inflated_bytes {
            return Err(io::Error::other(format!(
                "decompressed size passed the limit of {} bytes (setting max_inflated_bytes)",
                l.max_inflated_bytes
            )));
        }
        let compressed = self.compressed.get().max(1);
        if out > l.ratio_grace_bytes && out / compressed > l.max_inflate_ratio {
            return Err(io::Error::other(format!(
                "compression ratio above {}:1 after {} decompressed bytes: looks like a decompression bomb (a gzip bomb or the like) \
                 (setting max_inflate_ratio)",
                l.max_inflate_ratio, out
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

pub(crate) fn is_break(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<GzipBreak>())
}

/// Reads every member of a gzip stream one after the other. A corrupt member ends with a
/// [`GzipBreak`] error (once) and reading resumes at the next gzip header, so valid members after
/// a bad one are not lost.
pub(crate) struct Members<R: BufRead> {
    decoder: Option<flate2::bufread::GzDecoder<R>>,
    compressed: Rc<Cell<u64>>,
}

impl<R: BufRead> Members<R> {
    pub(crate) fn new(inner: R, compressed: Rc<Cell<u64>>) -> Members<R> {
        Members {
            decoder: Some(flate2::bufread::GzDecoder::new(inner)),
            compressed,
        }
    }
}

/// Skips zero bytes; `true` when only zeros were left (the end of the input was reached).
fn skip_zeros<R: BufRead>(r: &mut R) -> io::Result<bool> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(true);
        }
        let zeros = buf.iter().take_while(|b| **b == 0).count();
        let all = zeros == buf.len();
        r.consume(zeros);
        if !all {
            return Ok(false);
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
                    // Zero padding (block-aligned writers) is not damage: skip it.
                    if !inner.fill_buf()?.starts_with(&[0x1f, 0x8b]) && skip_zeros(&mut inner)? {
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

pub(crate) fn gzip_error(e: &io::Error, compressed: u64, inflated: u64) -> String {
    format!(
        "read error near byte {compressed} of the file ({inflated} bytes decompressed): {e}; \
         records before this point were kept"
    )
}
