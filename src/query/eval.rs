//! A compiled filter evaluated over one chunk into a byte mask.

use super::compile::Node;
use super::idset::IdSet;
use super::zones::{ZONE_ROWS, verdict};
use crate::model::columns::with_slice;
use crate::model::columns::{ChunkView, ColumnView, for_each_null};

/// ORs into `out` whether each row's (non-null) value is in `set`. One pass over every row; the
/// null rows (few: found a bitmap word at a time) then get back what they had, since their
/// placeholder value must not match.
fn lut_or(chunk: &ChunkView<'_>, set: &IdSet, out: &mut [bool]) {
    let mut kept: Vec<(usize, bool)> = Vec::new();
    for_each_null(chunk.validity, out.len(), |j| {
        if let Some(o) = out.get(j) {
            kept.push((j, *o));
        }
    });
    with_slice!(chunk.values, v => set.or_into(v, out));
    for (j, o) in kept {
        if let Some(x) = out.get_mut(j) {
            *x = o;
        }
    }
}

/// Clears `out[j]` where row `j` is null (bit `j` of the validity bitmap unset), skipping a word
/// of valid rows at a time.
fn and_validity(bits: &polars_arrow::bitmap::Bitmap, out: &mut [bool]) {
    for_each_null(Some(bits), out.len(), |j| {
        if let Some(o) = out.get_mut(j) {
            *o = false;
        }
    });
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
        Node::Cmp {
            col,
            op,
            value,
            zones,
        } => {
            let mut out = vec![false; len];
            if let Some(ch) = chunk(*col) {
                let (op, value) = (*op, *value);
                let zones = zones
                    .as_ref()
                    .and_then(|z| z.0.get(k))
                    .filter(|z| z.len() == len.div_ceil(ZONE_ROWS));
                with_slice!(ch.values, v => {
                    match zones {
                        // Zones the comparison keeps or drops whole are filled; the others
                        // tested row by row.
                        Some(zones) => {
                            let blocks = out.chunks_mut(ZONE_ROWS).zip(v.chunks(ZONE_ROWS));
                            for ((o, v), zone) in blocks.zip(zones) {
                                match verdict(op, value, *zone) {
                                    Some(all) => o.fill(all),
                                    None => {
                                        for (o, x) in o.iter_mut().zip(v) {
                                            *o = op.test(*x as u64, value);
                                        }
                                    }
                                }
                            }
                        }
                        None => {
                            for (o, x) in out.iter_mut().zip(v) {
                                *o = op.test(*x as u64, value);
                            }
                        }
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
            let (Some(sc), Some(dc)) = (chunk(*src), chunk(*dst)) else {
                return vec![false; len];
            };
            // The direction's truth table by (source inside, destination inside).
            let [[t00, t01], [t10, t11]] =
                [false, true].map(|s| [false, true].map(|d| dir.matches(s, d)));
            let mut s_in = vec![false; len];
            with_slice!(sc.values, v => inside.test_into(v, &mut s_in));
            let mut out = vec![false; len];
            with_slice!(dc.values, v => inside.test_into(v, &mut out));
            // Bitwise, so the loop is SIMD.
            for (o, s) in out.iter_mut().zip(&s_in) {
                let (s, d) = (*s, *o);
                *o = (s & d & t11) | (s & !d & t10) | (!s & d & t01) | (!s & !d & t00);
            }
            // A flow with a null address has no direction.
            for bits in [sc.validity, dc.validity].into_iter().flatten() {
                and_validity(bits, &mut out);
            }
            out
        }
    }
}
