//! The integration tests: one binary (each test binary is a separate link), laid out like the
//! crate's layers.
//!
//! - `util`: fixtures written at test time and helpers.
//! - `ingest`: every input format and wrapper the loader takes, and its failure paths.
//! - `query`: filters and views on a hand-checked fixture, and the subtraction path.
//! - `report`: charts (SVG, PNG), CSV tables, the report folder.
//! - `cli`: the headless subcommands end to end.
//! - `context`: context files, labels, REJECTs explained, rule usage.
//! - `ui`: the desktop app driven headless through AccessKit (egui_kittest).
//! - `layering`: every import points down the layers; file and function sizes stay bounded.

// The whole crate is test code (helpers included): panicking on a failed fixture is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod athena;
mod cli;
#[cfg(feature = "cloud")]
mod cloud;
mod context;
pub(crate) mod ingest;
mod layering;
mod network;
mod query;
mod report;
#[cfg(feature = "gui")]
mod ui;
mod util;
