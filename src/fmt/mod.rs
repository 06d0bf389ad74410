//! Layer 0: text formatting of sizes, counts, times and bucket widths, and input text made
//! safe for a terminal.
//!
//! Pure functions of numbers to text, shared by every layer above (the CLI's tables, the report,
//! the app's labels, the filter printer). Uses nothing of the crate.

mod escape;
mod numbers;
mod time;

pub use escape::{TerminalSafe, escape_control};
pub use numbers::{format_size, human_bytes, human_count, short_number};
pub use time::{
    bucket_text, civil_from_days, days_from_civil, format_epoch, format_epoch_at, local_offset,
    zone_name,
};
