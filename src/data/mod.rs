//! The UI-free core: parse → table → query → export. Nothing here imports egui.
//!
//! - [`schema`]: the flow-log fields and how each is stored.
//! - [`parse`]: text records → typed column segments (header detection, wrappers, skip report).
//! - [`source`]: one file → records (content detection, gzip, JSON envelopes, Parquet).
//! - [`inflate`]: whole-buffer gzip with libdeflate (the fast path for gzip files).
//! - [`load`]: the loading API (named worker threads, progress, cancel).
//! - [`table`]: the loaded [`FlowTable`] (one Polars `DataFrame`) and its assembly.
//! - [`columns`]: zero-copy typed views of the frame's columns.
//! - [`summary`]: whole-table totals.
//! - [`output`]: CSV / JSONL / Parquet writers.
//! - [`generate`]: the seeded generator of realistic flow logs.

pub mod columns;
pub mod export;
pub mod filter;
pub mod generate;
pub mod inflate;
pub mod load;
pub mod output;
pub mod parquet_footer;
pub mod parse;
pub mod query;
pub mod recipes;
pub mod schema;
pub mod services;
pub mod source;
pub mod summary;
pub mod table;
pub mod translate;

pub use load::{LoadError, LoadHandle, LoadOptions, load, start};
pub use source::{Progress, ReadLimits};
pub use summary::Summary;
pub use table::{FileReport, FlowTable};
