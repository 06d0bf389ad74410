//! Loading the input of a subcommand, selecting the filtered rows, and telling the user what was
//! skipped or broken.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use super::args::InputArgs;
use std::io::{IsTerminal as _, Write as _};

use crate::fmt::{TerminalSafe, escape_control};
use crate::ingest::context::read_context;
use crate::ingest::{LoadOptions, load};
use crate::model::FlowTable;
use crate::model::schema::parse_log_format;
use crate::query::filter::{self, Filter};
use crate::query::labels::Labels;
use crate::query::{QueryContext, Selection, select};

/// Parses `--filter`, printing the error with a caret under its position.
pub(super) fn parse_filter(text: &str) -> Result<Filter, ExitCode> {
    filter::parse(text).map_err(|e| {
        eprintln!("flowlens: --filter: {}", e.pointer(text));
        ExitCode::from(2)
    })
}

/// The loaded input of a subcommand, its filter and the rows it selects.
pub(super) struct Selected {
    pub(super) table: FlowTable,
    pub(super) filter: Filter,
    pub(super) sel: Selection,
    /// The query context: the context files' labels and VPC CIDRs, if any were given.
    pub(super) ctx: QueryContext,
}

impl Selected {
    /// The labels of the context files, if any were loaded.
    pub(super) fn labels(&self) -> Option<&Arc<Labels>> {
        self.ctx.labels.as_ref().map(|l| &l.0)
    }
}

/// Loads the input and selects the filtered rows.
pub(super) fn load_selected(args: &InputArgs) -> Result<Selected, ExitCode> {
    let filter = parse_filter(&args.filter)?;
    let table = load_input(args)?;
    let ctx = query_context(&table);
    let sel = select(&table, &filter, &ctx).map_err(|e| {
        eprintln!("flowlens: --filter: {e}");
        ExitCode::from(2)
    })?;
    Ok(Selected {
        table,
        filter,
        sel,
        ctx,
    })
}

/// The query context of a table: its inventory's labels, if it has one.
pub(super) fn query_context(table: &FlowTable) -> QueryContext {
    let labels = (!table.context.is_empty()).then(|| Arc::new(Labels::new(table.context.clone())));
    QueryContext::with_labels(labels)
}

/// The query context of `--context` files alone (no flow logs: `flowlens sql`).
pub(super) fn context_of(paths: &[PathBuf]) -> Result<QueryContext, ExitCode> {
    let mut table = FlowTable::empty();
    add_context(&mut table, paths)?;
    Ok(query_context(&table))
}

/// Reads `--context` files (and the files of `--context` folders) into the table's inventory; a
/// file that is not context is an error.
fn add_context(table: &mut FlowTable, paths: &[PathBuf]) -> Result<(), ExitCode> {
    if paths.is_empty() {
        return Ok(());
    }
    let mut inv = (*table.context).clone();
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let (found, _) = crate::ingest::discover::discover(std::slice::from_ref(p));
            files.extend(found.into_iter().map(|f| f.0));
        } else {
            files.push(p.clone());
        }
    }
    for p in &files {
        let shown = escape_control(&p.display().to_string()).into_owned();
        match read_context(p) {
            Ok(more) => {
                for src in &more.sources {
                    for problem in &src.problems {
                        eprintln!("flowlens: {shown}: note: {}", escape_control(problem));
                    }
                }
                inv.merge(more);
            }
            Err(e) => {
                eprintln!("flowlens: --context {shown}: {}", escape_control(&e));
                return Err(ExitCode::from(2));
            }
        }
    }
    if let Some(note) = inv.link_prefix_lists() {
        eprintln!("flowlens: note: {note}");
    }
    table.context = Arc::new(inv);
    Ok(())
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
    let (remote, local) = super::cloud::remote_of(args)?;
    let options = LoadOptions {
        log_format,
        threads: args.threads,
        remote: remote.as_ref().map(super::cloud::RemoteHandle::remote),
        ..LoadOptions::default()
    };
    let mut table = load(&local, &options).map_err(|e| {
        eprintln!("flowlens: {}", escape_control(&e.to_string()));
        ExitCode::FAILURE
    })?;
    if let Some(r) = &remote {
        r.after_load();
    }
    let context = super::cloud::live_context(args, &table)?;
    add_context(&mut table, &context)?;
    Ok(table)
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
