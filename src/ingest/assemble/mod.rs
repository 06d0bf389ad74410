//! Parsed segments of every file → the frame.
//!
//! [`assemble`] merges what the workers parsed (segments with file-local dictionary ids) into the
//! frame's columns, column by column, freeing each segment column as soon as it is taken so that
//! peak memory stays close to the size of the final frame. Large segments become chunks without
//! a copy; small ones are merged. Every column has the same chunk boundaries.

mod constant;

use std::sync::Arc;

use polars::prelude::*;
use polars_arrow::array::PrimitiveArray;
use polars_arrow::bitmap::{Bitmap, MutableBitmap};
use polars_arrow::types::NativeType;
use rustc_hash::FxHashMap;

use super::parse::{ParsedFile, Values};
use crate::model::addr::addr_to_string;
use crate::model::schema::{Column as FlowColumn, Kind};
use crate::model::{FileReport, FlowTable};
use constant::share_constant;

/// A parsed file waiting for assembly.
pub struct ParsedInput {
    /// What the report will say about the file (records and skipped filled from `parsed`).
    pub report: FileReport,
    /// The rows.
    pub parsed: ParsedFile,
}

/// Segments at least this long become a chunk of their own, without a copy.
const ZERO_COPY_ROWS: usize = 1 << 17;

/// Smaller segments are merged (copied) into chunks of about this many rows.
const MERGED_CHUNK_ROWS: usize = 1 << 20;

/// Which segments (file index, segment index) form each chunk of the frame.
fn plan_chunks(inputs: &[ParsedInput]) -> Vec<Vec<(usize, usize)>> {
    let segments = inputs.iter().enumerate().flat_map(|(f, input)| {
        (input.parsed.segments.iter().enumerate()).map(move |(s, seg)| ((f, s), seg.rows))
    });
    group_runs(segments, ZERO_COPY_ROWS, MERGED_CHUNK_ROWS)
}

/// Groups items of some rows, in order: an item of at least `alone` rows is a group of its
/// own (it is not copied); runs of smaller ones are grouped until they hold `merged` rows.
/// Items of no rows are left out.
pub(crate) fn group_runs<T>(
    items: impl IntoIterator<Item = (T, usize)>,
    alone: usize,
    merged: usize,
) -> Vec<Vec<T>> {
    let mut groups: Vec<Vec<T>> = Vec::new();
    let mut open: Vec<T> = Vec::new();
    let mut open_rows = 0;
    for (item, rows) in items {
        if rows == 0 {
            continue;
        }
        if rows >= alone {
            if !open.is_empty() {
                groups.push(std::mem::take(&mut open));
                open_rows = 0;
            }
            groups.push(vec![item]);
        } else {
            open.push(item);
            open_rows += rows;
            if open_rows >= merged {
                groups.push(std::mem::take(&mut open));
                open_rows = 0;
            }
        }
    }
    if !open.is_empty() {
        groups.push(open);
    }
    groups
}

/// The report of a parsed file, with what parsing found.
fn file_report(input: ParsedInput) -> FileReport {
    let mut report = input.report;
    report.records = input.parsed.records;
    report.skipped = input.parsed.skipped;
    report.notes = input.parsed.notes;
    report
}

/// Merges parsed files (in order) into one table. Large segments become chunks of the frame
/// as they are (no copy); every column has the same chunk boundaries.
pub fn assemble(mut inputs: Vec<ParsedInput>) -> PolarsResult<FlowTable> {
    // The union of the columns, in canonical order.
    let mut columns: Vec<FlowColumn> = Vec::new();
    for input in &inputs {
        for seg in &input.parsed.segments {
            for c in seg.layout.iter() {
                if !columns.contains(c) {
                    columns.push(c.clone());
                }
            }
        }
    }
    columns.sort_by(|a, b| a.order().cmp(&b.order()));
    let total: usize = inputs
        .iter()
        .flat_map(|i| i.parsed.segments.iter())
        .map(|s| s.rows)
        .sum();
    let plan = plan_chunks(&inputs);

    // Move each column's segment data out (cheap), then build the columns on two threads: this
    // one builds the address dictionary and the address columns, then helps with the rest.
    let (addr_work, other_work): (Vec<_>, Vec<_>) = columns
        .iter()
        .enumerate()
        .map(|(i, col)| (i, col.clone(), take_column(&mut inputs, &plan, col)))
        .partition(|(_, col, _)| col.kind() == Kind::Addr);
    let n_cols = columns.len();
    let work = std::sync::Mutex::new(other_work);
    let results: std::sync::Mutex<Vec<(usize, PolarsResult<Column>)>> =
        std::sync::Mutex::new(Vec::with_capacity(n_cols));
    let inputs_ref: &[ParsedInput] = &inputs;
    let drain = || {
        loop {
            let item = work.lock().ok().and_then(|mut w| w.pop());
            let Some((i, col, parts)) = item else { break };
            let column = build_column(&col, parts, inputs_ref);
            if let Ok(mut r) = results.lock() {
                r.push((i, column));
            }
            super::memory::release_free_memory();
        }
    };
    let addrs = std::thread::scope(|scope| -> PolarsResult<Vec<u128>> {
        let helper = std::thread::Builder::new()
            .name("flowlens-assemble".into())
            .spawn_scoped(scope, drain);
        let (addrs, remaps) = address_dictionary(inputs_ref);
        if !addr_work.is_empty() {
            // One category list for every address column (built once, shared).
            let text: Vec<String> = addrs.iter().map(|a| addr_to_string(*a)).collect();
            let fcats = FrozenCategories::new(text.iter().map(String::as_str))?;
            drop(text);
            for (i, col, parts) in addr_work {
                let name = PlSmallStr::from(col.name());
                let column = dictionary(parts, name, fcats.clone(), &remaps);
                if let Ok(mut r) = results.lock() {
                    r.push((i, column));
                }
                super::memory::release_free_memory();
            }
        }
        drain();
        if let Ok(h) = helper {
            h.join().ok();
        }
        Ok(addrs)
    })?;
    let mut built = results.into_inner().unwrap_or_default();
    if built.len() != n_cols {
        polars_bail!(ComputeError: "internal error: a column could not be built");
    }
    built.sort_by_key(|(i, _)| *i);
    let out = built
        .into_iter()
        .map(|(_, c)| c)
        .collect::<PolarsResult<Vec<Column>>>()?;
    let files = inputs.into_iter().map(file_report).collect();
    Ok(FlowTable {
        df: DataFrame::new(total, out)?,
        addrs: Arc::new(addrs),
        files,
        load_secs: 0.0,
        context: Arc::default(),
    })
}

/// Builds one column that is not an address column from its segments.
fn build_column(col: &FlowColumn, parts: ColParts, inputs: &[ParsedInput]) -> PolarsResult<Column> {
    let name = PlSmallStr::from(col.name());
    Ok(match col.kind() {
        Kind::U8 => numeric::<UInt8Type>(parts, name, |v| match v {
            Values::U8(v) => Some(v),
            _ => None,
        }),
        Kind::U16 => numeric::<UInt16Type>(parts, name, |v| match v {
            Values::U16(v) => Some(v),
            _ => None,
        }),
        Kind::Time => numeric::<UInt32Type>(parts, name, |v| match v {
            Values::U32(v) => Some(v),
            _ => None,
        }),
        Kind::U64 if counters_fit_u32(&parts) => numeric::<UInt32Type>(parts, name, |v| match v {
            Values::U32(v) => Some(v),
            _ => None,
        }),
        // Some segment holds a value past 32 bits: the 32-bit segments widen.
        Kind::U64 => numeric::<UInt64Type>(parts, name, |v| match v {
            Values::U64(v) => Some(v),
            other => {
                let mut wide = Vec::with_capacity(other.len());
                other.extend_mapped(&mut wide, |x| x);
                Some(wide)
            }
        }),
        Kind::Addr => {
            polars_bail!(ComputeError: "internal error: address column {name} built apart")
        }
        Kind::Str => {
            let (values, remaps) = string_dictionary(inputs, col.name());
            let fcats = FrozenCategories::new(values.iter().map(String::as_str))?;
            dictionary(parts, name, fcats, &remaps)?
        }
    })
}

/// The shared address dictionary, sorted by address, and each file's local → global ids.
/// Deduplicated by hashing first: files share most addresses, so far fewer are sorted.
fn address_dictionary(inputs: &[ParsedInput]) -> (Vec<u128>, Vec<Vec<u32>>) {
    let mut index: FxHashMap<u128, u32> = FxHashMap::default();
    for input in inputs {
        for &a in &input.parsed.dicts.addrs.values {
            index.entry(a).or_insert(0);
        }
    }
    let mut addrs: Vec<u128> = index.keys().copied().collect();
    addrs.sort_unstable();
    for (i, a) in addrs.iter().enumerate() {
        index.insert(*a, i as u32);
    }
    let remaps = inputs
        .iter()
        .map(|i| {
            i.parsed
                .dicts
                .addrs
                .values
                .iter()
                .map(|a| index.get(a).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    (addrs, remaps)
}

/// Validity of a chunk from its null row indexes (`None` when there is no null).
fn validity(len: usize, nulls: &[u32]) -> Option<Bitmap> {
    if nulls.is_empty() {
        return None;
    }
    let mut bits = MutableBitmap::from_len_set(len);
    for &r in nulls {
        if (r as usize) < len {
            bits.set(r as usize, false);
        }
    }
    Some(bits.into())
}

/// Whether every value of a counter column fits 32 bits: a segment's counters are written as
/// `U32` and widen to `U64` only for a value past 32 bits (`Values::push`; a refused line's
/// widening is undone at seal by `Values::narrow`), so no segment is `U64`.
fn counters_fit_u32(parts: &ColParts) -> bool {
    !parts
        .iter()
        .flatten()
        .any(|(_, _, taken)| matches!(taken, Some((Values::U64(_), _))))
}

/// One column's data, by planned chunk: per segment (file index, rows, values and nulls, or
/// `None` when the segment's layout does not have the column).
type ColParts = Vec<Vec<(usize, usize, Option<(Values, Vec<u32>)>)>>;

/// Moves one column's data out of every segment, grouped by the chunk plan.
fn take_column(
    inputs: &mut [ParsedInput],
    plan: &[Vec<(usize, usize)>],
    col: &FlowColumn,
) -> ColParts {
    plan.iter()
        .map(|group| {
            group
                .iter()
                .map(|&(f, s)| {
                    let (rows, taken) = take_segment(inputs, (f, s), col);
                    (f, rows, taken)
                })
                .collect()
        })
        .collect()
}

/// A string column's dictionary (the files' values, decoded, sorted) and each file's local id →
/// global id table.
fn string_dictionary(inputs: &[ParsedInput], name: &str) -> (Vec<String>, Vec<Vec<u32>>) {
    let mut values: Vec<String> = Vec::new();
    for input in inputs {
        if let Some((_, d)) = input.parsed.dicts.strings.iter().find(|(n, _)| n == name) {
            values.extend(
                d.values
                    .iter()
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
            );
        }
    }
    values.sort_unstable();
    values.dedup();
    let remaps = {
        let index: FxHashMap<&str, u32> = values
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i as u32))
            .collect();
        inputs
            .iter()
            .map(|input| {
                input
                    .parsed
                    .dicts
                    .strings
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, d)| {
                        d.values
                            .iter()
                            .map(|b| {
                                index
                                    .get(String::from_utf8_lossy(b).as_ref())
                                    .copied()
                                    .unwrap_or(0)
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect()
    };
    (values, remaps)
}

/// Takes one segment's values and nulls for `col` out of the parse result (`None` when the
/// segment's layout does not have the column).
fn take_segment(
    inputs: &mut [ParsedInput],
    (f, s): (usize, usize),
    col: &FlowColumn,
) -> (usize, Option<(Values, Vec<u32>)>) {
    let Some(seg) = inputs.get_mut(f).and_then(|i| i.parsed.segments.get_mut(s)) else {
        return (0, None);
    };
    let rows = seg.rows;
    let taken = seg
        .layout
        .iter()
        .position(|c| c == col)
        .and_then(|k| seg.cols.get_mut(k))
        .map(|cd| {
            (
                std::mem::replace(&mut cd.values, Values::U8(Vec::new())),
                std::mem::take(&mut cd.nulls),
            )
        });
    (rows, taken)
}

/// A numeric column: one chunk per planned group (large segments moved in without a copy).
fn numeric<T>(
    parts: ColParts,
    name: PlSmallStr,
    pick: impl Fn(Values) -> Option<Vec<T::Native>>,
) -> Column
where
    T: PolarsNumericType,
{
    let mut chunks: Vec<PrimitiveArray<T::Native>> = Vec::with_capacity(parts.len());
    for group in parts {
        let single = group.len() == 1;
        let mut values: Vec<T::Native> = Vec::new();
        if !single {
            values.reserve_exact(group.iter().map(|(_, rows, _)| *rows).sum());
        }
        let mut nulls: Vec<u32> = Vec::new();
        for (_, rows, taken) in group {
            let base = values.len() as u32;
            match taken {
                Some((v, n)) => {
                    let v = pick(v).unwrap_or_default();
                    if values.is_empty() && single {
                        values = v; // the zero-copy case
                        nulls = n;
                    } else {
                        values.extend_from_slice(&v);
                        nulls.extend(n.iter().map(|r| base + r));
                    }
                }
                None => {
                    values.resize(values.len() + rows, T::Native::default());
                    nulls.extend(base..base + rows as u32);
                }
            }
        }
        let len = values.len();
        chunks.push(PrimitiveArray::from_vec(values).with_validity(validity(len, &nulls)));
    }
    ChunkedArray::<T>::from_chunk_iter(name, share_constant(chunks)).into_column()
}

/// A dictionary column: each file's local ids are mapped through `remaps[file]` (every global
/// id is below the number of categories by construction; an id a remap lacks becomes 0) and
/// written in the `Enum`'s physical width, in one pass.
fn dictionary(
    parts: ColParts,
    name: PlSmallStr,
    fcats: Arc<FrozenCategories>,
    remaps: &[Vec<u32>],
) -> PolarsResult<Column> {
    let n_cats = fcats.categories().len().max(1) as u32;
    let mapping = fcats.mapping().clone();
    let physical = fcats.physical();
    let dtype = DataType::Enum(fcats, mapping);
    // Every remap entry is checked once here (not every row): out-of-range entries become 0.
    let remaps: Vec<Vec<u32>> = remaps
        .iter()
        .map(|r| r.iter().map(|&g| if g < n_cats { g } else { 0 }).collect())
        .collect();
    // SAFETY (all three arms): every id written is a remap entry, and every remap entry is
    // < the number of categories (clamped above); null rows hold 0, which the validity masks.
    // The physical type matches the dtype's.
    let column = match physical {
        CategoricalPhysical::U8 => {
            let chunks = dictionary_chunks::<u8>(parts, &remaps, |g| g as u8, Err);
            let phys = UInt8Chunked::from_chunk_iter(name, chunks);
            unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(phys, dtype) }.into_column()
        }
        CategoricalPhysical::U16 => {
            let chunks = dictionary_chunks::<u16>(parts, &remaps, |g| g as u16, Err);
            let phys = UInt16Chunked::from_chunk_iter(name, chunks);
            unsafe { Categorical16Chunked::from_cats_and_dtype_unchecked(phys, dtype) }
                .into_column()
        }
        CategoricalPhysical::U32 => {
            let chunks = dictionary_chunks::<u32>(parts, &remaps, |g| g, Ok);
            let phys = UInt32Chunked::from_chunk_iter(name, chunks);
            unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(phys, dtype) }
                .into_column()
        }
    };
    Ok(column)
}

/// The chunks of a dictionary column: local ids remapped and narrowed to `T` in one pass. A
/// chunk that is one segment of `u32` ids is remapped in place and moved, not copied.
fn dictionary_chunks<T: NativeType>(
    parts: ColParts,
    remaps: &[Vec<u32>],
    narrow: impl Fn(u32) -> T + Copy,
    in_place: impl Fn(Vec<u32>) -> Result<Vec<T>, Vec<u32>>,
) -> Vec<PrimitiveArray<T>> {
    let mut chunks = Vec::with_capacity(parts.len());
    for group in parts {
        let single = group.len() == 1;
        let mut ids: Vec<T> = Vec::new();
        // Exactly sized (a vector grown by doubling would copy itself and hold up to twice
        // its rows), except a single segment of `u32` ids, remapped in place below.
        if !(single && matches!(group.first(), Some((_, _, Some((Values::Ids(_), _)))))) {
            ids.reserve_exact(group.iter().map(|(_, rows, _)| *rows).sum());
        }
        let mut nulls: Vec<u32> = Vec::new();
        for (f, rows, taken) in group {
            let base = ids.len() as u32;
            let remap = remaps.get(f).map_or(&[][..], Vec::as_slice);
            let global = |id: u32| remap.get(id as usize).copied().unwrap_or(0);
            match taken {
                Some((Values::Ids(mut v), n)) if single => {
                    for id in &mut v {
                        *id = global(*id);
                    }
                    match in_place(v) {
                        Ok(moved) => ids = moved,
                        Err(v) => ids.extend(v.iter().map(|&g| narrow(g))),
                    }
                    nulls = n;
                }
                // Ids of any width (each segment's as narrow as its ids allowed).
                Some((v, n)) => {
                    v.extend_mapped(&mut ids, |id| narrow(global(id as u32)));
                    nulls.extend(n.iter().map(|r| base + r));
                }
                _ => {
                    ids.resize(ids.len() + rows, narrow(0));
                    nulls.extend(base..base + rows as u32);
                }
            }
        }
        let len = ids.len();
        chunks.push(PrimitiveArray::from_vec(ids).with_validity(validity(len, &nulls)));
    }
    share_constant(chunks)
}
