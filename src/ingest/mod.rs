//! Layer 2: paths → one [`FlowTable`](crate::model::FlowTable).
//!
//! - [`load`]: the loading API (a named `flowlens-load` thread, `flowlens-parse-N` workers,
//!   progress, cancel, panic capture); [`discover`] walks folders.
//! - [`source`]: one file → records: content detection, then the format's reader:
//!   [`codec`] (zstd, bzip2, Snappy, Hadoop-Snappy, recognised by their bytes), [`gzip`] (member
//!   by member, streamed), [`whole`] + [`inflate`] (whole-buffer libdeflate), [`archive`] (ZIP,
//!   member by member), [`text`] (lines), [`json`] (CloudWatch envelopes), [`parquet`]
//!   (+ [`parquet_footer`]).
//! - [`limits`]: [`ReadLimits`] and the shared [`Progress`] counters.
//! - [`parse`]: the record parser (text lines → typed column segments).
//! - [`assemble`]: parsed segments of every file → the frame; [`memory`]: freed memory back
//!   to the system after it.
//! - [`remote`]: objects that are not local yet (`s3://…`): the [`remote::Remote`] trait the
//!   `cloud` layer implements; the loader reads each object's local copy as it arrives.
//! - [`context`]: context files (describe-* JSON, ip-ranges.json, `cidr,label` CSV), told
//!   from flow logs by their content, → a [`crate::model::inventory::Inventory`].
//!
//! May use: [`crate::fmt`], [`crate::model`].

pub mod archive;
pub mod assemble;
pub mod codec;
pub mod context;
pub mod discover;
pub mod gzip;
pub mod inflate;
pub mod json;
pub mod limits;
pub mod load;
pub mod memory;
pub mod parquet;
pub mod parquet_footer;
pub mod parse;
pub mod remote;
pub mod source;
pub mod text;
pub mod whole;

pub use limits::{Progress, ReadLimits};
pub use load::{LoadError, LoadHandle, LoadOptions, load, start};
