//! The query engine: a [`Filter`] becomes a row selection, and the selection becomes the views
//! an investigation needs (totals, port histograms, top talkers, conversations, timeline,
//! breakdowns, scanners) and the generic group-by of `flowlens top`.
//!
//! Everything is integer work. A filter compiles to lookup tables indexed by dictionary id, port
//! or protocol (an address CIDR is evaluated once per distinct address, not per row), evaluated
//! chunk by chunk on two named threads into a byte mask. The views are accumulated in one pass
//! over the selected rows into dense arrays indexed by address id, port and protocol, split over
//! two threads and merged. Every result is small and bounded; nothing copies the frame.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

use super::columns::{ChunkView, ColumnView, Values, views};
use super::filter::{AddrClass, AddrField, Filter, PortField, Side};
use super::parse::V4_MAPPED;
use super::table::FlowTable;
use crate::with_slice;

/// Settings that change what conditions mean.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QueryContext {
    /// What counts as inside (the `vpc` class and `direction`); default RFC 1918.
    pub vpc: Vec<IpNet>,
}

impl Default for QueryContext {
    fn default() -> Self {
        QueryContext {
            vpc: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect(),
        }
    }
}

/// The address of a dictionary key.
pub fn key_to_ip(key: u128) -> IpAddr {
    if key >> 32 == V4_MAPPED >> 32 {
        IpAddr::V4(Ipv4Addr::from(key as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(key))
    }
}

fn net_key_range(net: &IpNet) -> (u128, u128) {
    match net {
        IpNet::V4(n) => (
            V4_MAPPED | u128::from(u32::from(n.network())),
            V4_MAPPED | u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
    }
}

/// Lookup table over the address dictionary: true for ids whose address is in one of `nets`.
/// The dictionary is sorted, so each network is one id range found by binary search.
fn addr_lut(addrs: &[u128], nets: &[IpNet]) -> Vec<bool> {
    let mut lut = vec![false; addrs.len()];
    for net in nets {
        let (lo, hi) = net_key_range(net);
        let a = addrs.partition_point(|k| *k < lo);
        let b = addrs.partition_point(|k| *k <= hi);
        if let Some(s) = lut.get_mut(a..b) {
            s.fill(true);
        }
    }
    lut
}

fn class_lut(addrs: &[u128], class: AddrClass, ctx: &QueryContext) -> Vec<bool> {
    addrs
        .iter()
        .map(|k| class.contains(key_to_ip(*k), &ctx.vpc))
        .collect()
}

/// A compiled filter node. Column indexes refer to the frame's column views.
#[derive(Debug)]
enum Node {
    Const(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Any of the columns (non-null) has a value whose `lut` entry is true.
    Lut {
        cols: Vec<usize>,
        lut: Arc<Vec<bool>>,
    },
    /// Column (non-null) compared with a value.
    Cmp {
        col: usize,
        op: super::filter::CmpOp,
        value: u64,
    },
    /// Direction: `inside` over the address dictionary.
    Dir {
        src: usize,
        dst: usize,
        inside: Arc<Vec<bool>>,
        dir: super::filter::Direction,
    },
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// An invalid regular expression.
    #[error("invalid regular expression: {0}")]
    Regex(#[from] regex::Error),
}

fn compile(
    f: &Filter,
    cols: &[ColumnView<'_>],
    addrs: &[u128],
    ctx: &QueryContext,
) -> Result<Node, QueryError> {
    let find = |name: &str| cols.iter().position(|c| c.name == name);
    let present = |names: &[&str]| -> Vec<usize> { names.iter().filter_map(|n| find(n)).collect() };
    let lut_node = |idx: Vec<usize>, lut: Vec<bool>| {
        if idx.is_empty() {
            Node::Const(false)
        } else {
            Node::Lut {
                cols: idx,
                lut: Arc::new(lut),
            }
        }
    };
    Ok(match f {
        Filter::All => Node::Const(true),
        Filter::And(parts) => Node::And(
            parts
                .iter()
                .map(|p| compile(p, cols, addrs, ctx))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Or(parts) => Node::Or(
            parts
                .iter()
                .map(|p| compile(p, cols, addrs, ctx))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Not(inner) => Node::Not(Box::new(compile(inner, cols, addrs, ctx)?)),
        Filter::Addr { field, nets } => lut_node(present(field.columns()), addr_lut(addrs, nets)),
        Filter::Class { side, class } => {
            let names: &[&str] = match side {
                Side::Src => &["srcaddr"],
                Side::Dst => &["dstaddr"],
                Side::Either => &["srcaddr", "dstaddr"],
            };
            lut_node(present(names), class_lut(addrs, *class, ctx))
        }
        Filter::Port { field, ranges } => {
            let mut lut = vec![false; 1 << 16];
            for (lo, hi) in ranges {
                if let Some(s) = lut.get_mut(usize::from(*lo)..=usize::from(*hi)) {
                    s.fill(true);
                }
            }
            lut_node(present(field.columns()), lut)
        }
        Filter::Protocol(ps) => {
            let mut lut = vec![false; 256];
            for p in ps {
                if let Some(x) = lut.get_mut(usize::from(*p)) {
                    *x = true;
                }
            }
            lut_node(present(&["protocol"]), lut)
        }
        Filter::Num { field, op, value } => match find(field) {
            Some(col) => Node::Cmp {
                col,
                op: *op,
                value: *value,
            },
            None => Node::Const(false),
        },
        Filter::Str { field, values } => match find(field) {
            Some(col) => {
                let lut = cols[col]
                    .categories
                    .iter()
                    .map(|c| values.iter().any(|v| v == c))
                    .collect();
                lut_node(vec![col], lut)
            }
            None => Node::Const(false),
        },
        Filter::Regex { field, pattern } => match find(field) {
            Some(col) => {
                let re = regex::Regex::new(pattern)?;
                let lut = cols[col]
                    .categories
                    .iter()
                    .map(|c| re.is_match(c))
                    .collect();
                lut_node(vec![col], lut)
            }
            None => Node::Const(false),
        },
        Filter::Direction(dir) => match (find("srcaddr"), find("dstaddr")) {
            (Some(src), Some(dst)) => Node::Dir {
                src,
                dst,
                inside: Arc::new(class_lut(addrs, AddrClass::Vpc, ctx)),
                dir: *dir,
            },
            _ => Node::Const(false),
        },
    })
}

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
fn eval(node: &Node, cols: &[ColumnView<'_>], k: usize, len: usize) -> Vec<bool> {
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

/// The rows a filter selects: one mask per chunk of the frame.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Per chunk, whether each row is selected.
    pub masks: Vec<Vec<bool>>,
    /// Number of selected rows.
    pub count: u64,
}

impl Selection {
    /// The frame row indexes of the selected rows, in order.
    pub fn rows(&self) -> Vec<u32> {
        let mut rows = Vec::with_capacity(self.count as usize);
        let mut base = 0u32;
        for m in &self.masks {
            rows.extend(
                m.iter()
                    .enumerate()
                    .filter(|(_, on)| **on)
                    .map(|(i, _)| base + i as u32),
            );
            base += m.len() as u32;
        }
        rows
    }
}

/// Rows per block of the [`RowIndex`].
const INDEX_BLOCK: usize = 4096;

/// Finds the n-th selected row quickly (for the records table): selected rows before each block.
#[derive(Clone, Debug, Default)]
pub struct RowIndex {
    /// (chunk, first row in chunk, global row of that row, selected rows before the block).
    blocks: Vec<(usize, usize, usize, u64)>,
}

impl RowIndex {
    /// Builds the index of a selection.
    pub fn new(sel: &Selection) -> RowIndex {
        let mut blocks = Vec::new();
        let mut before = 0u64;
        let mut global = 0usize;
        for (k, mask) in sel.masks.iter().enumerate() {
            for start in (0..mask.len()).step_by(INDEX_BLOCK) {
                blocks.push((k, start, global + start, before));
                let end = (start + INDEX_BLOCK).min(mask.len());
                before +=
                    mask.get(start..end)
                        .map_or(0, |m| m.iter().filter(|x| **x).count()) as u64;
            }
            global += mask.len();
        }
        RowIndex { blocks }
    }

    /// The frame row of the `n`-th selected row (0-based).
    pub fn nth(&self, sel: &Selection, n: u64) -> Option<usize> {
        let b = self
            .blocks
            .partition_point(|blk| blk.3 <= n)
            .checked_sub(1)?;
        let &(k, start, global, before) = self.blocks.get(b)?;
        let mask = sel.masks.get(k)?;
        let end = (start + INDEX_BLOCK).min(mask.len());
        let mut left = n - before;
        for (j, on) in mask.get(start..end)?.iter().enumerate() {
            if *on {
                if left == 0 {
                    return Some(global + j);
                }
                left -= 1;
            }
        }
        None
    }
}

/// Runs `f` over chunk indexes `0..n` on up to two named threads, in order.
fn par_chunks<T: Send>(n: usize, name: &str, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(n)
        .max(1);
    if threads == 1 {
        return (0..n).map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, T)>> = std::sync::Mutex::new(Vec::with_capacity(n));
    std::thread::scope(|s| {
        for t in 0..threads {
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{t}"))
                .spawn_scoped(s, || {
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if k >= n {
                            break;
                        }
                        let r = f(k);
                        if let Ok(mut v) = results.lock() {
                            v.push((k, r));
                        }
                    }
                });
            if spawned.is_err() {
                // Could not start a thread: the remaining work runs on the others (or below).
                break;
            }
        }
    });
    let mut v = results.into_inner().unwrap_or_default();
    // Anything not done (no thread could start) is done here.
    let mut done = vec![false; n];
    for (k, _) in &v {
        if let Some(d) = done.get_mut(*k) {
            *d = true;
        }
    }
    for (k, d) in done.iter().enumerate() {
        if !d {
            v.push((k, f(k)));
        }
    }
    v.sort_by_key(|(k, _)| *k);
    v.into_iter().map(|(_, r)| r).collect()
}

/// Folds chunks `0..n` on up to two named threads, each with its own accumulator from `init`,
/// then merges the accumulators (so per-thread state is allocated once, not once per chunk).
fn par_fold<A: Send>(
    n: usize,
    name: &str,
    init: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, usize) + Sync,
    merge: impl Fn(&mut A, A),
) -> A {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(n)
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut acc = init();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if k >= n {
                break;
            }
            fold(&mut acc, k);
        }
        acc
    };
    let mut accs: Vec<A> = Vec::new();
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for t in 1..threads {
            if let Ok(h) = std::thread::Builder::new()
                .name(format!("{name}-{t}"))
                .spawn_scoped(s, work)
            {
                handles.push(h);
            }
        }
        accs.push(work());
        for h in handles {
            if let Ok(a) = h.join() {
                accs.push(a);
            }
        }
    });
    let mut it = accs.into_iter();
    let mut first = it.next().unwrap_or_else(&init);
    for a in it {
        merge(&mut first, a);
    }
    // A worker that died left chunks undone: do them here (never silently lose rows).
    loop {
        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if k >= n {
            break;
        }
        fold(&mut first, k);
    }
    first
}

/// Evaluates a filter over the table.
pub fn select(
    table: &FlowTable,
    filter: &Filter,
    ctx: &QueryContext,
) -> Result<Selection, QueryError> {
    let cols = views(&table.df);
    let node = compile(filter, &cols, &table.addrs, ctx)?;
    let lens: Vec<usize> = cols
        .first()
        .map_or_else(Vec::new, |c| c.chunks.iter().map(ChunkView::len).collect());
    let masks = par_chunks(lens.len(), "flowlens-filter", |k| {
        eval(&node, &cols, k, lens.get(k).copied().unwrap_or(0))
    });
    let count = masks
        .iter()
        .map(|m| m.iter().filter(|x| **x).count() as u64)
        .sum();
    Ok(Selection { masks, count })
}

// ---------------------------------------------------------------------------------------------
// Views

/// What a view counts.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Metric {
    /// Number of flow records.
    #[default]
    Flows,
    /// Sum of `packets`.
    Packets,
    /// Sum of `bytes`.
    Bytes,
}

impl Metric {
    /// Index into `[flows, packets, bytes]`.
    pub fn index(self) -> usize {
        match self {
            Metric::Flows => 0,
            Metric::Packets => 1,
            Metric::Bytes => 2,
        }
    }

    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Flows => "flows",
            Metric::Packets => "packets",
            Metric::Bytes => "bytes",
        }
    }
}

/// `[flows, packets, bytes]`.
pub type Counts = [u64; 3];

fn add(a: &mut Counts, b: &Counts) {
    a[0] += b[0];
    a[1] += b[1];
    a[2] += b[2];
}

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

/// Partial aggregates of one chunk (merged across chunks).
struct Acc {
    totals: Counts,
    first_start: Option<u64>,
    last_end: Option<u64>,
    src: Vec<Counts>,
    dst: Vec<Counts>,
    ports: Vec<Counts>,
    protocols: Vec<Counts>,
    actions: Vec<Counts>,
    action_null: Counts,
    timeline: Vec<[Counts; 3]>,
    picks: Vec<Vec<u64>>,
}

impl Acc {
    /// Adds the partial aggregates of `p` (the same table and options).
    fn merge(&mut self, p: &Acc) {
        add(&mut self.totals, &p.totals);
        self.first_start = match (self.first_start, p.first_start) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_end = match (self.last_end, p.last_end) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.for_each_table(p, add, |x, y| *x += y);
    }

    /// Turns the aggregates of the rows a selection leaves out into those of the selection,
    /// given the aggregates of every row (`all`). The time span is not subtractable: the caller
    /// computes it.
    fn complement(&mut self, all: &Acc) {
        let flip = |x: &mut Counts, a: &Counts| {
            for (x, a) in x.iter_mut().zip(a) {
                *x = a.saturating_sub(*x);
            }
        };
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

/// The aggregates of every row of a table, kept for selections of more than half the rows:
/// their views are computed from the rows they leave out (the smaller side) and subtracted.
/// A cloned table starts with an empty cache.
#[derive(Default)]
pub struct ViewCache {
    all: std::sync::Mutex<Option<(AccKey, Arc<Acc>)>>,
    /// The conversations (source, destination, sums) of every row.
    pairs: std::sync::OnceLock<Vec<(u64, u64, Counts)>>,
    /// Those conversations in one mode, best first by one metric: ((mode, metric), list).
    ranked: std::sync::Mutex<Option<RankedPairs>>,
    /// Where the table's first start and last end are: (chunk, row in chunk, value).
    extremes: std::sync::OnceLock<(Option<RowValue>, Option<RowValue>)>,
}

/// Whole-table conversations in one mode, best first by one metric.
type RankedPairs = ((ConversationMode, usize), Arc<Vec<Ranked<(u32, u32)>>>);

/// A value and its place: (chunk, row in chunk, value).
type RowValue = (usize, usize, u64);

/// The row with the smallest `start` and the row with the largest non-zero `end` (as the views
/// count them).
#[allow(clippy::unnecessary_cast)] // `with_slice!` includes `u64` slices
fn extremes(cols: &[ColumnView<'_>], vc: &ViewCols) -> (Option<RowValue>, Option<RowValue>) {
    let best = |c: Option<usize>, min: bool| -> Option<RowValue> {
        let col = cols.get(c?)?;
        let mut out: Option<RowValue> = None;
        for (k, ch) in col.chunks.iter().enumerate() {
            with_slice!(ch.values, v => {
                for (i, x) in v.iter().enumerate() {
                    let x = *x as u64;
                    let better = out.is_none_or(|(_, _, b)| if min { x < b } else { x > b });
                    if better && (min || x > 0) && !ch.is_null(i) {
                        out = Some((k, i, x));
                    }
                }
            });
        }
        out
    };
    (best(vc.start, true), best(vc.end, false))
}

/// What the cached aggregates depend on besides the table.
type AccKey = (PortSide, bool, usize);

impl Clone for ViewCache {
    fn clone(&self) -> Self {
        ViewCache::default()
    }
}

impl std::fmt::Debug for ViewCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ViewCache")
    }
}

/// Below this many rows every selection is aggregated directly.
const COMPLEMENT_MIN_ROWS: u64 = 1 << 20;

/// Column indexes the views read.
struct ViewCols {
    src: Option<usize>,
    dst: Option<usize>,
    srcport: Option<usize>,
    dstport: Option<usize>,
    protocol: Option<usize>,
    packets: Option<usize>,
    bytes: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
    action: Option<usize>,
}

/// Division by a fixed divisor without a `div` instruction per row: a float multiply by the
/// reciprocal, then an exact correction.
#[derive(Clone, Copy, Debug)]
struct FastDiv {
    d: u64,
    inv: f64,
}

impl FastDiv {
    fn new(d: u64) -> FastDiv {
        let d = d.max(1);
        FastDiv {
            d,
            inv: 1.0 / d as f64,
        }
    }

    #[inline]
    fn apply(self, n: u64) -> u64 {
        let mut q = (n as f64 * self.inv) as u64;
        // The float estimate is off by at most one either way for the sizes used here.
        if q.saturating_mul(self.d) > n {
            q -= 1;
        } else if (q + 1).saturating_mul(self.d) <= n {
            q += 1;
        }
        q
    }
}

/// A bucket width as words: `15 min`, `1 h`, `30 s`, `2 days`.
pub fn bucket_text(secs: u64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => {
            let d = s / 86_400;
            if d == 1 {
                "1 day".into()
            } else {
                format!("{d} days")
            }
        }
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// A readable bucket width near `span / n` (1 s … 1 day steps).
pub fn bucket_width(span_secs: u64, n: usize) -> u64 {
    const STEPS: [u64; 17] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 86_400,
    ];
    let want = span_secs / (n.max(1) as u64);
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= want)
        .unwrap_or_else(|| want.div_ceil(86_400) * 86_400)
}

/// Null marker in decoded blocks.
const NULL: u64 = u64::MAX;

/// Rows decoded at a time: ten decoded columns of a block (640 KiB) stay in a 1 MiB L2 cache.
const BLOCK: usize = 1 << 13;

/// Decodes rows `range` of column `c`, chunk `k` into `out` as `u64` ([`NULL`] where null), so
/// the aggregation loops run over plain slices. A column that does not exist leaves `out` empty
/// (read through [`Block::get`] or `.get(j)`, a missing value is null).
#[allow(clippy::unnecessary_cast)] // `with_slice!` includes `u64` slices
fn decode(
    cols: &[ColumnView<'_>],
    c: Option<usize>,
    k: usize,
    range: std::ops::Range<usize>,
    out: &mut Vec<u64>,
) {
    out.clear();
    let Some(ch) = c
        .and_then(|c| cols.get(c))
        .and_then(|col| col.chunks.get(k))
    else {
        // A missing column stays empty: readers treat a missing value as null.
        return;
    };
    with_slice!(ch.values, v => {
        let part = v.get(range.clone()).unwrap_or_default();
        out.extend(part.iter().map(|x| *x as u64));
    });
    out.resize(range.len(), NULL);
    if let Some(bits) = ch.validity {
        mark_nulls(bits, range.start, out);
    }
}

/// Sets `out[j]` to [`NULL`] where bit `start + j` of `bits` is unset, a byte at a time
/// (all-valid bytes, the common case, are skipped).
fn mark_nulls(bits: &polars_arrow::bitmap::Bitmap, start: usize, out: &mut [u64]) {
    let (bytes, offset, _) = bits.as_slice();
    let mut j = 0;
    while j < out.len() {
        let bit = offset + start + j;
        if bit.is_multiple_of(8) && j + 8 <= out.len() && bytes.get(bit / 8).copied() == Some(0xff)
        {
            j += 8;
            continue;
        }
        let valid = bytes
            .get(bit / 8)
            .is_some_and(|b| b & (1 << (bit % 8)) != 0);
        if !valid && let Some(o) = out.get_mut(j) {
            *o = NULL;
        }
        j += 1;
    }
}

/// The selected rows of one block of a chunk, decoded: `cols[c][i]` is column `which[c]` at the
/// `i`-th selected row ([`NULL`] where null). A column that does not exist stays empty, and
/// [`Block::get`] reads it as null. Kernels loop over `0..len()` with no mask test per row.
#[derive(Default)]
struct Block {
    cols: Vec<Vec<u64>>,
    /// Positions of the selected rows in the chunk.
    rows: Vec<u32>,
}

impl Block {
    /// Gathers the `which` columns of the selected rows among rows `start..start + m.len()` of
    /// chunk `k`.
    #[allow(clippy::unnecessary_cast)] // `with_slice!` includes `u64` slices
    fn load(
        &mut self,
        cols: &[ColumnView<'_>],
        which: &[Option<usize>],
        k: usize,
        start: usize,
        m: &[bool],
    ) {
        self.rows.clear();
        // Eight mask bytes at a time: a bool is 0 or 1, so each set byte is one set bit.
        let mut words = m.chunks_exact(8);
        let mut base = start;
        for w in &mut words {
            let mut word = w
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            while word != 0 {
                self.rows
                    .push((base + word.trailing_zeros() as usize / 8) as u32);
                word &= word - 1;
            }
            base += 8;
        }
        for (j, &on) in words.remainder().iter().enumerate() {
            if on {
                self.rows.push((base + j) as u32);
            }
        }
        self.cols.resize_with(which.len(), Vec::new);
        // Dense blocks are decoded whole (a vectorised pass) and then compacted in place.
        let dense = self.rows.len() * 2 >= m.len();
        for (buf, c) in self.cols.iter_mut().zip(which) {
            buf.clear();
            if self.rows.is_empty() {
                continue;
            }
            if dense {
                decode(cols, *c, k, start..start + m.len(), buf);
                if buf.len() == m.len() && self.rows.len() < m.len() {
                    for (i, &r) in self.rows.iter().enumerate() {
                        // i <= r - start: the write never overtakes the reads still to come.
                        if let Some(&v) = buf.get(r as usize - start) {
                            buf[i] = v;
                        }
                    }
                    buf.truncate(self.rows.len());
                }
                continue;
            }
            let Some(ch) = c
                .and_then(|c| cols.get(c))
                .and_then(|col| col.chunks.get(k))
            else {
                continue;
            };
            with_slice!(ch.values, v => buf.extend(
                self.rows.iter().map(|&r| v.get(r as usize).map_or(NULL, |x| *x as u64))
            ));
            if let Some(bits) = ch.validity {
                for (o, &r) in buf.iter_mut().zip(&self.rows) {
                    if !bits.get_bit(r as usize) {
                        *o = NULL;
                    }
                }
            }
        }
    }

    /// Number of selected rows in the block.
    fn len(&self) -> usize {
        self.rows.len()
    }

    /// Column `col` (an index into `which`) of the `i`-th selected row.
    #[inline]
    fn get(&self, col: usize, i: usize) -> u64 {
        self.cols
            .get(col)
            .and_then(|c| c.get(i))
            .copied()
            .unwrap_or(NULL)
    }

    /// Column `col` as a slice (empty where the column does not exist).
    fn col(&self, col: usize) -> &[u64] {
        self.cols.get(col).map_or(&[][..], Vec::as_slice)
    }
}

/// Runs `f` over the selected rows of chunk `k`, a block of [`BLOCK`] rows at a time (blocks
/// with no selected row are skipped).
fn for_blocks(
    cols: &[ColumnView<'_>],
    which: &[Option<usize>],
    k: usize,
    mask: &[bool],
    mut f: impl FnMut(&Block),
) {
    let mut block = Block::default();
    for (b, m) in mask.chunks(BLOCK).enumerate() {
        block.load(cols, which, k, b * BLOCK, m);
        if block.len() > 0 {
            f(&block);
        }
    }
}

/// Computes the views of a selection (the selection must come from the same table).
pub fn compute_views(table: &FlowTable, sel: &Selection, opts: &ViewOptions) -> Views {
    views_of(table, sel, opts, true)
}

/// [`compute_views`] aggregating the selected rows themselves, never the rows left out: the
/// reference the subtraction path is tested against.
pub fn compute_views_direct(table: &FlowTable, sel: &Selection, opts: &ViewOptions) -> Views {
    views_of(table, sel, opts, false)
}

fn views_of(table: &FlowTable, sel: &Selection, opts: &ViewOptions, complement: bool) -> Views {
    let cols = views(&table.df);
    let find = |n: &str| cols.iter().position(|c| c.name == n);
    let vc = ViewCols {
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
    };
    let n_addrs = table.addrs.len();
    let action_cats: Vec<&str> = vc
        .action
        .and_then(|a| cols.get(a))
        .map(|c| c.categories.clone())
        .unwrap_or_default();
    let accept_id = action_cats.iter().position(|c| *c == "ACCEPT");
    let reject_id = action_cats.iter().position(|c| *c == "REJECT");
    // Timeline range from the whole table (stable axis while filtering).
    // The axis spans the whole table (stable while filtering), computed once per table.
    let (t0, t1) = *table.start_range.get_or_init(|| {
        let mut lo = u64::MAX;
        let mut hi = 0;
        if let Some(c) = vc.start.and_then(|s| cols.get(s)) {
            for ch in &c.chunks {
                if let Some((a, b)) = ch.min_max() {
                    lo = lo.min(a);
                    hi = hi.max(b);
                }
            }
        }
        if lo > hi { (0, 0) } else { (lo, hi) }
    });
    let bucket = bucket_width(t1 - t0 + 1, opts.timeline_buckets);
    let t0 = t0 - t0 % bucket;
    let n_buckets = ((t1 - t0) / bucket + 1) as usize;
    let div = FastDiv::new(bucket);

    let pick_cols: Vec<Option<usize>> = if opts.with_pickers {
        PICKER_COLUMNS.iter().map(|n| find(n)).collect()
    } else {
        Vec::new()
    };
    let new_acc = || Acc {
        totals: [0; 3],
        first_start: None,
        last_end: None,
        src: vec![[0; 3]; n_addrs],
        dst: vec![[0; 3]; n_addrs],
        ports: vec![[0; 3]; 1 << 16],
        protocols: vec![[0; 3]; 256],
        actions: vec![[0; 3]; action_cats.len()],
        action_null: [0; 3],
        timeline: vec![[[0; 3]; 3]; n_buckets.min(1 << 20)],
        picks: pick_cols
            .iter()
            .map(|c| {
                vec![
                    0;
                    c.and_then(|c| cols.get(c))
                        .map_or(0, |c| c.categories.len())
                ]
            })
            .collect(),
    };
    let fold = |masks: &[Vec<bool>]| -> Acc {
        par_fold(
            masks.len(),
            "flowlens-views",
            new_acc,
            |acc: &mut Acc, k| {
                let Some(mask) = masks.get(k) else { return };
                // Block columns: 0 packets, 1 bytes, 2 src, 3 dst, 4 srcport, 5 dstport, 6 protocol,
                // 7 action, 8 start, 9 end.
                let side = opts.port_side;
                let which = [
                    vc.packets,
                    vc.bytes,
                    vc.src,
                    vc.dst,
                    if side == PortSide::Dst {
                        None
                    } else {
                        vc.srcport
                    },
                    if side == PortSide::Src {
                        None
                    } else {
                        vc.dstport
                    },
                    vc.protocol,
                    vc.action,
                    vc.start,
                    vc.end,
                ]
                .into_iter()
                .chain(pick_cols.iter().copied())
                .collect::<Vec<_>>();
                let mut zeroed: [Vec<u64>; 2] = Default::default();
                for_blocks(&cols, &which, k, mask, |b| {
                    // One pass per view over the block's columns (plain slices): each pass updates
                    // one table, which keeps the loops simple and the tables' cache lines hot.
                    let col = |i: usize| b.col(i);
                    let n = b.len();
                    let [pk, by] = &mut zeroed;
                    for (out, c) in [(&mut *pk, col(0)), (&mut *by, col(1))] {
                        out.clear();
                        out.extend(c.iter().map(|&v| if v == NULL { 0 } else { v }));
                        out.resize(n, 0);
                    }
                    let (pk, by) = (pk.as_slice(), by.as_slice());
                    let (src, dst, sp, dp, pr, ac) =
                        (col(2), col(3), col(4), col(5), col(6), col(7));
                    let (st, en) = (col(8), col(9));
                    let hist = |table: &mut [Counts], keys: &[u64]| {
                        for ((key, p), b) in keys.iter().zip(pk).zip(by) {
                            if let Some(x) = table.get_mut(*key as usize) {
                                add(x, &[1, *p, *b]);
                            }
                        }
                    };
                    add(
                        &mut acc.totals,
                        &[n as u64, pk.iter().sum(), by.iter().sum()],
                    );
                    hist(&mut acc.src, src);
                    hist(&mut acc.dst, dst);
                    if side != PortSide::Dst {
                        hist(&mut acc.ports, sp);
                    }
                    if side != PortSide::Src {
                        hist(&mut acc.ports, dp);
                    }
                    hist(&mut acc.protocols, pr);
                    hist(&mut acc.actions, ac);
                    if ac.is_empty() {
                        add(
                            &mut acc.action_null,
                            &[n as u64, pk.iter().sum(), by.iter().sum()],
                        );
                    } else {
                        for ((a, p), b) in ac.iter().zip(pk).zip(by) {
                            if acc.actions.get(*a as usize).is_none() {
                                add(&mut acc.action_null, &[1, *p, *b]);
                            }
                        }
                    }
                    for (counts, p) in acc.picks.iter_mut().zip(10..) {
                        for v in col(p) {
                            if let Some(x) = counts.get_mut(*v as usize) {
                                *x += 1;
                            }
                        }
                    }
                    let at = |s: &[u64], j: usize| s.get(j).copied().unwrap_or(NULL);
                    let mut lo = u64::MAX;
                    for (j, &t) in st.iter().enumerate() {
                        if t == NULL {
                            continue;
                        }
                        lo = lo.min(t);
                        let action = at(ac, j);
                        let lane = if Some(action as usize) == accept_id {
                            0
                        } else if Some(action as usize) == reject_id {
                            1
                        } else {
                            2
                        };
                        let bi = div.apply(t.saturating_sub(t0)) as usize;
                        if let Some(x) = acc.timeline.get_mut(bi).and_then(|l| l.get_mut(lane)) {
                            add(x, &[1, at(pk, j), at(by, j)]);
                        }
                    }
                    let hi = en.iter().copied().filter(|&t| t != NULL && t > 0).max();
                    if lo != u64::MAX {
                        acc.first_start = Some(acc.first_start.map_or(lo, |x| x.min(lo)));
                    }
                    if let Some(hi) = hi {
                        acc.last_end = Some(acc.last_end.map_or(hi, |x| x.max(hi)));
                    }
                });
            },
            |acc: &mut Acc, p: Acc| acc.merge(&p),
        )
    };
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
        });
    let acc = if let Some(left_out) = &left_out {
        let key = (opts.port_side, opts.with_pickers, opts.timeline_buckets);
        let cached = table.view_cache.all.lock().ok().and_then(|c| {
            c.as_ref()
                .filter(|(k, _)| *k == key)
                .map(|(_, a)| a.clone())
        });
        let all = match cached {
            Some(all) => all,
            None => {
                let every: Vec<Vec<bool>> = sel.masks.iter().map(|m| vec![true; m.len()]).collect();
                let all = Arc::new(fold(&every));
                if let Ok(mut c) = table.view_cache.all.lock() {
                    *c = Some((key, all.clone()));
                }
                all
            }
        };
        let mut acc = fold(&left_out.masks);
        acc.complement(&all);
        // The selection's span is the table's when it keeps the rows that make the table's
        // (the usual case for an exclusion); otherwise it is scanned.
        let (lo, hi) = *table
            .view_cache
            .extremes
            .get_or_init(|| extremes(&cols, &vc));
        let kept = |r: Option<RowValue>| {
            r.filter(|(k, i, _)| sel.masks.get(*k).and_then(|m| m.get(*i)) == Some(&true))
        };
        (acc.first_start, acc.last_end) = match (kept(lo), kept(hi)) {
            (Some(lo), Some(hi)) => (Some(lo.2), Some(hi.2)),
            _ => time_span(sel, &cols, &vc),
        };
        acc
    } else {
        fold(&sel.masks)
    };
    let m = opts.metric.index();
    let ports_ranked = top_dense(&acc.ports, m, opts.top_n);
    let mut other = acc.totals;
    if opts.port_side == PortSide::Either {
        other = [0; 3];
        for c in &acc.ports {
            add(&mut other, c);
        }
    }
    for r in &ports_ranked {
        for (o, c) in other.iter_mut().zip(r.counts) {
            *o = o.saturating_sub(c);
        }
    }
    let flows_of = |id: Option<usize>| id.and_then(|i| acc.actions.get(i)).map_or(0, |c| c[0]);
    let mut views = Views {
        totals: Totals {
            counts: acc.totals,
            accept: flows_of(accept_id),
            reject: flows_of(reject_id),
            distinct_src: acc.src.iter().filter(|c| c[0] > 0).count() as u64,
            distinct_dst: acc.dst.iter().filter(|c| c[0] > 0).count() as u64,
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
            start: t0,
            bucket_secs: bucket,
            buckets: acc.timeline,
        },
        protocols: top_dense(&acc.protocols, m, 256)
            .into_iter()
            .map(|r| Ranked {
                key: r.key as u8,
                counts: r.counts,
            })
            .collect(),
        actions: {
            let mut a: Vec<Ranked<String>> = acc
                .actions
                .iter()
                .zip(&action_cats)
                .filter(|(c, _)| c[0] > 0)
                .map(|(c, name)| Ranked {
                    key: (*name).to_owned(),
                    counts: *c,
                })
                .collect();
            if acc.action_null[0] > 0 {
                a.push(Ranked {
                    key: "-".into(),
                    counts: acc.action_null,
                });
            }
            a.sort_by(|x, y| y.counts[m].cmp(&x.counts[m]).then(x.key.cmp(&y.key)));
            a
        },
        scanners: Vec::new(),
        pickers: pick_cols
            .iter()
            .zip(&acc.picks)
            .zip(PICKER_COLUMNS)
            .filter_map(|((c, counts), name)| {
                let col = cols.get((*c)?)?;
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
            .collect(),
    };
    if opts.with_conversations {
        views.conversations = conversations(table, sel, left_out.as_ref(), &cols, &vc, opts);
    }
    if opts.with_scanners {
        views.scanners = scanners(sel, &cols, &vc, opts.top_n);
    }
    views
}

/// The first start and last end of the selected flows.
fn time_span(
    sel: &Selection,
    cols: &[ColumnView<'_>],
    vc: &ViewCols,
) -> (Option<u64>, Option<u64>) {
    let spans = par_chunks(sel.masks.len(), "flowlens-views", |k| {
        let (mut lo, mut hi) = (None::<u64>, None::<u64>);
        if let Some(mask) = sel.masks.get(k) {
            for_blocks(cols, &[vc.start, vc.end], k, mask, |b| {
                if let Some(x) = b.col(0).iter().copied().filter(|&t| t != NULL).min() {
                    lo = Some(lo.map_or(x, |l| l.min(x)));
                }
                if let Some(x) = b
                    .col(1)
                    .iter()
                    .copied()
                    .filter(|&t| t != NULL && t > 0)
                    .max()
                {
                    hi = Some(hi.map_or(x, |h| h.max(x)));
                }
            });
        }
        (lo, hi)
    });
    spans.into_iter().fold((None, None), |(lo, hi), (l, h)| {
        (
            match (lo, l) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            match (hi, h) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
        )
    })
}

/// Top `n` indexes of a dense array by metric `m` (non-zero flows only; ties: lower index).
fn top_dense(v: &[Counts], m: usize, n: usize) -> Vec<Ranked<u32>> {
    let mut idx: Vec<u32> = (0..v.len() as u32)
        .filter(|&i| v.get(i as usize).is_some_and(|c| c[0] > 0))
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

/// Partitions of the two-key aggregation (a power of two).
const PARTITIONS: usize = 256;

/// Sums `[1, packets, bytes]` per `(a, b)` pair of two columns over the selection,
/// radix-partitioned: rows are scattered into [`PARTITIONS`] buffers by key hash (each thread
/// its own set, never copied), then each partition, small enough for the cache, is aggregated on
/// its own. Returns `(a, b, counts)` with [`NULL`] for null values.
fn pair_aggregate(
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
                    let c = [1, nz(bl.get(0, j)), nz(bl.get(1, j))];
                    add(map.entry((bl.get(2, j), bl.get(3, j))).or_default(), &c);
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
        [1, self.1, self.2]
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
        [1, 0, self.1]
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
        [1, self.1, 0]
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
        [1, 0, 0]
    }
}

/// The radix-partitioned path of [`pair_aggregate`] for two columns of at most 32 bits;
/// `which` is `[packets, bytes, a, b]`.
fn pair_partitions<I: PairItem>(
    sel: &Selection,
    cols: &[ColumnView<'_>],
    which: [Option<usize>; 4],
) -> Vec<(u64, u64, Counts)> {
    const NARROW_NULL: u64 = u32::MAX as u64;
    let pack = |v: u64| {
        if v == NULL {
            NARROW_NULL
        } else {
            v & NARROW_NULL
        }
    };
    let unpack = |v: u64| if v == NARROW_NULL { NULL } else { v };
    let part_of = |k: u64| (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize % PARTITIONS;
    type Parts<I> = Vec<Vec<I>>;
    let per_thread: Vec<Parts<I>> = par_fold(
        sel.masks.len(),
        "flowlens-pairs",
        || {
            // Sized for an even spread, so the buffers rarely grow (each growth is a copy).
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
            let each = (sel.count / threads / PARTITIONS as u64) * 5 / 4 + 16;
            vec![
                (0..PARTITIONS)
                    .map(|_| Vec::with_capacity(each as usize))
                    .collect(),
            ]
        },
        |sets: &mut Vec<Parts<I>>, k| {
            let Some(parts) = sets.first_mut() else {
                return;
            };
            let Some(mask) = sel.masks.get(k) else { return };
            for_blocks(cols, &which, k, mask, |bl| {
                let nz = |v: u64| if v == NULL { 0 } else { v };
                for j in 0..bl.len() {
                    let key = (pack(bl.get(2, j)) << 32) | pack(bl.get(3, j));
                    if let Some(p) = parts.get_mut(part_of(key)) {
                        p.push(I::new(key, nz(bl.get(0, j)), nz(bl.get(1, j))));
                    }
                }
            });
        },
        |sets, mut other| sets.append(&mut other),
    );
    par_fold(
        PARTITIONS,
        "flowlens-pairs",
        Vec::new,
        |out: &mut Vec<(u64, u64, Counts)>, i| {
            let len: usize = per_thread
                .iter()
                .filter_map(|p| p.get(i))
                .map(Vec::len)
                .sum();
            let mut map: FxHashMap<u64, Counts> = FxHashMap::default();
            // A pair repeats ~13 times in generated data; a map sized for that stays in cache
            // (it grows if the data has more distinct pairs).
            map.reserve(len / 8);
            for part in per_thread.iter().filter_map(|p| p.get(i)) {
                for item in part {
                    add(map.entry(item.key()).or_default(), &item.counts());
                }
            }
            out.extend(
                map.into_iter()
                    .map(|(k, c)| (unpack(k >> 32), unpack(k & NARROW_NULL), c)),
            );
        },
        |out, mut other| out.append(&mut other),
    )
}

/// The conversations of a selection; with `left_out` (a large selection), from the pairs of
/// every row (cached per table) and those of the rows left out.
fn conversations(
    table: &FlowTable,
    sel: &Selection,
    left_out: Option<&Selection>,
    cols: &[ColumnView<'_>],
    vc: &ViewCols,
    opts: &ViewOptions,
) -> Vec<Ranked<(u32, u32)>> {
    let (m, n, mode) = (opts.metric.index(), opts.top_n, opts.conversations);
    let aggregate = |s: &Selection| pair_aggregate(s, cols, vc.src, vc.dst, vc.packets, vc.bytes);
    let Some(left_out) = left_out else {
        return top_ranked(ranked_pairs(aggregate(sel), mode), m, n);
    };
    let all = table.view_cache.pairs.get_or_init(|| {
        aggregate(&Selection {
            masks: sel.masks.iter().map(|m| vec![true; m.len()]).collect(),
            count: sel.count + left_out.count,
        })
    });
    // The whole table's conversations in this mode, best first by this metric (the last order
    // asked for is kept).
    let key = (mode, m);
    let cached = table.view_cache.ranked.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, r)| r.clone())
    });
    let ranked = cached.unwrap_or_else(|| {
        let mut r = ranked_pairs(all.iter().copied(), mode);
        r.sort_by(|x, y| y.counts[m].cmp(&x.counts[m]).then(x.key.cmp(&y.key)));
        let r = Arc::new(r);
        if let Ok(mut c) = table.view_cache.ranked.lock() {
            *c = Some((key, r.clone()));
        }
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
            for (c, x) in c.iter_mut().zip(x) {
                *c = c.saturating_sub(*x);
            }
        }
        (c[0] > 0).then_some((a, b, c))
    });
    top_ranked(ranked_pairs(pairs, mode), m, n)
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
                add(merged.entry((a.min(b), a.max(b))).or_default(), &c);
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
    m: usize,
    n: usize,
) -> Option<Vec<Ranked<(u32, u32)>>> {
    let mut k = (n * 4).max(64);
    while k <= 1 << 16 {
        let cand = ranked.get(..k.min(ranked.len()))?;
        let index: FxHashMap<(u32, u32), usize> =
            cand.iter().enumerate().map(|(i, r)| (r.key, i)).collect();
        let minus = par_fold(
            left_out.masks.len(),
            "flowlens-pairs",
            || vec![[0u64; 3]; cand.len()],
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
                            add(x, &[1, nz(b.get(0, j)), nz(b.get(1, j))]);
                        }
                    }
                });
            },
            |acc, other| {
                for (x, y) in acc.iter_mut().zip(&other) {
                    add(x, y);
                }
            },
        );
        let selected: Vec<Ranked<(u32, u32)>> = cand
            .iter()
            .zip(&minus)
            .filter_map(|(r, x)| {
                let mut c = r.counts;
                for (c, x) in c.iter_mut().zip(x) {
                    *c = c.saturating_sub(*x);
                }
                (c[0] > 0).then_some(Ranked {
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
fn top_ranked<K: Ord + Clone>(mut v: Vec<Ranked<K>>, m: usize, n: usize) -> Vec<Ranked<K>> {
    let cmp = |x: &Ranked<K>, y: &Ranked<K>| y.counts[m].cmp(&x.counts[m]).then(x.key.cmp(&y.key));
    if v.len() > n && n > 0 {
        v.select_nth_unstable_by(n - 1, cmp);
        v.truncate(n);
    }
    v.sort_by(cmp);
    v
}

fn scanners(sel: &Selection, cols: &[ColumnView<'_>], vc: &ViewCols, n: usize) -> Vec<Scanner> {
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

// ---------------------------------------------------------------------------------------------
// Generic group-by (`flowlens top`)

/// One group of a group-by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Key values as text (`-` for null), one per field.
    pub key: Vec<String>,
    /// Flows, packets, bytes.
    pub counts: Counts,
}

/// Groups the selection by `fields` (frame column names), ranked by `metric`, top `limit`.
/// Ties are broken by the key text, as SQL's `ORDER BY metric DESC, key` would.
pub fn group_by(
    table: &FlowTable,
    sel: &Selection,
    fields: &[String],
    metric: Metric,
    limit: usize,
) -> Result<Vec<Group>, String> {
    group_by_sums(table, sel, fields, metric, limit, true)
}

/// [`group_by`]; with `sums == false` only flows are counted (packets and bytes stay 0 unless
/// they are the metric), which skips reading those columns.
pub fn group_by_sums(
    table: &FlowTable,
    sel: &Selection,
    fields: &[String],
    metric: Metric,
    limit: usize,
    sums: bool,
) -> Result<Vec<Group>, String> {
    let cols = views(&table.df);
    let mut idx = Vec::new();
    for f in fields {
        let name = f.replace('-', "_");
        match cols.iter().position(|c| c.name == name) {
            Some(i) => idx.push(i),
            None => return Err(format!("no column `{f}` in the loaded data")),
        }
    }
    let find = |n: &str| cols.iter().position(|c| c.name == n);
    let (packets, bytes) = (
        find("packets").filter(|_| sums || metric == Metric::Packets),
        find("bytes").filter(|_| sums || metric == Metric::Bytes),
    );
    let mut which = vec![packets, bytes];
    which.extend(idx.iter().map(|&i| Some(i)));
    // One field with a small domain (ports, protocols, dictionary ids): dense arrays. Two fields:
    // a u128 key. More: a vector key.
    let dense_len = match idx.as_slice() {
        [only] => cols
            .get(*only)
            .and_then(|c| match c.chunks.first().map(|ch| ch.values) {
                _ if c.is_categorical() => Some(c.categories.len() + 1),
                Some(super::columns::Values::U8(_)) => Some(257),
                Some(super::columns::Values::U16(_)) => Some(65_537),
                _ => None,
            }),
        _ => None,
    };
    let n_fields = idx.len();
    type GroupAcc = (
        Vec<Counts>,
        FxHashMap<Vec<u64>, Counts>,
        FxHashMap<u64, Counts>,
    );
    let init = || -> GroupAcc {
        (
            vec![[0; 3]; dense_len.unwrap_or(0)],
            FxHashMap::default(),
            FxHashMap::default(),
        )
    };
    // Two fields (pairs) take the radix-partitioned path below instead.
    let chunks = if n_fields == 2 { 0 } else { sel.masks.len() };
    let (dense_all, mut all, single) = par_fold(
        chunks,
        "flowlens-group",
        init,
        |(dense, map, single): &mut GroupAcc, k| {
            let Some(mask) = sel.masks.get(k) else { return };
            for_blocks(&cols, &which, k, mask, |b| {
                let nz = |v: u64| if v == NULL { 0 } else { v };
                for j in 0..b.len() {
                    let c = [1, nz(b.get(0, j)), nz(b.get(1, j))];
                    match n_fields {
                        1 => {
                            let key = b.get(2, j);
                            let slot = if key == NULL {
                                dense.len().wrapping_sub(1)
                            } else {
                                key as usize
                            };
                            match dense.get_mut(slot) {
                                Some(x) => add(x, &c),
                                None => add(single.entry(key).or_default(), &c),
                            }
                        }
                        _ => {
                            let key: Vec<u64> = (0..n_fields).map(|f| b.get(2 + f, j)).collect();
                            add(map.entry(key).or_default(), &c);
                        }
                    }
                }
            });
        },
        |acc: &mut GroupAcc, other: GroupAcc| {
            for (a, b) in acc.0.iter_mut().zip(&other.0) {
                add(a, b);
            }
            for (k, c) in other.1 {
                add(acc.1.entry(k).or_default(), &c);
            }
            for (k, c) in other.2 {
                add(acc.2.entry(k).or_default(), &c);
            }
        },
    );
    if let [a, b] = idx.as_slice() {
        // Keep only the candidates for the top `limit` (ties with the last place included)
        // before giving each group a key vector.
        let mut pairs = pair_aggregate(sel, &cols, Some(*a), Some(*b), packets, bytes);
        let m = metric.index();
        if pairs.len() > limit && limit > 0 {
            pairs.select_nth_unstable_by(limit - 1, |x, y| y.2[m].cmp(&x.2[m]));
            let cut = pairs.get(limit - 1).map_or(0, |p| p.2[m]);
            pairs.retain(|p| p.2[m] >= cut);
        }
        for (x, y, c) in pairs {
            add(all.entry(vec![x, y]).or_default(), &c);
        }
    }
    for (k, c) in single {
        add(all.entry(vec![k]).or_default(), &c);
    }
    // Dense results: only the candidates for the top `limit` (ties with the last place
    // included) get a key vector.
    let last = dense_all.len().wrapping_sub(1);
    let mut dense: Vec<(u64, Counts)> = dense_all
        .iter()
        .enumerate()
        .filter(|(_, c)| c[0] > 0)
        .map(|(i, c)| (if i == last { NULL } else { i as u64 }, *c))
        .collect();
    let m = metric.index();
    if dense.len() > limit && limit > 0 {
        dense.select_nth_unstable_by(limit - 1, |x, y| y.1[m].cmp(&x.1[m]));
        let cut = dense.get(limit - 1).map_or(0, |d| d.1[m]);
        dense.retain(|d| d.1[m] >= cut);
    }
    for (key, c) in dense {
        add(all.entry(vec![key]).or_default(), &c);
    }
    let render = |j: usize, v: u64| -> String {
        if v == NULL {
            return "-".into();
        }
        let Some(col) = idx.get(j).and_then(|&c| cols.get(c)) else {
            return v.to_string();
        };
        if col.is_categorical() {
            col.categories
                .get(v as usize)
                .map_or_else(String::new, |s| (*s).to_owned())
        } else {
            v.to_string()
        }
    };
    let m = metric.index();
    // Rank by metric, then by key text (numbers numerically), nulls last; keys computed once.
    let text_key = |k: &[u64]| -> Vec<(bool, u64, String)> {
        k.iter()
            .enumerate()
            .map(|(j, &v)| {
                let numeric = idx
                    .get(j)
                    .and_then(|&c| cols.get(c))
                    .is_some_and(|c| !c.is_categorical());
                if numeric {
                    (v == NULL, v, String::new())
                } else {
                    (v == NULL, 0, render(j, v))
                }
            })
            .collect()
    };
    let mut rows: Vec<(Vec<u64>, Counts)> = all.into_iter().collect();
    let by_metric = |a: &(Vec<u64>, Counts), b: &(Vec<u64>, Counts)| b.1[m].cmp(&a.1[m]);
    if rows.len() > limit && limit > 0 {
        // Everything tied with the last place stays in for the tie-break below.
        rows.select_nth_unstable_by(limit - 1, by_metric);
        let cut = rows.get(limit - 1).map_or(0, |r| r.1[m]);
        let (mut head, tail): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.1[m] >= cut);
        let _ = tail;
        head.shrink_to_fit();
        rows = head;
    }
    /// Sort key of a group: per field (is null, number, text).
    type SortKey = Vec<(bool, u64, String)>;
    let mut keyed: Vec<(SortKey, Vec<u64>, Counts)> = rows
        .into_iter()
        .map(|(k, c)| (text_key(&k), k, c))
        .collect();
    keyed.sort_by(|a, b| b.2[m].cmp(&a.2[m]).then_with(|| a.0.cmp(&b.0)));
    keyed.truncate(limit);
    let rows: Vec<(Vec<u64>, Counts)> = keyed.into_iter().map(|(_, k, c)| (k, c)).collect();
    Ok(rows
        .into_iter()
        .map(|(k, counts)| Group {
            key: k.iter().enumerate().map(|(j, v)| render(j, *v)).collect(),
            counts,
        })
        .collect())
}

/// Text of an address id.
pub fn addr_text(table: &FlowTable, id: u32) -> String {
    table
        .addrs
        .get(id as usize)
        .map_or_else(|| "-".into(), |k| super::parse::addr_to_string(*k))
}

/// `AddrField` of a port side (for click-to-filter).
pub fn port_field(side: PortSide) -> PortField {
    match side {
        PortSide::Src => PortField::Src,
        PortSide::Dst => PortField::Dst,
        PortSide::Either => PortField::Either,
    }
}

/// The filter that selects one address on a side.
pub fn addr_filter(field: AddrField, key: u128) -> Filter {
    Filter::Addr {
        field,
        nets: vec![IpNet::from(key_to_ip(key))],
    }
}

#[cfg(test)]
mod tests {
    use super::FastDiv;

    #[test]
    fn fast_division_is_exact() {
        for d in [1u64, 2, 5, 15, 60, 300, 900, 3600, 86_400] {
            let f = FastDiv::new(d);
            for n in (0..200_000u64).chain([u32::MAX as u64, 1_709_251_200, 4_000_000_000]) {
                assert_eq!(f.apply(n), n / d, "{n} / {d}");
            }
        }
    }
}
