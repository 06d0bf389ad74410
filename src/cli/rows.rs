//! `flowlens rows`: the parsed records as CSV, JSON lines or Parquet.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{InputArgs, RowFormatArg};
use super::input::{load_selected, report_problems};
use crate::fmt::TerminalSafe;
use crate::query::filter::Filter;
use crate::report::labels::with_label_columns;
use crate::report::rows::write_rows;

#[derive(Args, Debug)]
pub(super) struct RowsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RowFormatArg::Csv)]
    pub(super) format: RowFormatArg,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
    #[command(flatten)]
    pub(super) input: InputArgs,
}

pub(super) fn rows(args: RowsArgs) -> ExitCode {
    let selected = match load_selected(&args.input) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&selected.table);
    let picked = (selected.filter != Filter::All).then(|| selected.sel.rows());
    // With context, a label column after each labelled one.
    let labelled = match selected.labels() {
        Some(l) => match with_label_columns(&selected.table, l) {
            Ok(df) => Some(df),
            Err(e) => {
                eprintln!("flowlens: labelling the rows: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let df = labelled.as_ref().unwrap_or(&selected.table.df);
    let result = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut f| write_rows(df, picked.as_deref(), args.format.into(), &mut f)),
        None if std::io::stdout().is_terminal() => {
            if args.format == RowFormatArg::Parquet {
                eprintln!(
                    "flowlens: Parquet is binary: give --output FILE, or redirect the output"
                );
                return ExitCode::from(2);
            }
            // Input text to a terminal: control characters escaped.
            let mut w = TerminalSafe::new(std::io::stdout().lock());
            write_rows(df, picked.as_deref(), args.format.into(), &mut w).and_then(|()| w.flush())
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_rows(df, picked.as_deref(), args.format.into(), &mut lock)
                .and_then(|()| lock.flush())
        }
    };
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        {
            let target = args
                .output
                .as_ref()
                .map_or("standard output".to_owned(), |p| p.display().to_string());
            eprintln!("flowlens: writing {target}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
