//! Partial aggregates of the views ([`Acc`]), what they read ([`Plan`]), the per-block kernels,
//! and how accumulators merge and subtract.

use super::timeline::FastDiv;
use super::typed::{Narrow, Tables};
use super::{PICKER_COLUMNS, PortSide, ViewOptions};
use crate::model::columns::ColumnView;
use crate::model::{Counts, FlowTable};
use crate::query::block::{Block, NULL, for_blocks_zeroing};
use crate::query::cache::ViewCache;
use crate::query::conversations::{Scattered, new_partitions, pair_key, partition_of};
use crate::query::par::par_fold;

/// Partial aggregates of some chunks (merged across threads).
pub(crate) struct Acc {
    pub(super) totals: Counts,
    pub(super) first_start: Option<u64>,
    pub(super) last_end: Option<u64>,
    pub(super) src: Vec<Counts>,
    pub(super) dst: Vec<Counts>,
    pub(super) ports: Vec<Counts>,
    pub(super) protocols: Vec<Counts>,
    pub(super) actions: Vec<Counts>,
    pub(super) action_null: Counts,
    pub(super) timeline: Vec<[Counts; 3]>,
    pub(super) picks: Vec<Vec<u64>>,
    /// The selected rows' (pair key, packets, bytes), scattered for the conversations when the
    /// fold was asked for them: one set of partitions per thread.
    pub(super) scattered: Scattered,
    /// While a thread folds, the per-address and port tables in 16-byte entries, added into
    /// `src`, `dst` and `ports` (empty until then) before their packet sums could overflow and
    /// before anything reads or merges them ([`Acc::widen`]).
    pub(super) narrow: Option<Tables<Narrow>>,
    /// The packets of the chunks folded into `narrow` since it was last added (a bound on any
    /// entry's packet sum).
    pub(super) narrow_packets: u128,
}

impl Acc {
    /// Adds the partial aggregates of `p` (the same table and options).
    fn merge(&mut self, p: &Acc) {
        self.totals += p.totals;
        self.first_start = match (self.first_start, p.first_start) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_end = match (self.last_end, p.last_end) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.for_each_table(p, |x, y| *x += *y, |x, y| *x += y);
    }

    /// Turns the aggregates of the rows a selection leaves out into those of the selection,
    /// given the aggregates of every row (`all`). The time span is not subtractable: the caller
    /// computes it.
    pub(super) fn complement(&mut self, all: &Acc) {
        let flip = |x: &mut Counts, a: &Counts| *x = a.saturating_sub(*x);
        flip(&mut self.totals, &all.totals);
        self.for_each_table(all, flip, |x, a| *x = a.saturating_sub(*x));
    }

    /// Applies `f` to every counter of the additive tables, paired with the one of `other`.
    fn for_each_table(
        &mut self,
        other: &Acc,
        f: impl Fn(&mut Counts, &Counts),
        g: impl Fn(&mut u64, &u64),
    ) {
        let tables = [
            (&mut self.src, &other.src),
            (&mut self.dst, &other.dst),
            (&mut self.ports, &other.ports),
            (&mut self.protocols, &other.protocols),
            (&mut self.actions, &other.actions),
        ];
        for (a, b) in tables {
            for (x, y) in a.iter_mut().zip(b) {
                f(x, y);
            }
        }
        f(&mut self.action_null, &other.action_null);
        for (a, b) in self.timeline.iter_mut().zip(&other.timeline) {
            for (x, y) in a.iter_mut().zip(b) {
                f(x, y);
            }
        }
        for (a, b) in self.picks.iter_mut().zip(&other.picks) {
            for (x, y) in a.iter_mut().zip(b) {
                g(x, y);
            }
        }
    }
}

/// Column indexes the views read.
pub(crate) struct ViewCols {
    pub(crate) src: Option<usize>,
    pub(crate) dst: Option<usize>,
    pub(crate) srcport: Option<usize>,
    pub(crate) dstport: Option<usize>,
    pub(crate) protocol: Option<usize>,
    pub(crate) packets: Option<usize>,
    pub(crate) bytes: Option<usize>,
    pub(crate) start: Option<usize>,
    pub(crate) end: Option<usize>,
    pub(crate) action: Option<usize>,
}

impl ViewCols {
    /// Finds the columns in the frame's column views.
    pub(crate) fn find(cols: &[ColumnView<'_>]) -> ViewCols {
        let find = |n: &str| cols.iter().position(|c| c.name == n);
        ViewCols {
            src: find("srcaddr"),
            dst: find("dstaddr"),
            srcport: find("srcport"),
            dstport: find("dstport"),
            protocol: find("protocol"),
            packets: find("packets"),
            bytes: find("bytes"),
            start: find("start"),
            end: find("end"),
            action: find("action"),
        }
    }
}

/// Everything the view kernels need for one table and one set of options: the columns, the
/// action ids, the timeline's buckets and the picker columns.
pub(super) struct Plan<'a> {
    pub(super) cols: Vec<ColumnView<'a>>,
    pub(super) vc: ViewCols,
    pub(super) side: PortSide,
    n_addrs: usize,
    pub(super) action_cats: Vec<&'a str>,
    pub(super) accept_id: Option<usize>,
    pub(super) reject_id: Option<usize>,
    /// First bucket's epoch second, bucket width, bucket count.
    pub(super) t0: u64,
    pub(super) bucket: u64,
    n_buckets: usize,
    pub(super) div: FastDiv,
    pub(super) pick_cols: Vec<Option<usize>>,
    /// Per chunk, the rows with a null in a column the views read.
    pub(super) nulls: &'a [Vec<u32>],
    /// Chunks of the common column types are read in place ([`Plan::fold_typed`]); off, every
    /// chunk is gathered (the reference the tests compare with).
    pub(super) typed: bool,
    /// Per chunk, the sum of its packets: whether the typed fold's 16-byte entries
    /// ([`Narrow`]) can take it.
    pub(super) chunk_packets: &'a [u128],
}

impl<'a> Plan<'a> {
    pub(super) fn new(table: &'a FlowTable, cache: &'a ViewCache, opts: &ViewOptions) -> Plan<'a> {
        let cols = crate::model::columns::views(&table.df);
        let vc = ViewCols::find(&cols);
        let action_cats: Vec<&str> = vc
            .action
            .and_then(|a| cols.get(a))
            .map(|c| c.categories.clone())
            .unwrap_or_default();
        let accept_id = action_cats.iter().position(|c| *c == "ACCEPT");
        let reject_id = action_cats.iter().position(|c| *c == "REJECT");
        // The axis spans the whole table (stable while filtering), computed once per table.
        let (t0, t1) = cache.start_range(&cols, &vc);
        let bucket = super::bucket_width(t1 - t0 + 1, opts.timeline_buckets);
        let t0 = t0 - t0 % bucket;
        let n_buckets = ((t1 - t0) / bucket + 1) as usize;
        let find = |n: &str| cols.iter().position(|c| c.name == n);
        let pick_cols: Vec<Option<usize>> = if opts.with_pickers {
            PICKER_COLUMNS.iter().map(|n| find(n)).collect()
        } else {
            Vec::new()
        };
        Plan {
            side: opts.port_side,
            n_addrs: table.addrs.len(),
            action_cats,
            accept_id,
            reject_id,
            t0,
            bucket,
            n_buckets,
            div: FastDiv::new(bucket),
            pick_cols,
            nulls: cache.view_nulls(&cols, &vc),
            typed: true,
            chunk_packets: cache.chunk_packets(&cols, &vc),
            vc,
            cols,
        }
    }

    /// An empty accumulator; with `pairs` (the selected rows in all), one that scatters the
    /// rows' pairs too.
    fn new_acc(&self, pairs: Option<u64>) -> Acc {
        let narrow = self.typed;
        let wide = |n: usize| {
            if narrow {
                Vec::new()
            } else {
                vec![Counts::ZERO; n]
            }
        };
        Acc {
            totals: Counts::ZERO,
            first_start: None,
            last_end: None,
            src: wide(self.n_addrs),
            dst: wide(self.n_addrs),
            ports: wide(1 << 16),
            narrow: narrow.then(|| Tables::new(self.n_addrs)),
            narrow_packets: 0,
            protocols: vec![Counts::ZERO; 256],
            actions: vec![Counts::ZERO; self.action_cats.len()],
            action_null: Counts::ZERO,
            timeline: vec![[Counts::ZERO; 3]; self.n_buckets.min(1 << 20)],
            picks: self
                .pick_cols
                .iter()
                .map(|c| {
                    let n = c
                        .and_then(|c| self.cols.get(c))
                        .map_or(0, |c| c.categories.len());
                    vec![0; n]
                })
                .collect(),
            scattered: pairs.map(|n| vec![new_partitions(n)]).unwrap_or_default(),
        }
    }

    /// The aggregates of the rows `masks` select, on every core; with `pairs` (the number of
    /// rows selected), their conversation pairs scattered as well (see [`Acc::scattered`]).
    pub(super) fn fold(&self, masks: &[Vec<bool>], pairs: Option<u64>) -> Acc {
        let mut acc = par_fold(
            masks.len(),
            "flowlens-views",
            || self.new_acc(pairs),
            |acc: &mut Acc, k| {
                let Some(mask) = masks.get(k) else { return };
                let mut scratch = Scratch::new(acc);
                // The common column types are read in place; anything else is gathered.
                if !(self.typed && self.fold_typed(acc, &mut scratch, k, mask)) {
                    acc.widen();
                    // Packets and bytes (columns 0 and 1) are only summed: nulls count 0.
                    for_blocks_zeroing(&self.cols, &self.block_columns(), 0b11, k, mask, |b| {
                        self.fold_block(acc, b, &mut scratch);
                    });
                }
                scratch.drain_into(acc);
            },
            |acc: &mut Acc, mut p: Acc| {
                acc.widen();
                p.widen();
                acc.merge(&p);
                acc.scattered.append(&mut p.scattered);
            },
        );
        acc.widen();
        acc
    }

    /// The columns a block gathers: 0 packets, 1 bytes, 2 src, 3 dst, 4 srcport, 5 dstport,
    /// 6 protocol, 7 action, 8 start, 9 (unused: the span comes from the time index, so `end`
    /// is never read row by row), then the picker columns.
    fn block_columns(&self) -> Vec<Option<usize>> {
        let vc = &self.vc;
        [
            vc.packets,
            vc.bytes,
            vc.src,
            vc.dst,
            (self.side != PortSide::Dst).then_some(vc.srcport).flatten(),
            (self.side != PortSide::Src).then_some(vc.dstport).flatten(),
            vc.protocol,
            vc.action,
            vc.start,
            None,
        ]
        .into_iter()
        .chain(self.pick_cols.iter().copied())
        .collect()
    }

    /// One pass per view over the block's columns (plain slices): each pass updates one table,
    /// which keeps the loops simple and the tables' cache lines hot. The small tables are
    /// updated in the scratch's lanes.
    fn fold_block(&self, acc: &mut Acc, b: &Block, scratch: &mut Scratch) {
        let col = |i: usize| b.col(i);
        let n = b.len();
        // Nulls are already 0; a column the frame lacks is all 0.
        if scratch.zeros.len() < n {
            scratch.zeros.resize(n, 0);
        }
        let zeros = scratch.zeros.get(..n).unwrap_or_default();
        let counter = |c: usize| Some(col(c)).filter(|c| c.len() == n).unwrap_or(zeros);
        let (pk, by) = (counter(0), counter(1));
        let (src, dst, sp, dp, pr, ac) = (col(2), col(3), col(4), col(5), col(6), col(7));
        let hist = |table: &mut [Counts], keys: &[u64]| {
            for ((key, p), b) in keys.iter().zip(pk).zip(by) {
                if let Some(x) = table.get_mut(*key as usize) {
                    *x += Counts::one(*p, *b);
                }
            }
        };
        hist(&mut acc.src, src);
        hist(&mut acc.dst, dst);
        if self.side != PortSide::Dst {
            hist(&mut acc.ports, sp);
        }
        if self.side != PortSide::Src {
            hist(&mut acc.ports, dp);
        }
        scratch.protocols.add_all(pr, pk, by);
        // Every row counts once among the actions (the last lane entry: no action), so the
        // totals are the actions' sum (taken when the lanes are drained).
        if ac.is_empty() {
            let none = scratch.actions.keys - 1;
            for (j, (p, b)) in pk.iter().zip(by).enumerate() {
                scratch.actions.add(none, j, Counts::one(*p, *b));
            }
        } else {
            scratch.actions.add_all(ac, pk, by);
        }
        for (counts, p) in acc.picks.iter_mut().zip(10..) {
            for v in col(p) {
                if let Some(x) = counts.get_mut(*v as usize) {
                    *x += 1;
                }
            }
        }
        self.fold_time(acc, &mut scratch.timeline, col(8), ac, pk, by);
        if let Some(parts) = acc.scattered.first_mut() {
            let at = |s: &[u64], j: usize| s.get(j).copied().unwrap_or(NULL);
            for (j, (p, b)) in pk.iter().zip(by).enumerate() {
                let key = pair_key(at(src, j), at(dst, j));
                if let Some(part) = parts.get_mut(partition_of(key)) {
                    part.push((key, *p, *b));
                }
            }
        }
    }

    /// The timeline of a block, by `start` and action (into `lanes` when the timeline is small
    /// enough to have them: entry `bucket * 3 + action`).
    fn fold_time(
        &self,
        acc: &mut Acc,
        lanes: &mut Lanes,
        st: &[u64],
        ac: &[u64],
        pk: &[u64],
        by: &[u64],
    ) {
        let at = |s: &[u64], j: usize| s.get(j).copied().unwrap_or(NULL);
        for (j, &t) in st.iter().enumerate() {
            if t == NULL {
                continue;
            }
            let one = Counts::one(at(pk, j), at(by, j));
            self.add_time(acc, lanes, t, at(ac, j), j, one);
        }
    }

    /// Adds a row (`one`, its `j`-th in the block) to the timeline by its start `t` and action
    /// id (`NULL` or any other id than ACCEPT's and REJECT's: the third lane).
    #[inline]
    pub(super) fn add_time(
        &self,
        acc: &mut Acc,
        lanes: &mut Lanes,
        t: u64,
        action: u64,
        j: usize,
        one: Counts,
    ) {
        let action = usize::try_from(action).ok();
        let lane = if action.is_some() && action == self.accept_id {
            0
        } else if action.is_some() && action == self.reject_id {
            1
        } else {
            2
        };
        let bi = self.div.apply(t.saturating_sub(self.t0)) as usize;
        if !lanes.is_empty() {
            lanes.add(bi * 3 + lane, j, one);
        } else if let Some(x) = acc.timeline.get_mut(bi).and_then(|l| l.get_mut(lane)) {
            *x += one;
        }
    }
}

/// Four interleaved copies of a small table (entry `key * 4 + lane`), so that consecutive rows
/// with the same key (one protocol, one action, one time bucket: the common case in a filtered
/// selection) add into different copies and do not wait on each other's stores. Folded into
/// the table once per chunk.
pub(super) struct Lanes {
    entries: Vec<Counts>,
    pub(super) keys: usize,
    /// Keys past the table (and [`NULL`]) count in the last entry, instead of nowhere.
    overflow_last: bool,
}

impl Lanes {
    fn new(keys: usize) -> Lanes {
        Lanes {
            entries: vec![Counts::ZERO; keys * 4],
            keys,
            overflow_last: false,
        }
    }

    /// Lanes for `keys` keys and one more entry where every other key counts.
    fn with_overflow(keys: usize) -> Lanes {
        Lanes {
            overflow_last: true,
            ..Lanes::new(keys + 1)
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.keys == 0
    }

    /// Adds `one` to entry `key` (ignored when past the table), in lane `j % 4`.
    #[inline]
    pub(super) fn add(&mut self, key: usize, j: usize, one: Counts) {
        if key < self.keys
            && let Some(x) = self.entries.get_mut(key * 4 + (j & 3))
        {
            *x += one;
        }
    }

    /// Adds each row's packets and bytes to its key's entry ([`NULL`] and keys past the table are
    /// ignored, or counted in the last entry when it takes the overflow).
    fn add_all(&mut self, keys: &[u64], pk: &[u64], by: &[u64]) {
        let last = self.keys.saturating_sub(1);
        for (j, ((key, p), b)) in keys.iter().zip(pk).zip(by).enumerate() {
            let mut key = usize::try_from(*key).unwrap_or(usize::MAX);
            if self.overflow_last {
                key = key.min(last);
            }
            self.add(key, j, Counts::one(*p, *b));
        }
    }

    /// Adds the lanes into `table` (entry by entry) and clears them.
    fn drain_into<'t>(&mut self, table: impl IntoIterator<Item = &'t mut Counts>) {
        for (t, l) in table.into_iter().zip(self.entries.chunks_exact_mut(4)) {
            for x in l {
                *t += *x;
                *x = Counts::ZERO;
            }
        }
    }
}

/// A thread's working memory for the blocks of one chunk.
pub(super) struct Scratch {
    /// Zeros: the packets and bytes of a frame without those columns.
    zeros: Vec<u64>,
    pub(super) protocols: Lanes,
    /// The actions, and last the rows with none (or an id past the table).
    pub(super) actions: Lanes,
    /// The timeline's lanes (none when it has more than 4,096 buckets).
    pub(super) timeline: Lanes,
}

impl Scratch {
    fn new(acc: &Acc) -> Scratch {
        let buckets = acc.timeline.len();
        Scratch {
            zeros: Vec::new(),
            protocols: Lanes::new(acc.protocols.len()),
            actions: Lanes::with_overflow(acc.actions.len()),
            timeline: Lanes::new(if buckets <= 4096 { buckets * 3 } else { 0 }),
        }
    }

    /// Adds the lanes into the accumulator's tables.
    fn drain_into(&mut self, acc: &mut Acc) {
        self.protocols.drain_into(&mut acc.protocols);
        let mut actions = vec![Counts::ZERO; self.actions.keys];
        self.actions.drain_into(&mut actions);
        for c in &actions {
            acc.totals += *c;
        }
        if let Some((none, named)) = actions.split_last() {
            acc.action_null += *none;
            for (a, c) in acc.actions.iter_mut().zip(named) {
                *a += *c;
            }
        }
        self.timeline.drain_into(acc.timeline.iter_mut().flatten());
    }
}
