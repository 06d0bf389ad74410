//! Layer 1: what a loaded data set is, independent of how it was read or queried.
//!
//! - [`schema`]: every flow-log field (v2–v11, Transit Gateway), its column name and storage kind.
//! - [`addr`]: the `u128` address key (IPv4 as `::ffff:a.b.c.d`) and its conversions.
//! - [`metric`]: [`Metric`] (flows, packets, bytes) and [`Counts`], the triple indexed by it.
//! - [`names`]: well-known protocol numbers and port names.
//! - [`skip`]: why a line was skipped, and the per-file skip report.
//! - [`table`]: [`FlowTable`], the loaded frame (one Polars `DataFrame`), without query caches.
//! - [`columns`]: zero-copy typed views of the frame's chunks.
//! - [`inventory`]: the account's own inventory (interfaces, subnets, security groups, network
//!   ACLs, prefix lists, AWS and user ranges) read from context files.
//!
//! May use: [`crate::fmt`]. Never ingest, query, report or anything of the UI.

pub mod addr;
pub mod columns;
pub mod inventory;
pub mod metric;
pub mod names;
pub mod schema;
pub mod skip;
pub mod table;

pub use metric::{Counts, Metric};
pub use table::{FileReport, FlowTable};

/// A seeded xorshift generator for tests: the same sequence for the same seed (not zero).
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}
