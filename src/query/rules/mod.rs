//! Why was this rejected, which rule allowed that, and which rules are used at all: the logged
//! flows against the VPC's own security groups and network ACLs.
//!
//! - [`eval`]: the semantics of one flow against the rules ([`RuleIndex::evaluate`]).
//! - [`explain`]: one verdict and sentence per group of flows (`flowlens explain`, the app's
//!   "Why rejected?").
//! - [`usage`]: flows, bytes and distinct peers admitted by every rule (`flowlens rules`).
//! - `text`: a rule or an ACL entry in AWS's words.
//!
//! Flows are grouped by (interface, srcaddr, dstaddr, dstport, protocol, action) first, so the
//! rules are evaluated once per group, not once per record.

pub mod eval;
pub mod explain;
#[cfg(test)]
mod tests;
mod text;
pub mod usage;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::block::{NULL, for_blocks};
use super::par::{par_fold, par_map_owned};
use super::select::Selection;
use crate::model::FlowTable;
use crate::model::addr::key_to_ip;
use crate::model::columns::views;

pub use eval::{Flow, RuleIndex, Way};
pub use explain::{
    ExplainRow, Explanation, Verdict, explain, explain_groups, explain_groups_with, explain_rows,
    verdict, verdict_counts,
};
pub use usage::{RuleUsage, rule_usage, usage_of_groups};

/// Groups of flows evaluated per task on the worker threads.
pub(crate) const PAR_SLICE: usize = 8192;

/// Flows of one (interface, srcaddr, dstaddr, dstport, protocol, action).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowGroup {
    /// The flow (its `srcport` is the group's lowest).
    pub flow: Flow,
    /// `action` (`ACCEPT`, `REJECT`, or empty).
    pub action: Arc<str>,
    /// Records.
    pub flows: u64,
    /// Sum of `packets`.
    pub packets: u64,
    /// Sum of `bytes`.
    pub bytes: u64,
    /// Earliest `start` (epoch seconds; 0 when unknown).
    pub first: u64,
}

/// The accumulated values of one group while folding (32 bytes).
#[derive(Clone, Copy)]
struct Acc {
    flows: u64,
    packets: u64,
    bytes: u64,
    /// The lowest `srcport` (a port: 16 bits).
    srcport: u32,
    /// The earliest `start` (`UInt32` in the frame).
    first: u32,
}

impl Acc {
    const EMPTY: Acc = Acc {
        flows: 0,
        packets: 0,
        bytes: 0,
        srcport: u32::MAX,
        first: u32::MAX,
    };

    fn add(&mut self, o: &Acc) {
        self.flows += o.flows;
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.srcport = self.srcport.min(o.srcport);
        self.first = self.first.min(o.first);
    }
}

/// (interface, srcaddr, dstaddr, dstport, protocol, action) packed into three words: the ids
/// (dictionary ids are `u32`; null, `u32::MAX`, is past any id a column can hold) two to a word,
/// `dstport` in 17 bits and `protocol` in 9 (the top bit of each: null), so a key hashes in three
/// rounds and a map entry is 56 bytes instead of 88.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key([u64; 3]);

impl Key {
    fn pack(eni: u64, src: u64, dst: u64, dstport: u64, protocol: u64, action: u64) -> Key {
        let id = |v: u64| v.min(u64::from(u32::MAX));
        let small = |v: u64, null: u64| if v == NULL { null } else { v & (null - 1) };
        Key([
            id(eni) | id(src) << 32,
            id(dst) | id(action) << 32,
            small(dstport, 1 << 16) | small(protocol, 1 << 8) << 17,
        ])
    }

    /// The interface, source, destination and action ids (`u32::MAX`: null).
    fn ids(self) -> [u32; 4] {
        let [a, b, _] = self.0;
        [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32]
    }

    /// `dstport` and `protocol` (0 where null).
    fn port_protocol(self) -> (u16, u8) {
        let c = self.0[2];
        let port = if c & (1 << 16) == 0 { c as u16 } else { 0 };
        let proto = c >> 17;
        (
            port,
            if proto & (1 << 8) == 0 {
                proto as u8
            } else {
                0
            },
        )
    }

    /// Which of the [`GROUP_PARTS`] maps holds the key (bits of a multiplicative hash that the
    /// maps' own hash does not use for their buckets).
    fn part(self) -> usize {
        let [a, b, c] = self.0;
        let h = (a ^ b.rotate_left(21) ^ c.rotate_left(42)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 58) as usize % GROUP_PARTS
    }
}

/// The grouping's maps per worker: a key goes to one of these by [`Key::part`], so partition
/// `p` of every worker is merged (and turned into groups) on its own task, on every core, and no
/// map holds more than about 1/64 of the groups while it grows.
const GROUP_PARTS: usize = 64;

/// A worker's maps (one per partition), or one partition's maps of every worker.
type PartMaps = Vec<FxHashMap<Key, Acc>>;

/// Groups the selected records by (interface, srcaddr, dstaddr, dstport, protocol, action).
/// Records without addresses (NODATA, SKIPDATA) are left out.
pub fn flow_groups(table: &FlowTable, sel: &Selection) -> Vec<FlowGroup> {
    ordered_groups(flow_group_parts(table, sel), |_| true, usize::MAX)
}

/// The order of [`flow_groups`]: most flows first, then by addresses, port, interface,
/// protocol and action.
fn group_order(a: &FlowGroup, b: &FlowGroup) -> std::cmp::Ordering {
    b.flows
        .cmp(&a.flows)
        .then_with(|| {
            (a.flow.src, a.flow.dst, a.flow.dstport).cmp(&(b.flow.src, b.flow.dst, b.flow.dstport))
        })
        .then_with(|| a.flow.interface.cmp(&b.flow.interface))
        .then_with(|| a.flow.protocol.cmp(&b.flow.protocol))
        .then_with(|| a.action.cmp(&b.action))
}

/// The groups of `parts` that `keep` holds, in [`flow_groups`]' order; only the first `top`
/// are ordered, the rest follow in no particular order (a window that shows the first 200 of
/// millions of groups needs no full sort: that sort was a third of explaining every ACCEPT).
pub(crate) fn ordered_groups(
    parts: Vec<Vec<FlowGroup>>,
    keep: impl Fn(&FlowGroup) -> bool,
    top: usize,
) -> Vec<FlowGroup> {
    // One exact allocation (collecting a flattened iterator would grow it by doubling: copies
    // of hundreds of MB).
    let kept: usize = parts
        .iter()
        .map(|p| p.iter().filter(|g| keep(g)).count())
        .sum();
    let mut out = Vec::with_capacity(kept);
    for part in parts {
        out.extend(part.into_iter().filter(|g| keep(g)));
    }
    if top < out.len() {
        out.select_nth_unstable_by(top, group_order);
        if let Some(head) = out.get_mut(..top) {
            head.sort_unstable_by(group_order);
        }
    } else {
        out.sort_unstable_by(group_order);
    }
    out
}

/// [`flow_groups`] in no particular order, in parts (one per partition of the grouping's maps),
/// so nothing copies them into one vector: rule usage sums them, no order needed.
pub(crate) fn flow_group_parts(table: &FlowTable, sel: &Selection) -> Vec<Vec<FlowGroup>> {
    let cols = views(&table.df);
    let find = |n: &str| cols.iter().position(|c| c.name == n);
    let names = [
        "interface_id",
        "srcaddr",
        "dstaddr",
        "dstport",
        "protocol",
        "action",
        "srcport",
        "packets",
        "bytes",
        "start",
    ];
    let which: Vec<Option<usize>> = names.iter().map(|n| find(n)).collect();
    let workers = par_fold(
        sel.masks.len(),
        "flowlens-rules",
        || vec![vec![FxHashMap::default(); GROUP_PARTS]],
        |acc: &mut Vec<PartMaps>, k| {
            let Some(mask) = sel.masks.get(k) else { return };
            let Some(maps) = acc.first_mut() else { return };
            for_blocks(&cols, &which, k, mask, |b| {
                let nz = |v: u64| if v == NULL { 0 } else { v };
                for j in 0..b.len() {
                    if b.get(1, j) == NULL || b.get(2, j) == NULL {
                        continue;
                    }
                    let key = Key::pack(
                        b.get(0, j),
                        b.get(1, j),
                        b.get(2, j),
                        b.get(3, j),
                        b.get(4, j),
                        b.get(5, j),
                    );
                    let row = Acc {
                        flows: 1,
                        packets: nz(b.get(7, j)),
                        bytes: nz(b.get(8, j)),
                        srcport: nz(b.get(6, j)).min(u64::from(u32::MAX)) as u32,
                        first: nz(b.get(9, j)).min(u64::from(u32::MAX)) as u32,
                    };
                    if let Some(map) = maps.get_mut(key.part()) {
                        map.entry(key).or_insert(Acc::EMPTY).add(&row);
                    }
                }
            });
        },
        |into, from| into.extend(from),
    );
    // Each category once, shared by every group that has it.
    let shared = |c: Option<usize>| -> Vec<Arc<str>> {
        c.and_then(|c| cols.get(c))
            .map(|col| col.categories.iter().map(|s| Arc::from(*s)).collect())
            .unwrap_or_default()
    };
    let (enis, actions) = (shared(which[0]), shared(which[5]));
    let empty: Arc<str> = Arc::from("");
    let cat = |list: &[Arc<str>], id: u64| -> Arc<str> {
        usize::try_from(id)
            .ok()
            .and_then(|i| list.get(i))
            .map_or_else(|| empty.clone(), Arc::clone)
    };
    let addr = |id: u64| {
        usize::try_from(id)
            .ok()
            .and_then(|i| table.addrs.get(i))
            .map(|k| key_to_ip(*k))
    };
    // Partition `p` of every worker merged into one map, and turned into groups, per task.
    let mut by_part: Vec<PartMaps> = (0..GROUP_PARTS).map(|_| Vec::new()).collect();
    for maps in workers {
        for (part, map) in by_part.iter_mut().zip(maps) {
            part.push(map);
        }
    }
    par_map_owned(by_part, "flowlens-rules", |_, maps| {
        merged(maps)
            .into_iter()
            .filter_map(|(key, a)| {
                let [eni, src, dst, action] = key.ids().map(u64::from);
                let (dstport, protocol) = key.port_protocol();
                Some(FlowGroup {
                    flow: Flow {
                        src: addr(src)?,
                        dst: addr(dst)?,
                        srcport: u16::try_from(a.srcport).unwrap_or(0),
                        dstport,
                        protocol,
                        interface: cat(&enis, eni),
                    },
                    action: cat(&actions, action),
                    flows: a.flows,
                    packets: a.packets,
                    bytes: a.bytes,
                    // Every group has a row, so `first` was set (a null `start` counts as 0).
                    first: u64::from(a.first),
                })
            })
            .collect::<Vec<_>>()
    })
}

/// Maps merged into one (the smaller ones into the largest).
fn merged(mut maps: PartMaps) -> FxHashMap<Key, Acc> {
    maps.sort_by_key(|m| std::cmp::Reverse(m.len()));
    let mut maps = maps.into_iter();
    let mut map = maps.next().unwrap_or_default();
    for other in maps {
        for (k, v) in other {
            map.entry(k).or_insert(Acc::EMPTY).add(&v);
        }
    }
    map
}
