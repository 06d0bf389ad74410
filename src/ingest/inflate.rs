//! Whole-buffer gzip decompression with libdeflate.
//!
//! libdeflate inflates about twice as fast as zlib-rs on flow-log text (measured: 40 files,
//! 1.13 GB, 0.83 s against 1.57 s on one core), but it has no streaming interface: the whole
//! compressed member goes in and the whole output comes out. `source.rs` uses it for gzip files
//! of moderate size and streams everything else with flate2/zlib-rs.
//!
//! This module is the only place that calls libdeflate, and the only `unsafe` outside the
//! Polars categorical constructors.

use std::ptr::NonNull;

use libdeflate_sys as ffi;

/// Why a gzip member could not be inflated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateError {
    /// The output does not fit in the space given.
    NoSpace,
    /// Not gzip, corrupt, truncated, or a CRC/size mismatch.
    BadData,
}

/// One libdeflate decompressor (about 32 KB of tables), reusable for any number of members.
pub struct Inflater {
    ptr: NonNull<ffi::libdeflate_decompressor>,
}

impl Inflater {
    /// A new decompressor; `None` if libdeflate could not allocate one.
    pub fn new() -> Option<Inflater> {
        // SAFETY: no preconditions; returns null on allocation failure.
        let ptr = unsafe { ffi::libdeflate_alloc_decompressor() };
        NonNull::new(ptr).map(|ptr| Inflater { ptr })
    }

    /// Inflates the gzip member at the start of `input`, appending its output to `out` without
    /// growing it and without passing `limit` bytes in all. Returns the compressed bytes the
    /// member took (header and trailer included). The CRC-32 and size in the trailer are
    /// checked. On error `out` is unchanged.
    pub fn member(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<usize, InflateError> {
        let room = limit.saturating_sub(out.len());
        let spare = out.spare_capacity_mut();
        let avail = room.min(spare.len());
        let spare = &mut spare[..avail];
        let mut consumed = 0usize;
        let mut written = 0usize;
        // SAFETY: `input` is readable for `input.len()` bytes; `spare` is writable for
        // `spare.len()` bytes (uninitialised memory is fine: libdeflate only writes to it, and
        // reads back only what it wrote). The decompressor is ours alone (`&mut self`).
        let result = unsafe {
            ffi::libdeflate_gzip_decompress_ex(
                self.ptr.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                spare.as_mut_ptr().cast(),
                spare.len(),
                &mut consumed,
                &mut written,
            )
        };
        match result {
            ffi::libdeflate_result_LIBDEFLATE_SUCCESS if written <= spare.len() => {
                let len = out.len() + written;
                // SAFETY: libdeflate initialised `written` bytes after the old length, within
                // the capacity (checked just above).
                unsafe { out.set_len(len) };
                Ok(consumed.min(input.len()))
            }
            ffi::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => Err(InflateError::NoSpace),
            _ => Err(InflateError::BadData),
        }
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        // SAFETY: allocated by `libdeflate_alloc_decompressor`, freed once.
        unsafe { ffi::libdeflate_free_decompressor(self.ptr.as_ptr()) }
    }
}

/// Inflates every member of the gzip data `input` into `out` (cleared first), growing it as
/// needed up to `max_out` bytes. `hint` is the expected output size (the last member's ISIZE
/// trailer: exact for a single-member file). `None` if the data is not entirely valid gzip
/// members (trailing bytes included) or needs more than `max_out` bytes; the caller then reads
/// the file the streaming way, which reports the damage precisely.
pub fn gunzip_all(
    inflater: &mut Inflater,
    input: &[u8],
    out: &mut Vec<u8>,
    hint: usize,
    max_out: usize,
) -> Option<()> {
    out.clear();
    let first = hint
        .max(input.len().saturating_mul(4))
        .max(1 << 16)
        .min(max_out);
    out.reserve(first);
    let mut pos = 0;
    while pos < input.len() {
        // Zero padding after the last member (block-aligned writers) is not damage.
        if input[pos..].iter().all(|b| *b == 0) {
            break;
        }
        match inflater.member(&input[pos..], out, max_out) {
            Ok(used) if used > 0 => pos += used,
            Ok(_) | Err(InflateError::BadData) => return None,
            Err(InflateError::NoSpace) => {
                // Grow and redo this member (the earlier members' output stays).
                let cap = out.capacity();
                if cap >= max_out {
                    return None;
                }
                let grown = cap.saturating_mul(2).max(1 << 16).min(max_out);
                out.reserve_exact(grown - out.len());
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn members_are_concatenated_and_the_buffer_grows_past_a_wrong_hint() {
        let big: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut input = gz(&big);
        input.extend(gz(b"tail"));
        let mut inf = Inflater::new().unwrap();
        let mut out = Vec::new();
        // The hint (4 bytes, the last member's size) is far too small for the first member.
        gunzip_all(&mut inf, &input, &mut out, 4, 1 << 30).unwrap();
        assert_eq!(out.len(), big.len() + 4);
        assert_eq!(&out[..big.len()], &big[..]);
        assert_eq!(&out[big.len()..], b"tail");
    }

    #[test]
    fn damage_limits_and_trailing_bytes_are_refused() {
        let text = b"2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n".repeat(1000);
        let good = gz(&text);
        let mut inf = Inflater::new().unwrap();
        let mut out = Vec::new();
        assert!(gunzip_all(&mut inf, &good, &mut out, text.len(), 1 << 20).is_some());
        assert_eq!(out, text);
        // Output limit below the real size.
        assert!(gunzip_all(&mut inf, &good, &mut out, text.len(), 1000).is_none());
        // Truncated.
        assert!(gunzip_all(&mut inf, &good[..good.len() - 5], &mut out, 0, 1 << 20).is_none());
        // A flipped byte in the trailer's CRC.
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 8] ^= 1;
        assert!(gunzip_all(&mut inf, &bad, &mut out, 0, 1 << 20).is_none());
        // Garbage after a valid member.
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"junk");
        assert!(gunzip_all(&mut inf, &trailing, &mut out, 0, 1 << 20).is_none());
        // Zero padding after the last member is no damage.
        let mut padded = good.clone();
        padded.extend_from_slice(&[0; 4096]);
        assert!(gunzip_all(&mut inf, &padded, &mut out, 0, 1 << 20).is_some());
        assert_eq!(out, text);
    }
}
