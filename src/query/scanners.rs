//! Sources ranked by distinct destination ports (port scans).

use rustc_hash::FxHashMap;

use super::block::{NULL, for_blocks};
use super::select::Selection;
use super::views::{Scanner, ViewCols};
use crate::model::columns::ColumnView;

pub(crate) fn scanners(
    sel: &Selection,
    cols: &[ColumnView<'_>],
    vc: &ViewCols,
    n: usize,
) -> Vec<Scanner> {
    let mut ports: FxHashMap<u32, rustc_hash::FxHashSet<u16>> = FxHashMap::default();
    let mut dsts: FxHashMap<u32, rustc_hash::FxHashSet<u32>> = FxHashMap::default();
    let mut flows: FxHashMap<u32, u64> = FxHashMap::default();
    for (k, mask) in sel.masks.iter().enumerate() {
        for_blocks(cols, &[vc.src, vc.dstport, vc.dst], k, mask, |b| {
            for j in 0..b.len() {
                let s = b.get(0, j);
                if s == NULL {
                    continue;
                }
                let s = s as u32;
                *flows.entry(s).or_default() += 1;
                let p = b.get(1, j);
                if p != NULL {
                    ports.entry(s).or_default().insert(p as u16);
                }
                let d = b.get(2, j);
                if d != NULL {
                    dsts.entry(s).or_default().insert(d as u32);
                }
            }
        });
    }
    let mut v: Vec<Scanner> = flows
        .into_iter()
        .map(|(src, flows)| Scanner {
            src,
            distinct_ports: ports.get(&src).map_or(0, |s| s.len() as u64),
            distinct_dsts: dsts.get(&src).map_or(0, |s| s.len() as u64),
            flows,
        })
        .collect();
    v.sort_by(|a, b| {
        b.distinct_ports
            .cmp(&a.distinct_ports)
            .then(b.flows.cmp(&a.flows))
            .then(a.src.cmp(&b.src))
    });
    v.truncate(n);
    v
}
