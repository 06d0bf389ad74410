//! A compiled filter evaluated over one chunk into a byte mask.

use super::compile::Node;
use crate::model::columns::with_slice;
use crate::model::columns::{ChunkView, ColumnView};

/// ORs into `out` whether each row's (non-null) value has a true `lut` entry.
fn lut_or(chunk: &ChunkView<'_>, lut: &[bool], out: &mut [bool]) {
    let look = |x: usize| lut.get(x).copied().unwrap_or(false);
    match chunk.validity {
        None => with_slice!(chunk.values, v => {
            for (o, x) in out.iter_mut().zip(v) {
                *o |= look(*x as usize);
            }
        }),
        Some(bits) => {
            let mut hit = vec![false; out.len()];
            with_slice!(chunk.values, v => {
                for (h, x) in hit.iter_mut().zip(v) {
                    *h = look(*x as usize);
                }
            });
            and_validity(bits, &mut hit);
            for (o, h) in out.iter_mut().zip(hit) {
                *o |= h;
            }
        }
    }
}

/// Clears `out[j]` where row `j` is null (bit `j` of the validity bitmap unset), a bitmap byte
/// (eight rows) at a time; all-valid bytes, the common case, are skipped.
fn and_validity(bits: &polars_arrow::bitmap::Bitmap, out: &mut [bool]) {
    let (bytes, offset, _) = bits.as_slice();
    if !offset.is_multiple_of(8) {
        for (o, ok) in out.iter_mut().zip(bits.iter()) {
            *o &= ok;
        }
        return;
    }
    let bytes = bytes.get(offset / 8..).unwrap_or_default();
    for (rows, &b) in out.chunks_mut(8).zip(bytes) {
        if b != 0xff {
            for (i, o) in rows.iter_mut().enumerate() {
                *o &= (b >> i) & 1 != 0;
            }
        }
    }
}

// `with_slice!` instantiates the bodies for every integer width, `u64` included.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn eval(node: &Node, cols: &[ColumnView<'_>], k: usize, len: usize) -> Vec<bool> {
    let chunk = |c: usize| cols.get(c).and_then(|col| col.chunks.get(k));
    match node {
        Node::Const(b) => vec![*b; len],
        Node::And(parts) => {
            let mut acc = vec![true; len];
            for p in parts {
                let m = eval(p, cols, k, len);
                for (a, b) in acc.iter_mut().zip(m) {
                    *a &= b;
                }
            }
            acc
        }
        Node::Or(parts) => {
            let mut acc = vec![false; len];
            for p in parts {
                let m = eval(p, cols, k, len);
                for (a, b) in acc.iter_mut().zip(m) {
                    *a |= b;
                }
            }
            acc
        }
        Node::Not(inner) => {
            let mut m = eval(inner, cols, k, len);
            for x in &mut m {
                *x = !*x;
            }
            m
        }
        Node::Lut { cols: cs, lut } => {
            let mut out = vec![false; len];
            for &c in cs {
                if let Some(ch) = chunk(c) {
                    lut_or(ch, lut, &mut out);
                }
            }
            out
        }
        Node::Cmp { col, op, value } => {
            let mut out = vec![false; len];
            if let Some(ch) = chunk(*col) {
                let (op, value) = (*op, *value);
                with_slice!(ch.values, v => {
                    for (o, x) in out.iter_mut().zip(v) {
                        *o = op.test(*x as u64, value);
                    }
                });
                if let Some(bits) = ch.validity {
                    and_validity(bits, &mut out);
                }
            }
            out
        }
        Node::Dir {
            src,
            dst,
            inside,
            dir,
        } => {
            let mut s_in = vec![false; len];
            let mut d_in = vec![false; len];
            let (Some(sc), Some(dc)) = (chunk(*src), chunk(*dst)) else {
                return vec![false; len];
            };
            lut_or(sc, inside, &mut s_in);
            lut_or(dc, inside, &mut d_in);
            let mut out: Vec<bool> = s_in
                .iter()
                .zip(&d_in)
                .map(|(s, d)| dir.matches(*s, *d))
                .collect();
            // A flow with a null address has no direction.
            for bits in [sc.validity, dc.validity].into_iter().flatten() {
                and_validity(bits, &mut out);
            }
            out
        }
    }
}
