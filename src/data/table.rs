//! The loaded flows: one Polars [`DataFrame`] plus the per-file reports.
//!
//! [`assemble`] merges what the workers parsed (segments with file-local dictionary ids) into
//! single-chunk columns, column by column, freeing each segment column as soon as it is copied so
//! that peak memory stays close to the size of the final frame. The schema is written down in
//! ARCHITECTURE.md.

use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::*;
use polars_arrow::bitmap::MutableBitmap;
use rustc_hash::FxHashMap;

use super::parse::{ParsedFile, SkipReport, Values, addr_to_string};
use super::schema::{Column as FlowColumn, Kind};

/// One input file as loaded.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// The path as given or found while walking a folder.
    pub path: PathBuf,
    /// Size on disk.
    pub bytes: u64,
    /// Detected format (`gzip text`, `json`, `parquet`, …).
    pub format: String,
    /// Valid records read.
    pub records: u64,
    /// Skipped lines.
    pub skipped: SkipReport,
    /// Why reading stopped early (records before it are kept), or why the file could not be read.
    pub error: Option<String>,
}

/// The loaded flows.
#[derive(Clone, Debug)]
pub struct FlowTable {
    /// The flows; schema in ARCHITECTURE.md. Every column is a single chunk.
    pub df: DataFrame,
    /// The address dictionary: id `i` in every address column is `addrs[i]` (IPv4 as
    /// `::ffff:a.b.c.d`), sorted, so a CIDR block is one contiguous id range.
    pub addrs: Arc<Vec<u128>>,
    /// Per-file statistics and skipped-line reports, in load order.
    pub files: Vec<FileReport>,
    /// Wall time of the load in seconds.
    pub load_secs: f64,
}

impl FlowTable {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.df.height()
    }

    /// Whether no record was loaded.
    pub fn is_empty(&self) -> bool {
        self.df.height() == 0
    }

    /// Skipped lines over all files.
    pub fn skipped(&self) -> u64 {
        self.files.iter().map(|f| f.skipped.count).sum()
    }

    /// Files that stopped early or could not be read.
    pub fn broken_files(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.error.is_some())
    }

    /// An empty table (nothing loaded).
    pub fn empty() -> FlowTable {
        FlowTable {
            df: DataFrame::empty(),
            addrs: Arc::new(Vec::new()),
            files: Vec::new(),
            load_secs: 0.0,
        }
    }
}

/// A parsed file waiting for assembly.
pub struct ParsedInput {
    /// What the report will say about the file (records and skipped filled from `parsed`).
    pub report: FileReport,
    /// The rows.
    pub parsed: ParsedFile,
}

/// Merges parsed files (in order) into one table.
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

    // The shared address dictionary, sorted by address.
    let mut addrs: Vec<u128> = inputs
        .iter()
        .flat_map(|i| i.parsed.dicts.addrs.values.iter().copied())
        .collect();
    addrs.sort_unstable();
    addrs.dedup();
    let addr_index: FxHashMap<u128, u32> = addrs
        .iter()
        .enumerate()
        .map(|(i, a)| (*a, i as u32))
        .collect();
    let addr_remaps: Vec<Vec<u32>> = inputs
        .iter()
        .map(|i| {
            i.parsed
                .dicts
                .addrs
                .values
                .iter()
                .map(|a| addr_index.get(a).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    drop(addr_index);
    let addr_strings: Vec<String> = addrs.iter().map(|a| addr_to_string(*a)).collect();

    let mut out = Vec::with_capacity(columns.len());
    for col in &columns {
        let name = PlSmallStr::from(col.name());
        let kind = col.kind();
        let mut nulls = NullMask::new(total);
        let column = match kind {
            Kind::U8 => {
                let v = gather(&mut inputs, col, &mut nulls, |v| match v {
                    Values::U8(v) => Some(v),
                    _ => None,
                });
                UInt8Chunked::from_vec_validity(name, v, nulls.finish()).into_column()
            }
            Kind::U16 => {
                let v = gather(&mut inputs, col, &mut nulls, |v| match v {
                    Values::U16(v) => Some(v),
                    _ => None,
                });
                UInt16Chunked::from_vec_validity(name, v, nulls.finish()).into_column()
            }
            Kind::Time => {
                let v = gather(&mut inputs, col, &mut nulls, |v| match v {
                    Values::U32(v) => Some(v),
                    _ => None,
                });
                UInt32Chunked::from_vec_validity(name, v, nulls.finish()).into_column()
            }
            Kind::U64 => {
                let v = gather(&mut inputs, col, &mut nulls, |v| match v {
                    Values::U64(v) => Some(v),
                    _ => None,
                });
                UInt64Chunked::from_vec_validity(name, v, nulls.finish()).into_column()
            }
            Kind::Addr => {
                let ids = gather_ids(&mut inputs, col, &mut nulls, |i, _| {
                    addr_remaps.get(i).cloned().unwrap_or_default()
                });
                enum_column(name, &addr_strings, ids, nulls.finish())?
            }
            Kind::Str => {
                // The column's dictionary: union of the files' values, decoded, sorted.
                let mut values: Vec<String> = Vec::new();
                for input in &inputs {
                    if let Some((_, d)) = input
                        .parsed
                        .dicts
                        .strings
                        .iter()
                        .find(|(n, _)| n == col.name())
                    {
                        values.extend(
                            d.values
                                .iter()
                                .map(|b| String::from_utf8_lossy(b).into_owned()),
                        );
                    }
                }
                values.sort_unstable();
                values.dedup();
                let index: FxHashMap<&str, u32> = values
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.as_str(), i as u32))
                    .collect();
                let ids = gather_ids(&mut inputs, col, &mut nulls, |_, input| {
                    input
                        .parsed
                        .dicts
                        .strings
                        .iter()
                        .find(|(n, _)| n == col.name())
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
                });
                enum_column(name, &values, ids, nulls.finish())?
            }
        };
        out.push(column);
    }
    let files = inputs
        .into_iter()
        .map(|i| {
            let mut report = i.report;
            report.records = i.parsed.records;
            report.skipped = i.parsed.skipped;
            report
        })
        .collect();
    Ok(FlowTable {
        df: DataFrame::new(total, out)?,
        addrs: Arc::new(addrs),
        files,
        load_secs: 0.0,
    })
}

/// Collects null positions and builds a validity bitmap only when there is a null.
struct NullMask {
    len: usize,
    bits: Option<MutableBitmap>,
}

impl NullMask {
    fn new(len: usize) -> NullMask {
        NullMask { len, bits: None }
    }

    fn set_null(&mut self, row: usize) {
        let len = self.len;
        self.bits
            .get_or_insert_with(|| MutableBitmap::from_len_set(len))
            .set(row, false);
    }

    fn finish(self) -> Option<polars_arrow::bitmap::Bitmap> {
        self.bits.map(Into::into)
    }
}

/// Concatenates one numeric column over all segments (taking the segment vectors, so memory is
/// freed as we go). Segments without the column contribute nulls.
fn gather<T: Copy + Default>(
    inputs: &mut [ParsedInput],
    col: &FlowColumn,
    nulls: &mut NullMask,
    pick: impl Fn(Values) -> Option<Vec<T>>,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(nulls.len);
    for input in inputs.iter_mut() {
        for seg in &mut input.parsed.segments {
            let base = out.len();
            match seg.layout.iter().position(|c| c == col) {
                Some(k) => {
                    let Some(cd) = seg.cols.get_mut(k) else {
                        continue;
                    };
                    let values = std::mem::replace(&mut cd.values, Values::U8(Vec::new()));
                    let v = pick(values).unwrap_or_default();
                    out.extend_from_slice(&v);
                    for &r in &cd.nulls {
                        nulls.set_null(base + r as usize);
                    }
                    cd.nulls = Vec::new();
                }
                None => {
                    out.resize(base + seg.rows, T::default());
                    for r in base..base + seg.rows {
                        nulls.set_null(r);
                    }
                }
            }
        }
    }
    out
}

/// Like [`gather`] for dictionary columns: maps each file's local ids through `remap`.
fn gather_ids(
    inputs: &mut [ParsedInput],
    col: &FlowColumn,
    nulls: &mut NullMask,
    remap: impl Fn(usize, &ParsedInput) -> Vec<u32>,
) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(nulls.len);
    for (i, input) in inputs.iter_mut().enumerate() {
        let table = remap(i, input);
        for seg in &mut input.parsed.segments {
            let base = out.len();
            match seg.layout.iter().position(|c| c == col) {
                Some(k) => {
                    let Some(cd) = seg.cols.get_mut(k) else {
                        continue;
                    };
                    let values = std::mem::replace(&mut cd.values, Values::U8(Vec::new()));
                    if let Values::Ids(v) = values {
                        out.extend(
                            v.iter()
                                .map(|id| table.get(*id as usize).copied().unwrap_or(0)),
                        );
                    }
                    for &r in &cd.nulls {
                        nulls.set_null(base + r as usize);
                    }
                    cd.nulls = Vec::new();
                }
                None => {
                    out.resize(base + seg.rows, 0);
                    for r in base..base + seg.rows {
                        nulls.set_null(r);
                    }
                }
            }
        }
    }
    out
}

/// Builds an `Enum` column over `categories` from ids (which must be `< categories.len()`).
fn enum_column(
    name: PlSmallStr,
    categories: &[String],
    ids: Vec<u32>,
    validity: Option<polars_arrow::bitmap::Bitmap>,
) -> PolarsResult<Column> {
    let fcats = FrozenCategories::new(categories.iter().map(String::as_str))?;
    let mapping = fcats.mapping().clone();
    let physical = fcats.physical();
    let dtype = DataType::Enum(fcats, mapping);
    let n_cats = categories.len() as u32;
    if ids.iter().any(|&id| id >= n_cats.max(1)) {
        polars_bail!(ComputeError: "internal error: category id out of range in column {name}");
    }
    // SAFETY: every id is < the number of categories (checked above; null rows hold 0, which is
    // masked by the validity bitmap), and the physical type matches the dtype's.
    let column = match physical {
        CategoricalPhysical::U8 => {
            let v: Vec<u8> = ids.into_iter().map(|i| i as u8).collect();
            let phys = UInt8Chunked::from_vec_validity(name, v, validity);
            unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(phys, dtype) }.into_column()
        }
        CategoricalPhysical::U16 => {
            let v: Vec<u16> = ids.into_iter().map(|i| i as u16).collect();
            let phys = UInt16Chunked::from_vec_validity(name, v, validity);
            unsafe { Categorical16Chunked::from_cats_and_dtype_unchecked(phys, dtype) }
                .into_column()
        }
        CategoricalPhysical::U32 => {
            let phys = UInt32Chunked::from_vec_validity(name, ids, validity);
            unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(phys, dtype) }
                .into_column()
        }
    };
    Ok(column)
}
