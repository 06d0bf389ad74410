//! The rows a filter selects.

use std::sync::Arc;

use super::QueryError;
use super::cache::ViewCache;
use super::compile::{Node, compile};
use super::context::QueryContext;
use super::eval::eval;
use super::filter::Filter;
use super::pairs::PairPredicate;
use super::par::par_chunks;
use crate::model::FlowTable;
use crate::model::columns::{ChunkView, ColumnView, views};

/// The rows a filter selects: one mask per chunk of the frame.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Per chunk, whether each row is selected.
    pub masks: Vec<Vec<bool>>,
    /// Number of selected rows.
    pub count: u64,
    /// The filter as a test on (source, destination) address ids, when it reads nothing else:
    /// its conversations are then the table's that pass it.
    pub(crate) pairs: Option<Arc<PairPredicate>>,
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

/// Evaluates a filter over the table.
pub fn select(
    table: &FlowTable,
    filter: &Filter,
    ctx: &QueryContext,
) -> Result<Selection, QueryError> {
    select_with(table, filter, ctx, None)
}

/// [`select`] for a caller that keeps the table's [`ViewCache`] (the app, `bench`): comparisons
/// on `start` and `end` read the cached zone maps (computed the first time), so blocks of rows
/// entirely inside or outside a time range are filled without reading their values.
pub fn select_in(
    table: &FlowTable,
    cache: &ViewCache,
    filter: &Filter,
    ctx: &QueryContext,
) -> Result<Selection, QueryError> {
    select_with(table, filter, ctx, Some(cache))
}

/// Attaches the zone maps of the time columns to the comparisons on them.
fn attach_zones(node: &mut Node, cols: &[ColumnView<'_>], cache: &ViewCache) {
    match node {
        Node::And(parts) | Node::Or(parts) => {
            for p in parts {
                attach_zones(p, cols, cache);
            }
        }
        Node::Not(inner) => attach_zones(inner, cols, cache),
        Node::Cmp { col, zones, .. } => {
            if cols
                .get(*col)
                .is_some_and(|c| matches!(c.name, "start" | "end"))
            {
                *zones = cache.zones(cols, *col);
            }
        }
        Node::Const(_) | Node::Lut { .. } | Node::Dir { .. } => {}
    }
}

fn select_with(
    table: &FlowTable,
    filter: &Filter,
    ctx: &QueryContext,
    cache: Option<&ViewCache>,
) -> Result<Selection, QueryError> {
    let cols = views(&table.df);
    let mut node = compile(filter, &cols, &table.addrs, ctx)?;
    if let Some(cache) = cache {
        attach_zones(&mut node, &cols, cache);
    }
    let lens: Vec<usize> = cols
        .first()
        .map_or_else(Vec::new, |c| c.chunks.iter().map(ChunkView::len).collect());
    // Each chunk's selected rows are counted on the thread that evaluated it.
    let counted = par_chunks(lens.len(), "flowlens-filter", |k| {
        let mask = eval(&node, &cols, k, lens.get(k).copied().unwrap_or(0));
        let n = mask.iter().map(|x| u64::from(*x)).sum::<u64>();
        (mask, n)
    });
    let count = counted.iter().map(|(_, n)| n).sum();
    let masks = counted.into_iter().map(|(m, _)| m).collect();
    let find = |name: &str| cols.iter().position(|c| c.name == name);
    let pairs = PairPredicate::of(&node, find("srcaddr"), find("dstaddr")).map(Arc::new);
    Ok(Selection {
        masks,
        count,
        pairs,
    })
}
