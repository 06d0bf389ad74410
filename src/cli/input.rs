//! Loading the input of a subcommand, selecting the filtered rows, and telling the user what was
//! skipped or broken.

use std::process::ExitCode;

use super::args::InputArgs;
use crate::ingest::{LoadOptions, load};
use crate::model::FlowTable;
use crate::model::schema::parse_log_format;
use crate::query::filter::{self, Filter};
use crate::query::{QueryContext, Selection, select};

/// Parses `--filter`, printing the error with a caret under its position.
pub(super) fn parse_filter(text: &str) -> Result<Filter, ExitCode> {
    filter::parse(text).map_err(|e| {
        eprintln!("flowlens: --filter: {}", e.pointer(text));
        ExitCode::from(2)
    })
}

/// Loads the input and selects the filtered rows.
pub(super) fn load_selected(args: &InputArgs) -> Result<(FlowTable, Filter, Selection), ExitCode> {
    let filter = parse_filter(&args.filter)?;
    let table = load_input(args)?;
    let sel = select(&table, &filter, &QueryContext::default()).map_err(|e| {
        eprintln!("flowlens: --filter: {e}");
        ExitCode::from(2)
    })?;
    Ok((table, filter, sel))
}

pub(super) fn load_input(args: &InputArgs) -> Result<FlowTable, ExitCode> {
    let log_format = match args.log_format.as_deref().map(parse_log_format) {
        None => None,
        Some(Ok(cols)) => Some(cols),
        Some(Err(e)) => {
            eprintln!("flowlens: --log-format: {e}");
            return Err(ExitCode::from(2));
        }
    };
    let options = LoadOptions {
        log_format,
        threads: args.threads,
        ..LoadOptions::default()
    };
    load(&args.paths, &options).map_err(|e| {
        eprintln!("flowlens: {e}");
        ExitCode::FAILURE
    })
}

/// Prints skipped lines and broken files on stderr; returns whether any file had an error.
pub(super) fn report_problems(table: &FlowTable) -> bool {
    let skipped = table.skipped();
    if skipped > 0 {
        let files = table.files.iter().filter(|f| f.skipped.count > 0).count();
        eprintln!("flowlens: skipped {skipped} line(s) in {files} file(s):");
        let mut shown = 0;
        for f in &table.files {
            for ex in &f.skipped.examples {
                if shown == 10 {
                    break;
                }
                eprintln!(
                    "  {}:{}: {}: {}",
                    f.path.display(),
                    ex.line,
                    ex.reason,
                    ex.text
                );
                shown += 1;
            }
        }
        if skipped > shown {
            eprintln!("  … and {} more", skipped - shown);
        }
    }
    let mut broken = false;
    for f in table.broken_files() {
        broken = true;
        eprintln!(
            "flowlens: {}: {} ({} records kept)",
            f.path.display(),
            f.error.as_deref().unwrap_or("error"),
            f.records
        );
    }
    broken
}
