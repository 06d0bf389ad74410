//! The views' fold for the column types the frame nearly always has, reading the selected rows
//! where they are: one pass per block over the selected rows updates every table, with each
//! column a typed slice (no gather into `u64` buffers, no per-value type dispatch).
//!
//! Measured on the 10M benchmark (`dstport == 443`, 1.8M rows): 40 → 31 ms for the views,
//! against the block gather of [`super::acc`], which stays the general path (a chunk with a
//! column missing or of another type: a layout without `action`, more than 256 actions, …).
//! Rows with a null in a column the views read (NODATA and SKIPDATA records: a few in ten
//! thousand) take a per-row path that tests every value.

use super::PortSide;
use super::acc::{Acc, Plan, Scratch};
use crate::model::Counts;
use crate::model::columns::{ChunkView, Values};
use crate::query::block::{BLOCK, NULL, selected_rows};
use crate::query::conversations::{pair_key, partition_of};

/// An element of an integer column (`u8` … `u64`).
trait Elem: Copy + Into<u64> {}

impl<T: Copy + Into<u64>> Elem for T {}

/// An entry of the per-address and port tables: [`Counts`], or [`Narrow`] when it cannot
/// overflow.
pub(super) trait Entry: Copy {
    fn add(&mut self, packets: u64, bytes: u64);
}

impl Entry for Counts {
    #[inline(always)]
    fn add(&mut self, packets: u64, bytes: u64) {
        *self += Counts::one(packets, bytes);
    }
}

/// Flows (low 32 bits) and packets (high 32 bits) in one word, and bytes: 16 bytes an entry
/// instead of 24, two additions a row instead of three. The per-address tables (107k addresses
/// on the benchmark: 1.7 MB each instead of 2.6) are updated at random, and those updates are
/// most of the views' time, so fewer cache lines are worth it: `srcaddr in 10.0.0.0/16` (7.2M
/// rows) 47 → 40 ms. No sum can carry out of its half: flows are rows (below 2^32), and the
/// entries are added into `Counts` before the packets of the chunks folded into them reach
/// 2^32 (a chunk with more is folded into `Counts` directly).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Narrow {
    flows_packets: u64,
    bytes: u64,
}

impl Entry for Narrow {
    #[inline(always)]
    fn add(&mut self, packets: u64, bytes: u64) {
        self.flows_packets += 1 | (packets << 32);
        self.bytes += bytes;
    }
}

impl Narrow {
    fn counts(self) -> Counts {
        Counts::new(
            self.flows_packets & 0xffff_ffff,
            self.flows_packets >> 32,
            self.bytes,
        )
    }
}

/// The tables the typed fold updates at random: per source and destination address id, and
/// per port.
pub(super) struct Tables<E> {
    src: Vec<E>,
    dst: Vec<E>,
    ports: Vec<E>,
}

impl<E: Entry + Default> Tables<E> {
    pub(super) fn new(n_addrs: usize) -> Tables<E> {
        Tables {
            src: vec![E::default(); n_addrs],
            dst: vec![E::default(); n_addrs],
            ports: vec![E::default(); 1 << 16],
        }
    }
}

impl Acc {
    /// Adds the narrow tables, if any, into the `Counts` tables (allocated here on first use)
    /// and zeroes them.
    fn spill(&mut self) {
        let Some(t) = self.narrow.as_mut() else {
            return;
        };
        for (wide, narrow) in [
            (&mut self.src, &mut t.src),
            (&mut self.dst, &mut t.dst),
            (&mut self.ports, &mut t.ports),
        ] {
            if wide.len() != narrow.len() {
                *wide = vec![Counts::ZERO; narrow.len()];
            }
            for (w, n) in wide.iter_mut().zip(narrow.iter_mut()) {
                *w += n.counts();
                *n = Narrow::default();
            }
        }
        self.narrow_packets = 0;
    }

    /// Adds the narrow tables into the `Counts` tables and drops them: the tables as everything
    /// but the typed fold reads them.
    pub(super) fn widen(&mut self) {
        // Never spilled (the port table, always 65,536 entries, is still empty): converted as
        // they are, with no zeroing of what is dropped next.
        if self.ports.is_empty() {
            if let Some(t) = self.narrow.take() {
                let wide = |v: Vec<Narrow>| v.into_iter().map(Narrow::counts).collect();
                (self.src, self.dst, self.ports) = (wide(t.src), wide(t.dst), wide(t.ports));
            }
        } else {
            self.spill();
            self.narrow = None;
        }
    }
}

/// The columns the views read in one chunk, as typed slices: packets `P`, bytes `B`, address
/// ids `A` (both address columns share the dictionary, so the type).
struct Typed<'a, P, B, A> {
    pk: &'a [P],
    by: &'a [B],
    src: &'a [A],
    dst: &'a [A],
    fixed: Fixed<'a>,
}

/// The read columns whose type is the same in every frame that has them.
#[derive(Clone, Copy)]
struct Fixed<'a> {
    sp: Option<&'a [u16]>,
    dp: Option<&'a [u16]>,
    pr: &'a [u8],
    ac: &'a [u8],
    st: &'a [u32],
}

/// The same columns read a value at a time with their nulls (`None`), for the rows with one.
struct Nullable<'a> {
    pk: ChunkView<'a>,
    by: ChunkView<'a>,
    src: ChunkView<'a>,
    dst: ChunkView<'a>,
    sp: Option<ChunkView<'a>>,
    dp: Option<ChunkView<'a>>,
    pr: ChunkView<'a>,
    ac: ChunkView<'a>,
    st: ChunkView<'a>,
    /// The picker columns (`None`: not in the frame).
    picks: Vec<Option<ChunkView<'a>>>,
}

/// Value `r` of a chunk, `None` where null.
#[inline]
fn value(c: &ChunkView<'_>, r: usize) -> Option<u64> {
    (!c.is_null(r)).then(|| c.raw(r))
}

impl Plan<'_> {
    /// Folds the rows `mask` selects in chunk `k` when the chunk's columns have the common types
    /// (counters `u32`/`u64`, address ids of any width, ports `u16`, protocol `u8`, action ids
    /// `u8`, start `u32`); `false`, having done nothing, when they do not.
    pub(super) fn fold_typed(
        &self,
        acc: &mut Acc,
        scratch: &mut Scratch,
        k: usize,
        mask: &[bool],
    ) -> bool {
        let Some((n, fixed)) = self.chunk_columns(k) else {
            return false;
        };
        // Every column of a chunk has the chunk's rows (the frame is assembled so); checked
        // here once, so the loop's reads by row position are all in bounds.
        let len = mask.len();
        let views = [n.pk, n.by, n.src, n.dst, n.pr, n.ac, n.st];
        let ports = [fixed.sp, fixed.dp];
        if views.iter().any(|c| c.len() != len) || ports.iter().flatten().any(|p| p.len() != len) {
            return false;
        }
        // One instantiation per counter and address width; every address column shares the
        // dictionary, so both have the same width.
        macro_rules! with_addrs {
            ($pk:expr, $by:expr; $($width:ident),*) => {
                match (n.src.values, n.dst.values) {
                    $((Values::$width(src), Values::$width(dst)) => {
                        let t = Typed { pk: $pk, by: $by, src, dst, fixed };
                        self.fold_rows(acc, scratch, k, mask, &n, &t)
                    })*
                    _ => return false,
                }
            };
        }
        match (n.pk.values, n.by.values) {
            (Values::U32(p), Values::U32(b)) => with_addrs!(p, b; Cat8, Cat16, Cat32),
            (Values::U32(p), Values::U64(b)) => with_addrs!(p, b; Cat8, Cat16, Cat32),
            (Values::U64(p), Values::U32(b)) => with_addrs!(p, b; Cat8, Cat16, Cat32),
            (Values::U64(p), Values::U64(b)) => with_addrs!(p, b; Cat8, Cat16, Cat32),
            _ => return false,
        }
        true
    }

    /// The read columns of chunk `k`, and those of fixed type as slices; `None` when one is
    /// missing or of another type than the typed fold reads.
    fn chunk_columns(&self, k: usize) -> Option<(Nullable<'_>, Fixed<'_>)> {
        let ch = |c: Option<usize>| {
            c.and_then(|c| self.cols.get(c))
                .and_then(|col| col.chunks.get(k))
                .copied()
        };
        let vc = &self.vc;
        // A port side that is counted needs its column.
        let port = |want: bool, c: Option<usize>| if want { ch(c).map(Some) } else { Some(None) };
        let sp = port(self.side != PortSide::Dst, vc.srcport)?;
        let dp = port(self.side != PortSide::Src, vc.dstport)?;
        let n = Nullable {
            pk: ch(vc.packets)?,
            by: ch(vc.bytes)?,
            src: ch(vc.src)?,
            dst: ch(vc.dst)?,
            sp,
            dp,
            pr: ch(vc.protocol)?,
            ac: ch(vc.action)?,
            st: ch(vc.start)?,
            picks: self.pick_cols.iter().map(|c| ch(*c)).collect(),
        };
        fn ports(c: Option<ChunkView<'_>>) -> Option<Option<&[u16]>> {
            match c.map(|c| c.values) {
                None => Some(None),
                Some(Values::U16(v)) => Some(Some(v)),
                Some(_) => None,
            }
        }
        let (Values::U8(pr), Values::Cat8(ac), Values::U32(st)) =
            (n.pr.values, n.ac.values, n.st.values)
        else {
            return None;
        };
        let fixed = Fixed {
            sp: ports(sp)?,
            dp: ports(dp)?,
            pr,
            ac,
            st,
        };
        Some((n, fixed))
    }

    /// The typed fold of a chunk into the accumulator's narrow tables, or its `Counts` tables
    /// (taken out of it meanwhile, so the loop borrows them apart from the rest).
    #[allow(clippy::too_many_arguments)]
    fn fold_rows<P: Elem, B: Elem, A: Elem>(
        &self,
        acc: &mut Acc,
        scratch: &mut Scratch,
        k: usize,
        mask: &[bool],
        n: &Nullable<'_>,
        t: &Typed<'_, P, B, A>,
    ) {
        let packets = self.chunk_packets.get(k).copied().unwrap_or(0);
        if acc.narrow.is_some() && acc.narrow_packets + packets >= 1 << 32 {
            acc.spill();
        }
        if packets < 1 << 32
            && let Some(mut tables) = acc.narrow.take()
        {
            self.fold_rows_into(acc, &mut tables, scratch, k, mask, n, t);
            acc.narrow = Some(tables);
            acc.narrow_packets += packets;
        } else {
            // The `Counts` tables exist: no narrow tables, or a chunk too heavy for them, which
            // has just spilled them (its packets alone reach 2^32).
            let take = std::mem::take;
            let mut tables = Tables {
                src: take(&mut acc.src),
                dst: take(&mut acc.dst),
                ports: take(&mut acc.ports),
            };
            self.fold_rows_into(acc, &mut tables, scratch, k, mask, n, t);
            (acc.src, acc.dst, acc.ports) = (tables.src, tables.dst, tables.ports);
        }
    }

    /// The typed fold, a block of rows at a time: the selected rows without a null go through
    /// one loop over typed slices, the others through [`Plan::fold_nullable_row`].
    #[allow(clippy::too_many_arguments)]
    fn fold_rows_into<P: Elem, B: Elem, A: Elem, E: Entry>(
        &self,
        acc: &mut Acc,
        tables: &mut Tables<E>,
        scratch: &mut Scratch,
        k: usize,
        mask: &[bool],
        n: &Nullable<'_>,
        t: &Typed<'_, P, B, A>,
    ) {
        let nulls = self.nulls.get(k).map_or(&[][..], Vec::as_slice);
        let mut rows: Vec<u32> = Vec::with_capacity(BLOCK);
        let mut slow: Vec<u32> = Vec::new();
        for (b, m) in mask.chunks(BLOCK).enumerate() {
            let start = b * BLOCK;
            selected_rows(m, start, &mut rows);
            if rows.is_empty() {
                continue;
            }
            count_picks(acc, n, &rows);
            // The block's rows with a null in a read column are taken out of `rows` by a merge
            // (both ascending) and folded one by one.
            let lo = nulls.partition_point(|&x| (x as usize) < start);
            let hi = nulls.partition_point(|&x| (x as usize) < start + m.len());
            slow.clear();
            if let Some(block_nulls) = nulls.get(lo..hi)
                && !block_nulls.is_empty()
            {
                let mut next = block_nulls.iter().copied().peekable();
                rows.retain(|&r| {
                    while next.next_if(|&x| x < r).is_some() {}
                    let null = next.peek() == Some(&r);
                    if null {
                        slow.push(r);
                    }
                    !null
                });
            }
            if acc.scattered.is_empty() {
                self.fold_valid::<P, B, A, E, false>(acc, tables, scratch, t, &rows);
            } else {
                self.fold_valid::<P, B, A, E, true>(acc, tables, scratch, t, &rows);
            }
            for (j, &r) in slow.iter().enumerate() {
                self.fold_nullable_row(acc, tables, scratch, n, r as usize, j);
            }
        }
    }

    /// Rows with no null in any read column: every table in one loop. With `SCATTER`, each
    /// row's pair is scattered for the conversations too.
    #[inline(never)]
    fn fold_valid<P: Elem, B: Elem, A: Elem, E: Entry, const SCATTER: bool>(
        &self,
        acc: &mut Acc,
        tables: &mut Tables<E>,
        scratch: &mut Scratch,
        t: &Typed<'_, P, B, A>,
        rows: &[u32],
    ) {
        let last_action = scratch.actions.keys.saturating_sub(1);
        let accept = self.accept_id.unwrap_or(usize::MAX);
        let reject = self.reject_id.unwrap_or(usize::MAX);
        let lanes = !scratch.timeline.is_empty();
        for (j, &r) in rows.iter().enumerate() {
            let i = r as usize;
            let (pk, by): (u64, u64) = (t.pk[i].into(), t.by[i].into());
            let one = Counts::one(pk, by);
            let (s, d): (u64, u64) = (t.src[i].into(), t.dst[i].into());
            if let Some(x) = tables.src.get_mut(s as usize) {
                x.add(pk, by);
            }
            if let Some(x) = tables.dst.get_mut(d as usize) {
                x.add(pk, by);
            }
            if let Some(dp) = t.fixed.dp
                && let Some(x) = tables.ports.get_mut(usize::from(dp[i]))
            {
                x.add(pk, by);
            }
            if let Some(sp) = t.fixed.sp
                && let Some(x) = tables.ports.get_mut(usize::from(sp[i]))
            {
                x.add(pk, by);
            }
            scratch.protocols.add(usize::from(t.fixed.pr[i]), j, one);
            let a = usize::from(t.fixed.ac[i]);
            scratch.actions.add(a.min(last_action), j, one);
            let lane = if a == accept {
                0
            } else if a == reject {
                1
            } else {
                2
            };
            let bucket = self
                .div
                .apply(u64::from(t.fixed.st[i]).saturating_sub(self.t0))
                as usize;
            if lanes {
                scratch.timeline.add(bucket * 3 + lane, j, one);
            } else if let Some(x) = acc.timeline.get_mut(bucket).and_then(|l| l.get_mut(lane)) {
                *x += one;
            }
            if SCATTER && let Some(parts) = acc.scattered.first_mut() {
                let key = pair_key(s, d);
                if let Some(part) = parts.get_mut(partition_of(key)) {
                    part.push((key, one.packets(), one.bytes()));
                }
            }
        }
    }

    /// One row with a null among the read columns, with the block path's rules: a null counter
    /// counts 0, a null address, port or protocol counts in no entry of its table, a null action
    /// counts as none, a null start is not on the timeline.
    fn fold_nullable_row<E: Entry>(
        &self,
        acc: &mut Acc,
        tables: &mut Tables<E>,
        scratch: &mut Scratch,
        n: &Nullable<'_>,
        r: usize,
        j: usize,
    ) {
        let (pk, by) = (value(&n.pk, r).unwrap_or(0), value(&n.by, r).unwrap_or(0));
        let one = Counts::one(pk, by);
        let (s, d) = (value(&n.src, r), value(&n.dst, r));
        let add = |table: &mut [E], key: Option<u64>| {
            if let Some(x) = key.and_then(|key| table.get_mut(key as usize)) {
                x.add(pk, by);
            }
        };
        add(&mut tables.src, s);
        add(&mut tables.dst, d);
        for side in [n.sp, n.dp].iter().flatten() {
            add(&mut tables.ports, value(side, r));
        }
        if let Some(p) = value(&n.pr, r) {
            scratch.protocols.add(p as usize, j, one);
        }
        let last_action = scratch.actions.keys.saturating_sub(1);
        let a = value(&n.ac, r).unwrap_or(NULL);
        let slot = usize::try_from(a).unwrap_or(usize::MAX).min(last_action);
        scratch.actions.add(slot, j, one);
        if let Some(t) = value(&n.st, r) {
            self.add_time(acc, &mut scratch.timeline, t, a, j, one);
        }
        if let Some(parts) = acc.scattered.first_mut() {
            let key = pair_key(s.unwrap_or(NULL), d.unwrap_or(NULL));
            if let Some(part) = parts.get_mut(partition_of(key)) {
                part.push((key, one.packets(), one.bytes()));
            }
        }
    }
}

/// Flows per value of the picker columns, for the selected `rows` of one block (nulls count in
/// no value).
fn count_picks(acc: &mut Acc, n: &Nullable<'_>, rows: &[u32]) {
    for (counts, c) in acc.picks.iter_mut().zip(&n.picks) {
        let Some(c) = c else { continue };
        for &r in rows {
            if let Some(x) = value(c, r as usize).and_then(|v| counts.get_mut(v as usize)) {
                *x += 1;
            }
        }
    }
}
