//! Layer 4: writing what a query found: the records ([`rows`]), the views' tables ([`tables`]),
//! charts ([`charts`], drawn by [`draw`] as SVG or PNG with the one [`palette`]), the report
//! folder ([`folder`]) and what Athena answered ([`athena`]). Every file is written to a
//! temporary name and renamed into place ([`atomic`]).
//!
//! May use: [`crate::fmt`], [`crate::model`], [`crate::query`].

pub mod athena;
pub mod atomic;
pub mod charts;
pub mod draw;
pub mod folder;
pub mod labels;
pub mod palette;
pub mod rows;
pub mod rules;
pub mod tables;

use std::io;
use std::path::PathBuf;

pub use atomic::{write_atomic, write_atomic_with};
pub use charts::{Chart, ChartKind, caption, charts};
pub use draw::{render_png, render_svg};
pub use folder::{ReportInput, write_report};
pub use tables::tables;

/// Why an export failed (the path is always part of the message).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file exists and overwriting was not allowed.
    #[error("{0} already exists (use --force to replace it)")]
    Exists(PathBuf),
    /// The report's folder is a file.
    #[error(
        "{0} is a file, not a folder: a report is a folder of files; give a folder that does not \
         exist yet (it is created) or one that holds an earlier report (with --force)"
    )]
    NotAFolder(PathBuf),
    /// Writing failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Drawing failed.
    #[error("drawing {0}: {1}")]
    Draw(String, String),
}
