//! Loading the input of a subcommand, selecting the filtered rows, and telling the user what was
//! skipped or broken.

use std::process::ExitCode;

use super::args::InputArgs;
use std::io::{IsTerminal as _, Write as _};

use crate::fmt::{TerminalSafe, escape_control};
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
        eprintln!("flowlens: {}", escape_control(&e.to_string()));
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
                    escape_control(&f.path.display().to_string()),
                    ex.line,
                    escape_control(&ex.reason.to_string()),
                    escape_control(&ex.text)
                );
                shown += 1;
            }
        }
        if skipped > shown {
            eprintln!("  … and {} more", skipped - shown);
        }
    }
    for f in &table.files {
        for note in &f.notes {
            eprintln!(
                "flowlens: {}: note: {}",
                escape_control(&f.path.display().to_string()),
                escape_control(note)
            );
        }
    }
    let mut broken = false;
    for f in table.broken_files() {
        broken = true;
        eprintln!(
            "flowlens: {}: {} ({} records kept)",
            escape_control(&f.path.display().to_string()),
            escape_control(f.error.as_deref().unwrap_or("error")),
            f.records
        );
    }
    broken
}

/// Prints `text` on standard output; to a terminal, with its control characters escaped (CSV
/// and JSON lines carry input text as it is, which a terminal would interpret).
pub(super) fn print_safe(text: &str) {
    let stdout = std::io::stdout();
    let result = if stdout.is_terminal() {
        let mut w = TerminalSafe::new(stdout.lock());
        w.write_all(text.as_bytes()).and_then(|()| w.flush())
    } else {
        let mut w = stdout.lock();
        w.write_all(text.as_bytes()).and_then(|()| w.flush())
    };
    // A closed pipe (`| head`) ends the output; nothing else to do.
    let _ = result;
}
