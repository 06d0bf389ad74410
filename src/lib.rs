//! flowlens: a native desktop explorer for AWS VPC Flow Logs.
//!
//! Data flow: paths → [`data::load`] (named worker threads: detect, decompress, parse, one Polars
//! frame) → queries on worker threads → views. The UI-free core lives in [`data`] and never
//! imports egui; the GUI ([`app`], [`ui`]) and the headless subcommands ([`cli`]) both call it.
//! See ARCHITECTURE.md for the threading model, the frame schema and the failure handling.

#[cfg(feature = "gui")]
pub mod app;
pub mod bench;
pub mod cli;
pub mod data;
#[cfg(feature = "gui")]
pub mod ui;
