//! The views of a selection: totals, port histogram, top sources and destinations,
//! conversations, timeline, protocols, actions, scanners and pickers.
//!
//! One pass over the selected rows, a block at a time, folds into dense arrays indexed by
//! address id, port and protocol on every core; the accumulators are merged once. A selection of
//! more than half of a large table is computed from the rows it leaves out, subtracted from the
//! whole table's aggregates ([`ViewCache`]).

mod acc;
mod span;
mod timeline;
mod typed;

pub(crate) use acc::{Acc, ViewCols};
pub(crate) use span::TimeIndex;
pub use timeline::bucket_width;

use super::cache::{RowValue, ViewCache};
use super::conversations::{
    FUSED_PAIR_ROWS, conversations, conversations_of_pairs, pairs_of_table,
};
use super::scanners::scanners;
use super::select::Selection;
use crate::model::{Counts, FlowTable, Metric};
use acc::Plan;

/// Totals of the selection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Flows, packets, bytes.
    pub counts: Counts,
    /// ACCEPT flows.
    pub accept: u64,
    /// REJECT flows.
    pub reject: u64,
    /// Distinct source addresses.
    pub distinct_src: u64,
    /// Distinct destination addresses.
    pub distinct_dst: u64,
    /// Earliest start.
    pub first_start: Option<u64>,
    /// Latest end.
    pub last_end: Option<u64>,
}

/// One bar or row of a ranked view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranked<K> {
    /// What it is (a port, an address id, a pair of ids, …).
    pub key: K,
    /// Flows, packets, bytes.
    pub counts: Counts,
}

/// Port histogram: the top ports and the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortHistogram {
    /// Top ports by the metric, descending (ties: lower port first).
    pub ports: Vec<Ranked<u16>>,
    /// Everything else.
    pub other: Counts,
}

/// Timeline of the selection, split by action.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Epoch second of bucket 0.
    pub start: u64,
    /// Bucket width in seconds.
    pub bucket_secs: u64,
    /// Per bucket: ACCEPT, REJECT and other (NODATA/SKIPDATA) counts by `start`.
    pub buckets: Vec<[Counts; 3]>,
}

/// Per-source scan indicator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scanner {
    /// Source address id.
    pub src: u32,
    /// Distinct destination ports it sent to.
    pub distinct_ports: u64,
    /// Distinct destination addresses.
    pub distinct_dsts: u64,
    /// Flows.
    pub flows: u64,
}

/// How conversations are keyed.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ConversationMode {
    /// A→B and B→A are separate.
    #[default]
    Directed,
    /// A↔B: both directions together.
    Undirected,
}

/// Which port a histogram counts.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum PortSide {
    /// Source port.
    Src,
    /// Destination port.
    #[default]
    Dst,
    /// Either (a flow counts for both its ports).
    Either,
}

/// What to compute.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ViewOptions {
    /// Metric that ranks the views.
    pub metric: Metric,
    /// Rows/bars in ranked views.
    pub top_n: usize,
    /// Port side of the histogram.
    pub port_side: PortSide,
    /// Conversation keying.
    pub conversations: ConversationMode,
    /// Timeline buckets wanted (the bucket size is rounded to a readable step).
    pub timeline_buckets: usize,
    /// Compute conversations (costlier: off when not on screen).
    pub with_conversations: bool,
    /// Compute the scanner view (costlier: off when not on screen).
    pub with_scanners: bool,
    /// Draw the histogram on a log scale (display only).
    pub log_scale: bool,
    /// Count flows per value of the picker columns (interface, account, VPC, subnet).
    pub with_pickers: bool,
}

/// Columns the pickers count.
pub const PICKER_COLUMNS: [&str; 4] = ["interface_id", "account_id", "vpc_id", "subnet_id"];

/// Flows per value of one string column, descending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picker {
    /// Column name.
    pub column: String,
    /// (value, flows), most flows first; only values present in the selection.
    pub values: Vec<(String, u64)>,
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions {
            metric: Metric::Flows,
            top_n: 20,
            port_side: PortSide::Dst,
            conversations: ConversationMode::Directed,
            timeline_buckets: 120,
            with_conversations: true,
            with_scanners: false,
            log_scale: false,
            with_pickers: false,
        }
    }
}

/// Every view of one selection.
#[derive(Clone, Debug, Default)]
pub struct Views {
    /// Totals.
    pub totals: Totals,
    /// Port histogram.
    pub ports: PortHistogram,
    /// Top sources (address ids).
    pub sources: Vec<Ranked<u32>>,
    /// Top destinations.
    pub destinations: Vec<Ranked<u32>>,
    /// Top conversations (address id pairs; for undirected, the lower id first).
    pub conversations: Vec<Ranked<(u32, u32)>>,
    /// Timeline.
    pub timeline: Timeline,
    /// Per protocol number.
    pub protocols: Vec<Ranked<u8>>,
    /// Per action (`ACCEPT`, `REJECT`, `-` for none).
    pub actions: Vec<Ranked<String>>,
    /// Sources by distinct destination ports (descending).
    pub scanners: Vec<Scanner>,
    /// Per-value flow counts of the picker columns present in the data.
    pub pickers: Vec<Picker>,
}

/// Below this many rows every selection is aggregated directly.
const COMPLEMENT_MIN_ROWS: u64 = 1 << 20;

/// Computes the views of a selection (the selection and `cache` must belong to `table`).
pub fn compute_views(
    table: &FlowTable,
    cache: &ViewCache,
    sel: &Selection,
    opts: &ViewOptions,
) -> Views {
    views_of(table, cache, sel, opts, true, true)
}

/// [`compute_views`] aggregating the selected rows themselves, never the rows left out nor the
/// table's conversation pairs: the reference the subtraction path and the conversations from
/// the table's pairs are tested against.
pub fn compute_views_direct(
    table: &FlowTable,
    cache: &ViewCache,
    sel: &Selection,
    opts: &ViewOptions,
) -> Views {
    views_of(table, cache, sel, opts, false, true)
}

/// [`compute_views_direct`] with every chunk gathered a block at a time (the general path),
/// never read in place by the typed fold: the reference the typed fold is tested against.
#[doc(hidden)]
pub fn compute_views_gathered(
    table: &FlowTable,
    cache: &ViewCache,
    sel: &Selection,
    opts: &ViewOptions,
) -> Views {
    views_of(table, cache, sel, opts, false, false)
}

fn views_of(
    table: &FlowTable,
    cache: &ViewCache,
    sel: &Selection,
    opts: &ViewOptions,
    complement: bool,
    typed: bool,
) -> Views {
    let mut plan = Plan::new(table, cache, opts);
    plan.typed = typed;
    let rows = table.len() as u64;
    // The rows a large selection leaves out: its views are computed from them.
    let left_out =
        (complement && sel.count * 2 > rows && rows >= COMPLEMENT_MIN_ROWS).then(|| Selection {
            masks: sel
                .masks
                .iter()
                .map(|m| m.iter().map(|x| !x).collect())
                .collect(),
            count: rows - sel.count,
            pairs: None,
        });
    let mut acc = match &left_out {
        Some(left_out) => subtracted(&plan, cache, sel, left_out, opts),
        None => {
            // The conversations' pairs are scattered by the same pass when they fit one batch
            // (unless they come from the table's pairs, below).
            let fused = opts.with_conversations
                && sel.count <= FUSED_PAIR_ROWS
                && !(complement && pairs_of_table(cache, sel, rows));
            let mut acc = plan.fold(&sel.masks, fused.then_some(sel.count));
            (acc.first_start, acc.last_end) = cache
                .time_index(&plan.cols, &plan.vc)
                .span(&sel.masks, &plan.cols, &plan.vc);
            acc
        }
    };
    let scattered = std::mem::take(&mut acc.scattered);
    let mut views = finish(&plan, acc, opts);
    if opts.with_conversations {
        let (cols, vc) = (&plan.cols, &plan.vc);
        let scattered = (!scattered.is_empty()).then_some(&scattered);
        views.conversations = if complement && pairs_of_table(cache, sel, rows) {
            conversations_of_pairs(cache, sel, opts)
        } else {
            conversations(cache, sel, left_out.as_ref(), cols, vc, opts, scattered)
        };
    }
    if opts.with_scanners {
        views.scanners = scanners(sel, &plan.cols, &plan.vc, opts.top_n);
    }
    views
}

/// The aggregates of a large selection: those of every row (cached) less those of the rows it
/// leaves out.
fn subtracted(
    plan: &Plan<'_>,
    cache: &ViewCache,
    sel: &Selection,
    left_out: &Selection,
    opts: &ViewOptions,
) -> Acc {
    let key = (opts.port_side, opts.with_pickers, opts.timeline_buckets);
    let all = cache.all_rows(key, || {
        let every: Vec<Vec<bool>> = sel.masks.iter().map(|m| vec![true; m.len()]).collect();
        plan.fold(&every, None)
    });
    let mut acc = plan.fold(&left_out.masks, None);
    acc.complement(&all);
    // The selection's span is the table's when it keeps the rows that make the table's
    // (the usual case for an exclusion); otherwise it is found from the time index.
    let (lo, hi) = cache.extremes(&plan.cols, &plan.vc);
    let kept = |r: Option<RowValue>| {
        r.filter(|(k, i, _)| sel.masks.get(*k).and_then(|m| m.get(*i)) == Some(&true))
    };
    (acc.first_start, acc.last_end) = match (kept(lo), kept(hi)) {
        (Some(lo), Some(hi)) => (Some(lo.2), Some(hi.2)),
        _ => cache
            .time_index(&plan.cols, &plan.vc)
            .span(&sel.masks, &plan.cols, &plan.vc),
    };
    acc
}

/// The views of the aggregates: ranked, with the top `n` of each table.
fn finish(plan: &Plan<'_>, acc: Acc, opts: &ViewOptions) -> Views {
    let m = opts.metric;
    let (actions, pickers) = (actions(plan, &acc, m), pickers(plan, &acc));
    let ports_ranked = top_dense(&acc.ports, m, opts.top_n);
    let mut other = acc.totals;
    if opts.port_side == PortSide::Either {
        other = Counts::ZERO;
        for c in &acc.ports {
            other += *c;
        }
    }
    for r in &ports_ranked {
        other = other.saturating_sub(r.counts);
    }
    let flows_of = |id: Option<usize>| id.and_then(|i| acc.actions.get(i)).map_or(0, |c| c.flows());
    Views {
        totals: Totals {
            counts: acc.totals,
            accept: flows_of(plan.accept_id),
            reject: flows_of(plan.reject_id),
            distinct_src: acc.src.iter().filter(|c| c.flows() > 0).count() as u64,
            distinct_dst: acc.dst.iter().filter(|c| c.flows() > 0).count() as u64,
            first_start: acc.first_start,
            last_end: acc.last_end,
        },
        ports: PortHistogram {
            ports: ports_ranked
                .into_iter()
                .map(|r| Ranked {
                    key: r.key as u16,
                    counts: r.counts,
                })
                .collect(),
            other,
        },
        sources: top_dense(&acc.src, m, opts.top_n),
        destinations: top_dense(&acc.dst, m, opts.top_n),
        conversations: Vec::new(),
        timeline: Timeline {
            start: plan.t0,
            bucket_secs: plan.bucket,
            buckets: acc.timeline,
        },
        protocols: top_dense(&acc.protocols, m, 256)
            .into_iter()
            .map(|r| Ranked {
                key: r.key as u8,
                counts: r.counts,
            })
            .collect(),
        actions,
        scanners: Vec::new(),
        pickers,
    }
}

/// Flows per action (`-` for none), ranked by `m`.
fn actions(plan: &Plan<'_>, acc: &Acc, m: Metric) -> Vec<Ranked<String>> {
    let mut a: Vec<Ranked<String>> = acc
        .actions
        .iter()
        .zip(&plan.action_cats)
        .filter(|(c, _)| c.flows() > 0)
        .map(|(c, name)| Ranked {
            key: (*name).to_owned(),
            counts: *c,
        })
        .collect();
    if acc.action_null.flows() > 0 {
        a.push(Ranked {
            key: "-".into(),
            counts: acc.action_null,
        });
    }
    a.sort_by(|x, y| y.counts[m].cmp(&x.counts[m]).then(x.key.cmp(&y.key)));
    a
}

/// Flows per value of each picker column present in the data, most first.
fn pickers(plan: &Plan<'_>, acc: &Acc) -> Vec<Picker> {
    plan.pick_cols
        .iter()
        .zip(&acc.picks)
        .zip(PICKER_COLUMNS)
        .filter_map(|((c, counts), name)| {
            let col = plan.cols.get((*c)?)?;
            let mut values: Vec<(String, u64)> = counts
                .iter()
                .zip(&col.categories)
                .filter(|(n, _)| **n > 0)
                .map(|(n, v)| ((*v).to_owned(), *n))
                .collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Some(Picker {
                column: name.to_owned(),
                values,
            })
        })
        .collect()
}

/// Top `n` indexes of a dense array by metric `m` (non-zero flows only; ties: lower index).
fn top_dense(v: &[Counts], m: Metric, n: usize) -> Vec<Ranked<u32>> {
    let mut idx: Vec<u32> = (0..v.len() as u32)
        .filter(|&i| v.get(i as usize).is_some_and(|c| c.flows() > 0))
        .collect();
    let key = |i: &u32| v.get(*i as usize).map_or(0, |c| c[m]);
    let cmp = |a: &u32, b: &u32| key(b).cmp(&key(a)).then(a.cmp(b));
    if idx.len() > n && n > 0 {
        idx.select_nth_unstable_by(n - 1, cmp);
        idx.truncate(n);
    }
    idx.sort_by(cmp);
    idx.into_iter()
        .map(|i| Ranked {
            key: i,
            counts: v.get(i as usize).copied().unwrap_or_default(),
        })
        .collect()
}
