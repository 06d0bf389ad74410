//! Why was this rejected, which rule allowed that, and which rules are used at all: the logged
//! flows against the VPC's own security groups and network ACLs.
//!
//! - [`eval`]: the semantics of one flow against the rules ([`RuleIndex::evaluate`]).
//! - [`explain`]: one verdict and sentence per group of flows (`flowlens explain`, the app's
//!   "Why rejected?").
//! - [`usage`]: flows, bytes and distinct peers admitted by every rule (`flowlens rules`).
//!
//! Flows are grouped by (interface, srcaddr, dstaddr, dstport, protocol, action) first, so the
//! rules are evaluated once per group, not once per record.

pub mod eval;
pub mod explain;
#[cfg(test)]
mod tests;
pub mod usage;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::block::{NULL, for_blocks};
use super::par::par_fold;
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

/// The accumulated values of one group while folding.
#[derive(Clone, Copy, Default)]
struct Acc {
    srcport: u64,
    flows: u64,
    packets: u64,
    bytes: u64,
    first: u64,
}

type Key = (u64, u64, u64, u64, u64, u64);

/// Groups the selected records by (interface, srcaddr, dstaddr, dstport, protocol, action).
/// Records without addresses (NODATA, SKIPDATA) are left out.
pub fn flow_groups(table: &FlowTable, sel: &Selection) -> Vec<FlowGroup> {
    let mut out = flow_groups_unsorted(table, sel);
    out.sort_unstable_by(|a, b| {
        b.flows
            .cmp(&a.flows)
            .then_with(|| {
                (a.flow.src, a.flow.dst, a.flow.dstport).cmp(&(
                    b.flow.src,
                    b.flow.dst,
                    b.flow.dstport,
                ))
            })
            .then_with(|| a.flow.interface.cmp(&b.flow.interface))
            .then_with(|| a.flow.protocol.cmp(&b.flow.protocol))
            .then_with(|| a.action.cmp(&b.action))
    });
    out
}

/// [`flow_groups`] in no particular order (rule usage sums them; no order needed).
pub(crate) fn flow_groups_unsorted(table: &FlowTable, sel: &Selection) -> Vec<FlowGroup> {
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
    let map = par_fold(
        sel.masks.len(),
        "flowlens-rules",
        FxHashMap::<Key, Acc>::default,
        |map, k| {
            let Some(mask) = sel.masks.get(k) else { return };
            for_blocks(&cols, &which, k, mask, |b| {
                let nz = |v: u64| if v == NULL { 0 } else { v };
                for j in 0..b.len() {
                    if b.get(1, j) == NULL || b.get(2, j) == NULL {
                        continue;
                    }
                    let key = (
                        b.get(0, j),
                        b.get(1, j),
                        b.get(2, j),
                        b.get(3, j),
                        b.get(4, j),
                        b.get(5, j),
                    );
                    let a = map.entry(key).or_insert(Acc {
                        srcport: u64::MAX,
                        first: u64::MAX,
                        ..Acc::default()
                    });
                    a.srcport = a.srcport.min(nz(b.get(6, j)));
                    a.flows += 1;
                    a.packets += nz(b.get(7, j));
                    a.bytes += nz(b.get(8, j));
                    a.first = a.first.min(nz(b.get(9, j)));
                }
            });
        },
        |into, from| {
            for (k, v) in from {
                let a = into.entry(k).or_insert(Acc {
                    srcport: u64::MAX,
                    first: u64::MAX,
                    ..Acc::default()
                });
                a.srcport = a.srcport.min(v.srcport);
                a.flows += v.flows;
                a.packets += v.packets;
                a.bytes += v.bytes;
                a.first = a.first.min(v.first);
            }
        },
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
    let out: Vec<FlowGroup> = map
        .into_iter()
        .filter_map(|((eni, src, dst, dport, proto, action), a)| {
            Some(FlowGroup {
                flow: Flow {
                    src: addr(src)?,
                    dst: addr(dst)?,
                    srcport: u16::try_from(a.srcport).unwrap_or(0),
                    dstport: u16::try_from(dport).unwrap_or(0),
                    protocol: u8::try_from(proto).unwrap_or(0),
                    interface: cat(&enis, eni),
                },
                action: cat(&actions, action),
                flows: a.flows,
                packets: a.packets,
                bytes: a.bytes,
                first: if a.first == u64::MAX { 0 } else { a.first },
            })
        })
        .collect();
    out
}
