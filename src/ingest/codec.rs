//! Compressions, recognised by their bytes (never a file's name): every one that Amazon Data
//! Firehose writes to S3 (GZIP, ZIP, SNAPPY, HADOOP_SNAPPY; shared/FORMATS.md §4) and what other
//! tools write (zstd, bzip2). Formats that are recognised but not read (xz, lz4, 7z, rar) get
//! one clear error naming them.

use std::io::{self, BufRead, Read};

/// A compression layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// gzip, possibly many members (`1f 8b`).
    Gzip,
    /// Zstandard frames (`28 b5 2f fd`).
    Zstd,
    /// bzip2 streams (`BZh` and a block size digit).
    Bzip2,
    /// The Snappy framing format (`ff 06 00 00 sNaPpY`): Firehose's SNAPPY.
    Snappy,
    /// Hadoop's block stream of raw Snappy chunks: Firehose's HADOOP_SNAPPY (no magic number).
    HadoopSnappy,
    /// A ZIP archive (`PK 03 04`): every member is read.
    Zip,
}

/// The largest block or chunk a Hadoop-Snappy stream may announce (Hadoop writes 256 KiB).
const HADOOP_MAX_BLOCK: u32 = 64 << 20;

impl Codec {
    /// The codec whose bytes `head` starts with, if any.
    pub fn sniff(head: &[u8]) -> Option<Codec> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Codec::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Codec::Zstd)
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Some(Codec::Bzip2)
        } else if head.starts_with(b"\xff\x06\x00\x00sNaPpY") {
            Some(Codec::Snappy)
        } else if head.starts_with(b"PK\x03\x04") {
            Some(Codec::Zip)
        } else if looks_like_hadoop_snappy(head) {
            Some(Codec::HadoopSnappy)
        } else {
            None
        }
    }

    /// Its name, as the file report shows it.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
            Codec::Bzip2 => "bzip2",
            Codec::Snappy => "snappy",
            Codec::HadoopSnappy => "hadoop-snappy",
            Codec::Zip => "zip",
        }
    }

    /// A reader of what `inner` decompresses to (not for gzip and ZIP, which the caller reads
    /// its own way: member by member).
    pub fn decoder<'a>(self, inner: Box<dyn BufRead + 'a>) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Codec::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(inner)?),
            Codec::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(inner)),
            Codec::Snappy => Box::new(snap::read::FrameDecoder::new(inner)),
            Codec::HadoopSnappy => Box::new(HadoopSnappy::new(inner)),
            Codec::Gzip | Codec::Zip => {
                return Err(io::Error::other(format!(
                    "{} is not read through Codec::decoder",
                    self.name()
                )));
            }
        })
    }
}

/// Formats that are recognised but not read: the error that names them.
pub fn unsupported(head: &[u8]) -> Option<String> {
    let name = if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        "xz"
    } else if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        "LZ4"
    } else if head.starts_with(&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c]) {
        "7-Zip"
    } else if head.starts_with(b"Rar!\x1a\x07") {
        "RAR"
    } else {
        return None;
    };
    Some(format!(
        "{name} data: flowlens does not read {name}; decompress the file first (it reads gzip, \
         zstd, bzip2, Snappy, Hadoop-Snappy and ZIP)"
    ))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let w = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

/// Hadoop-Snappy has no magic number: the head must be a plausible block header (uncompressed
/// length, then the first chunk's compressed length), the chunk's own length must fit the
/// block, and the chunk must start with a literal of text (the first element of a Snappy chunk
/// is always a literal). Plain text cannot pass: its first byte would make the block length
/// larger than any block.
fn looks_like_hadoop_snappy(head: &[u8]) -> bool {
    let (Some(block), Some(chunk)) = (be32(head, 0), be32(head, 4)) else {
        return false;
    };
    if block == 0 || block > HADOOP_MAX_BLOCK || chunk == 0 || chunk > HADOOP_MAX_BLOCK {
        return false;
    }
    let Some(data) = head.get(8..) else {
        return false;
    };
    let Ok(len) = snap::raw::decompress_len(data) else {
        return false;
    };
    if len == 0 || len as u64 > u64::from(block) {
        return false;
    }
    // Skip the varint, then a literal tag (low bits 00) and its first bytes.
    let varint = data.iter().take_while(|b| **b & 0x80 != 0).count() + 1;
    let Some(&tag) = data.get(varint) else {
        return false;
    };
    if tag & 3 != 0 {
        return false;
    }
    let literal = usize::from(tag >> 2);
    let start = varint + 1 + if literal >= 60 { literal - 59 } else { 0 };
    let sample = data.get(start..).unwrap_or_default();
    let sample = &sample[..sample.len().min(16)];
    !sample.is_empty()
        && sample
            .iter()
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
}

/// Reads Hadoop's Snappy block stream: blocks of (4-byte big-endian uncompressed length, then
/// chunks of (4-byte big-endian compressed length, raw Snappy data) until the block's length is
/// reached), to the end.
pub struct HadoopSnappy<R> {
    inner: R,
    /// Uncompressed bytes of the current block not yet decoded.
    block_left: u64,
    decoder: snap::raw::Decoder,
    compressed: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
}

impl<R: Read> HadoopSnappy<R> {
    /// Reads the stream of `inner`.
    pub fn new(inner: R) -> HadoopSnappy<R> {
        HadoopSnappy {
            inner,
            block_left: 0,
            decoder: snap::raw::Decoder::new(),
            compressed: Vec::new(),
            out: Vec::new(),
            pos: 0,
        }
    }

    /// A big-endian length, or `None` at a clean end of the input.
    fn length(&mut self) -> io::Result<Option<u32>> {
        let mut b = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match self.inner.read(&mut b[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(broken("the stream ends inside a length")),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let v = u32::from_be_bytes(b);
        if v > HADOOP_MAX_BLOCK {
            return Err(broken(&format!(
                "a length of {v} bytes (at most {HADOOP_MAX_BLOCK})"
            )));
        }
        Ok(Some(v))
    }

    /// Decodes the next chunk into `out`; `false` at the end of the stream.
    fn next_chunk(&mut self) -> io::Result<bool> {
        while self.block_left == 0 {
            match self.length()? {
                None => return Ok(false),
                Some(n) => self.block_left = u64::from(n),
            }
        }
        let Some(len) = self.length()? else {
            return Err(broken("the stream ends inside a block"));
        };
        self.compressed.clear();
        (&mut self.inner)
            .take(u64::from(len))
            .read_to_end(&mut self.compressed)?;
        if self.compressed.len() != len as usize {
            return Err(broken("the stream ends inside a chunk"));
        }
        let n = snap::raw::decompress_len(&self.compressed).map_err(|e| broken(&e.to_string()))?;
        if n as u64 > self.block_left {
            return Err(broken("a chunk larger than its block"));
        }
        self.out.resize(n, 0);
        let got = self
            .decoder
            .decompress(&self.compressed, &mut self.out)
            .map_err(|e| broken(&e.to_string()))?;
        self.out.truncate(got);
        self.pos = 0;
        self.block_left -= got as u64;
        Ok(true)
    }
}

fn broken(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("broken Hadoop-Snappy stream: {what}"),
    )
}

impl<R: Read> Read for HadoopSnappy<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.out.len() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hadoop's block stream of `text`, in blocks of `block` bytes and chunks of `chunk`.
    pub(crate) fn hadoop_snappy(text: &[u8], block: usize, chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = snap::raw::Encoder::new();
        for b in text.chunks(block) {
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            for c in b.chunks(chunk) {
                let z = enc.compress_vec(c).unwrap();
                out.extend_from_slice(&(z.len() as u32).to_be_bytes());
                out.extend_from_slice(&z);
            }
        }
        out
    }

    #[test]
    fn hadoop_snappy_is_sniffed_and_read() {
        let text = b"version account-id\n2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n"
            .repeat(3000);
        let data = hadoop_snappy(&text, 100_000, 30_000);
        assert_eq!(Codec::sniff(&data), Some(Codec::HadoopSnappy));
        let mut out = Vec::new();
        HadoopSnappy::new(&data[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, text);
        // Text, JSON, Parquet and the other codecs are not taken for it.
        let heads: [&[u8]; 4] = [&text, b"{\"a\":1}", b"PAR1\x15\x04", &[0; 6]];
        for head in heads {
            assert_ne!(Codec::sniff(head), Some(Codec::HadoopSnappy));
        }
        // Truncated: a clear error, not a panic.
        let mut out = Vec::new();
        let err = HadoopSnappy::new(&data[..data.len() - 7])
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(err.to_string().contains("Hadoop-Snappy"), "{err}");
    }
}
