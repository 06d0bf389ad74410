//! `flowlens sql`: the Athena SQL (or Logs Insights query) that asks the same question.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::MetricArg;
use super::input::{context_of, parse_filter};
use crate::query::translate::{AthenaTable, athena_query, insights_query, label_fields};

#[derive(Args, Debug)]
pub(super) struct SqlArgs {
    /// The filter (flowlens filter language).
    #[arg(long, default_value = "")]
    pub(super) filter: String,
    /// Fields to group by (comma-separated); none gives the totals.
    #[arg(long, value_delimiter = ',')]
    pub(super) by: Vec<String>,
    /// What to rank by.
    #[arg(long, value_enum, default_value_t = MetricArg::Flows)]
    pub(super) metric: MetricArg,
    /// Rows.
    #[arg(long, default_value_t = 10)]
    pub(super) limit: usize,
    /// The table's partition columns: time conditions also constrain them, so that Athena
    /// reads only those days.
    #[arg(long, value_enum, default_value_t = super::athena::PartitionsArg::Date)]
    pub(super) partitions: super::athena::PartitionsArg,
    /// The table's name.
    #[arg(long, default_value = crate::query::translate::ATHENA_TABLE)]
    pub(super) table: String,
    /// Print a CloudWatch Logs Insights query instead of Athena SQL.
    #[arg(long)]
    pub(super) insights: bool,
    /// Context files (repeatable), for label conditions (`dst_service == S3`): they are written
    /// as the addresses or interfaces they stand for.
    #[arg(long = "context", value_name = "FILE")]
    pub(super) context: Vec<PathBuf>,
}

pub(super) fn sql(args: SqlArgs) -> ExitCode {
    let filter = match parse_filter(&args.filter) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let ctx = match context_of(&args.context) {
        Ok(ctx) => ctx,
        Err(code) => return code,
    };
    let labels = label_fields(&filter);
    if !labels.is_empty() {
        let fields = labels.join(", ");
        if ctx.labels.is_none() {
            eprintln!(
                "flowlens: sql: {fields}: flowlens labels, not columns of the table; give the \
                 context files with --context FILE so they can be written as the addresses or \
                 interfaces they stand for"
            );
            return ExitCode::from(2);
        }
        eprintln!(
            "flowlens: note: {fields} written as the addresses or interfaces they stand for in the \
             context files (a label is not a column of the table)"
        );
    }
    let text = if args.insights {
        insights_query(&filter, &args.by, args.metric.into(), args.limit, &ctx)
    } else {
        let table = AthenaTable {
            name: args.table.clone(),
            partitions: args.partitions.into(),
        };
        athena_query(
            &filter,
            &args.by,
            args.metric.into(),
            args.limit,
            &ctx,
            &table,
        )
    };
    println!("{text}");
    ExitCode::SUCCESS
}
