//! Conversations (address pairs) and two-field group-bys: radix-partitioned aggregation, and for
//! large selections the whole-table pairs minus those of the rows left out.

use rustc_hash::FxHashMap;

use super::block::{NULL, for_blocks};
use super::cache::ViewCache;
use super::par::par_fold;
use super::select::Selection;
use super::views::{ConversationMode, Ranked, ViewCols, ViewOptions};
use crate::model::columns::{ColumnView, Values};
use crate::model::{Counts, Metric};

/// Partitions of the two-key aggregation (a power of two).
const PARTITIONS: usize = 256;

/// The most whole-table leaders a large selection's conversations take as candidates before
/// every pair is subtracted instead.
const MAX_CANDIDATES: usize = 1 << 16;

/// Sums `[1, packets, bytes]` per `(a, b)` pair of two columns over the selection,
/// radix-partitioned: rows are scattered into [`PARTITIONS`] buffers by key hash (each thread
/// its own set, never copied), then each partition, small enough for the cache, is aggregated on
/// its own. Returns `(a, b, counts)` with [`NULL`] for null values.
pub(crate) fn pair_aggregate(
    sel: &Selection,
    cols: &[ColumnView<'_>],
    a: Option<usize>,
    b: Option<usize>,
    packets: Option<usize>,
    bytes: Option<usize>,
) -> Vec<(u64, u64, Counts)> {
    // Columns of at most 32 bits pack into a u64 key; wider ones (counters) use u128 keys.
    let narrow = [a, b].iter().all(|c| {
        c.and_then(|c| cols.get(c)).is_none_or(|col| {
            !matches!(col.chunks.first().map(|ch| ch.values), Some(Values::U64(_)))
        })
    });
    if !narrow {
        let mut map: FxHashMap<(u64, u64), Counts> = FxHashMap::default();
        for (k, mask) in sel.masks.iter().enumerate() {
            for_blocks(cols, &[packets, bytes, a, b], k, mask, |bl| {
                let nz = |v: u64| if v == NULL { 0 } else { v };
                for j in 0..bl.len() {
                    let c = Counts::one(nz(bl.get(0, j)), nz(bl.get(1, j)));
                    *map.entry((bl.get(2, j), bl.get(3, j))).or_default() += c;
                }
            });
        }
        return map.into_iter().map(|((x, y), c)| (x, y, c)).collect();
    }
    match (packets.is_some(), bytes.is_some()) {
        (true, true) => pair_partitions::<(u64, u64, u64)>(sel, cols, [packets, bytes, a, b]),
        (false, true) => pair_partitions::<BytesItem>(sel, cols, [packets, bytes, a, b]),
        (true, false) => pair_partitions::<PacketsItem>(sel, cols, [packets, bytes, a, b]),
        (false, false) => pair_partitions::<u64>(sel, cols, [packets, bytes, a, b]),
    }
}

/// One scattered row of the pair aggregation: the packed key and only the sums asked for (a
/// smaller item is less memory written and read).
trait PairItem: Copy + Send + Sync {
    fn new(key: u64, packets: u64, bytes: u64) -> Self;
    fn key(&self) -> u64;
    fn counts(&self) -> Counts;
}

impl PairItem for (u64, u64, u64) {
    fn new(key: u64, packets: u64, bytes: u64) -> Self {
        (key, packets, bytes)
    }
    fn key(&self) -> u64 {
        self.0
    }
    fn counts(&self) -> Counts {
        Counts::one(self.1, self.2)
    }
}

#[derive(Clone, Copy)]
struct BytesItem(u64, u64);

impl PairItem for BytesItem {
    fn new(key: u64, _: u64, bytes: u64) -> Self {
        BytesItem(key, bytes)
    }
    fn key(&self) -> u64 {
        self.0
    }
    fn counts(&self) -> Counts {
        Counts::one(0, self.1)
    }
}

#[derive(Clone, Copy)]
struct PacketsItem(u64, u64);

impl PairItem for PacketsItem {
    fn new(key: u64, packets: u64, _: u64) -> Self {
        PacketsItem(key, packets)
    }
    fn key(&self) -> u64 {
        self.0
    }
    fn counts(&self) -> Counts {
        Counts::one(self.1, 0)
    }
}

impl PairItem for u64 {
    fn new(key: u64, _: u64, _: u64) -> Self {
        key
    }
    fn key(&self) -> u64 {
        *self
    }
    fn counts(&self) -> Counts {
        Counts::one(0, 0)
    }
}

/// The packed key of a pair of values of at most 32 bits ([`NULL`] kept apart as `u32::MAX`).
#[inline]
pub(crate) fn pair_key(a: u64, b: u64) -> u64 {
    const NARROW_NULL: u64 = u32::MAX as u64;
    let pack = |v: u64| {
        if v == NULL {
            NARROW_NULL
        } else {
            v & NARROW_NULL
        }
    };
    (pack(a) << 32) | pack(b)
}

/// The partition of a packed pair key.
#[inline]
pub(crate) fn partition_of(key: u64) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize % PARTITIONS
}

/// One thread's scatter buffers for `selected` rows in all, sized for an even spread so they
/// rarely grow (each growth is a copy).
pub(crate) fn new_partitions<I>(selected: u64) -> Vec<Vec<I>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let each = (selected / threads / PARTITIONS as u64) * 5 / 4 + 16;
    (0..PARTITIONS)
        .map(|_| Vec::with_capacity(each as usize))
        .collect()
}

/// Rows scattered (key, packets, bytes) by the views' own pass over a selection: one set of
/// [`PARTITIONS`] buffers per thread.
pub(crate) type Scattered = Vec<Vec<Vec<(u64, u64, u64)>>>;

/// The pairs of rows already scattered (by the views' pass, which gathered the same columns).
pub(crate) fn pairs_of_scattered(parts: &Scattered) -> Vec<(u64, u64, Counts)> {
    let maps = new_maps();
    aggregate_into(parts, &maps);
    drain_maps(maps)
}

/// The most rows a selection may have for the views' pass to scatter its pairs (beyond, the
/// pairs are aggregated apart, a batch at a time, so memory stays bounded).
pub(crate) const FUSED_PAIR_ROWS: u64 = PAIR_BATCH_ROWS as u64;

/// Rows scattered at a time by [`pair_partitions`]: the scattered items of one batch (at most
/// 24 bytes a row) are the aggregation's only transient memory, so 100M records do not need
/// 2.4 GB on top of the frame.
const PAIR_BATCH_ROWS: usize = 1 << 22;

/// The radix-partitioned path of [`pair_aggregate`] for two columns of at most 32 bits;
/// `which` is `[packets, bytes, a, b]`. Chunks are scattered a batch at a time (at most
/// [`PAIR_BATCH_ROWS`] rows, one chunk at least); each partition's map lives across batches.
fn pair_partitions<I: PairItem>(
    sel: &Selection,
    cols: &[ColumnView<'_>],
    which: [Option<usize>; 4],
) -> Vec<(u64, u64, Counts)> {
    let maps = new_maps();
    let mut first = 0;
    while first < sel.masks.len() {
        let mut end = first + 1;
        let mut rows = sel.masks.get(first).map_or(0, Vec::len);
        while let Some(m) = sel.masks.get(end) {
            if rows + m.len() > PAIR_BATCH_ROWS {
                break;
            }
            rows += m.len();
            end += 1;
        }
        let parts = scatter_pairs::<I>(sel, cols, which, first..end);
        aggregate_into(&parts, &maps);
        first = end;
    }
    drain_maps(maps)
}

/// One map per partition (each is only ever locked by the thread aggregating it).
type PartitionMaps = Vec<std::sync::Mutex<FxHashMap<u64, Counts>>>;

fn new_maps() -> PartitionMaps {
    (0..PARTITIONS)
        .map(|_| std::sync::Mutex::default())
        .collect()
}

/// Adds scattered items to their partitions' maps, a partition per task on every core.
fn aggregate_into<I: PairItem>(parts: &[Vec<Vec<I>>], maps: &PartitionMaps) {
    par_fold(
        PARTITIONS,
        "flowlens-pairs",
        || (),
        |(), i| {
            let Ok(mut map) = maps.get(i).map_or(Err(()), |m| m.lock().map_err(|_| ())) else {
                return;
            };
            let len: usize = parts.iter().filter_map(|p| p.get(i)).map(Vec::len).sum();
            // A pair repeats ~13 times in generated data; a map sized for that stays in
            // cache (it grows if the data has more distinct pairs).
            let have = map.len();
            map.reserve((len / 8).saturating_sub(have));
            for part in parts.iter().filter_map(|p| p.get(i)) {
                for item in part {
                    *map.entry(item.key()).or_default() += item.counts();
                }
            }
        },
        |(), ()| (),
    );
}

/// The pairs of every partition's map, unpacked.
fn drain_maps(maps: PartitionMaps) -> Vec<(u64, u64, Counts)> {
    const NARROW_NULL: u64 = u32::MAX as u64;
    let unpack = |v: u64| if v == NARROW_NULL { NULL } else { v };
    par_fold(
        PARTITIONS,
        "flowlens-pairs",
        Vec::new,
        |out: &mut Vec<(u64, u64, Counts)>, i| {
            let map = maps
                .get(i)
                .and_then(|m| m.lock().ok().map(|mut m| std::mem::take(&mut *m)))
                .unwrap_or_default();
            out.extend(
                map.into_iter()
                    .map(|(k, c)| (unpack(k >> 32), unpack(k & NARROW_NULL), c)),
            );
        },
        |out, mut other| out.append(&mut other),
    )
}

/// The selected rows of chunks `chunks` scattered into [`PARTITIONS`] buffers by the hash of
/// their packed pair key, one set of buffers per thread.
fn scatter_pairs<I: PairItem>(
    sel: &Selection,
    cols: &[ColumnView<'_>],
    which: [Option<usize>; 4],
    chunks: std::ops::Range<usize>,
) -> Vec<Vec<Vec<I>>> {
    let masks = sel.masks.get(chunks.clone()).unwrap_or_default();
    let selected = if chunks.len() == sel.masks.len() {
        sel.count
    } else {
        masks
            .iter()
            .map(|m| m.iter().filter(|x| **x).count() as u64)
            .sum()
    };
    par_fold(
        masks.len(),
        "flowlens-pairs",
        || vec![new_partitions(selected)],
        |sets: &mut Vec<Vec<Vec<I>>>, k| {
            let Some(parts) = sets.first_mut() else {
                return;
            };
            let Some(mask) = masks.get(k) else { return };
            for_blocks(cols, &which, chunks.start + k, mask, |bl| {
                let nz = |v: u64| if v == NULL { 0 } else { v };
                for j in 0..bl.len() {
                    let key = pair_key(bl.get(2, j), bl.get(3, j));
                    if let Some(p) = parts.get_mut(partition_of(key)) {
                        p.push(I::new(key, nz(bl.get(0, j)), nz(bl.get(1, j))));
                    }
                }
            });
        },
        |sets, mut other| sets.append(&mut other),
    )
}

/// The conversations of a selection; with `left_out` (a large selection), from the pairs of
/// every row (cached per table) and those of the rows left out; with `scattered`, from the
/// pairs the views' own pass scattered (no second pass over the columns).
pub(crate) fn conversations(
    cache: &ViewCache,
    sel: &Selection,
    left_out: Option<&Selection>,
    cols: &[ColumnView<'_>],
    vc: &ViewCols,
    opts: &ViewOptions,
    scattered: Option<&Scattered>,
) -> Vec<Ranked<(u32, u32)>> {
    let (m, n, mode) = (opts.metric, opts.top_n, opts.conversations);
    let aggregate = |s: &Selection| pair_aggregate(s, cols, vc.src, vc.dst, vc.packets, vc.bytes);
    let Some(left_out) = left_out else {
        let pairs = match scattered {
            Some(parts) => pairs_of_scattered(parts),
            None => aggregate(sel),
        };
        return top_ranked(ranked_pairs(pairs, mode), m, n);
    };
    let all = cache.pairs.get_or_init(|| {
        aggregate(&Selection {
            masks: sel.masks.iter().map(|m| vec![true; m.len()]).collect(),
            count: sel.count + left_out.count,
            pairs: None,
        })
    });
    // Only the leaders can be candidates (and the first pair after them bounds the rest), so
    // only those are kept ranked: a few MB whatever the number of pairs.
    let ranked = cache.ranked_pairs((mode, m), || {
        let mut r = top_ranked(
            ranked_pairs(all.iter().copied(), mode),
            m,
            MAX_CANDIDATES + 1,
        );
        r.shrink_to_fit();
        r
    });
    if n > 0
        && let Some(top) = top_after_subtracting(&ranked, left_out, cols, vc, mode, m, n)
    {
        return top;
    }
    // Every pair minus the left-out rows' pairs.
    let minus: FxHashMap<(u64, u64), Counts> = aggregate(left_out)
        .into_iter()
        .map(|(a, b, c)| ((a, b), c))
        .collect();
    let pairs = all.iter().filter_map(|&(a, b, mut c)| {
        if let Some(x) = minus.get(&(a, b)) {
            c = c.saturating_sub(*x);
        }
        (c.flows() > 0).then_some((a, b, c))
    });
    top_ranked(ranked_pairs(pairs, mode), m, n)
}

/// Whether the conversations of `sel` (of a table of `rows` rows) are read from the table's
/// pairs: its filter reads only the two addresses, the table's pairs are already computed (the
/// app computes them after a load; the first large selection with conversations does
/// otherwise), and there are fewer of them than rows to aggregate otherwise (the selected
/// rows, or for a large selection those it leaves out).
pub(crate) fn pairs_of_table(cache: &ViewCache, sel: &Selection, rows: u64) -> bool {
    let row_work = sel.count.min(rows.saturating_sub(sel.count));
    sel.pairs.is_some()
        && cache
            .pairs
            .get()
            .is_some_and(|p| (p.len() as u64) < row_work)
}

/// The conversations of a selection whose filter reads only the two addresses: the table's
/// pairs that pass it (see [`pairs_of_table`]).
pub(crate) fn conversations_of_pairs(
    cache: &ViewCache,
    sel: &Selection,
    opts: &ViewOptions,
) -> Vec<Ranked<(u32, u32)>> {
    let (Some(pred), Some(all)) = (sel.pairs.as_deref(), cache.pairs.get()) else {
        return Vec::new();
    };
    let kept = all
        .iter()
        .copied()
        .filter(|&(a, b, _)| a != NULL && b != NULL && pred.test(a as u32, b as u32));
    top_ranked(
        ranked_pairs(kept, opts.conversations),
        opts.metric,
        opts.top_n,
    )
}

/// Pairs `(a, b, counts)` as conversations of `mode` (A→B as they are; A↔B merged), without
/// null addresses.
fn ranked_pairs(
    pairs: impl IntoIterator<Item = (u64, u64, Counts)>,
    mode: ConversationMode,
) -> Vec<Ranked<(u32, u32)>> {
    let pairs = pairs
        .into_iter()
        .filter(|(a, b, _)| *a != NULL && *b != NULL)
        .map(|(a, b, c)| ((a as u32, b as u32), c));
    match mode {
        ConversationMode::Directed => pairs.map(|(key, counts)| Ranked { key, counts }).collect(),
        ConversationMode::Undirected => {
            let mut merged: FxHashMap<(u32, u32), Counts> = FxHashMap::default();
            for ((a, b), c) in pairs {
                *merged.entry((a.min(b), a.max(b))).or_default() += c;
            }
            merged
                .into_iter()
                .map(|(key, counts)| Ranked { key, counts })
                .collect()
        }
    }
}

/// The top `n` conversations of a large selection without subtracting every pair: the
/// whole-table leaders (`ranked`, best first) are candidates, and only their counts among the
/// rows left out are looked up. A pair outside the candidates counts at most its whole-table
/// value, so when the `n`-th best candidate beats the first pair left outside, the answer is
/// exact; otherwise the candidates grow. `None` when they would grow too large.
fn top_after_subtracting(
    ranked: &[Ranked<(u32, u32)>],
    left_out: &Selection,
    cols: &[ColumnView<'_>],
    vc: &ViewCols,
    mode: ConversationMode,
    m: Metric,
    n: usize,
) -> Option<Vec<Ranked<(u32, u32)>>> {
    let mut k = (n * 4).max(64);
    while k <= MAX_CANDIDATES {
        let cand = ranked.get(..k.min(ranked.len()))?;
        let index: FxHashMap<(u32, u32), usize> =
            cand.iter().enumerate().map(|(i, r)| (r.key, i)).collect();
        let minus = par_fold(
            left_out.masks.len(),
            "flowlens-pairs",
            || vec![Counts::ZERO; cand.len()],
            |acc: &mut Vec<Counts>, chunk| {
                let Some(mask) = left_out.masks.get(chunk) else {
                    return;
                };
                let which = [vc.packets, vc.bytes, vc.src, vc.dst];
                for_blocks(cols, &which, chunk, mask, |b| {
                    let nz = |v: u64| if v == NULL { 0 } else { v };
                    for j in 0..b.len() {
                        let (a, d) = (b.get(2, j), b.get(3, j));
                        if a == NULL || d == NULL {
                            continue;
                        }
                        let (a, d) = (a as u32, d as u32);
                        let key = match mode {
                            ConversationMode::Directed => (a, d),
                            ConversationMode::Undirected => (a.min(d), a.max(d)),
                        };
                        if let Some(x) = index.get(&key).and_then(|&i| acc.get_mut(i)) {
                            *x += Counts::one(nz(b.get(0, j)), nz(b.get(1, j)));
                        }
                    }
                });
            },
            |acc, other| {
                for (x, y) in acc.iter_mut().zip(&other) {
                    *x += *y;
                }
            },
        );
        let selected: Vec<Ranked<(u32, u32)>> = cand
            .iter()
            .zip(&minus)
            .filter_map(|(r, x)| {
                let c = r.counts.saturating_sub(*x);
                (c.flows() > 0).then_some(Ranked {
                    key: r.key,
                    counts: c,
                })
            })
            .collect();
        let top = top_ranked(selected, m, n);
        match ranked.get(cand.len()) {
            None => return Some(top),
            Some(next) if top.len() == n && top.last()?.counts[m] > next.counts[m] => {
                return Some(top);
            }
            _ => k *= 4,
        }
    }
    None
}

/// The top `n` by metric `m`, ties by key.
fn top_ranked<K: Ord + Clone>(mut v: Vec<Ranked<K>>, m: Metric, n: usize) -> Vec<Ranked<K>> {
    let cmp = |x: &Ranked<K>, y: &Ranked<K>| y.counts[m].cmp(&x.counts[m]).then(x.key.cmp(&y.key));
    if v.len() > n && n > 0 {
        v.select_nth_unstable_by(n - 1, cmp);
        v.truncate(n);
    }
    v.sort_by(cmp);
    v
}
