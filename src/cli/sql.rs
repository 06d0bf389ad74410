//! `flowlens sql`: the Athena SQL (or Logs Insights query) that asks the same question.

use std::process::ExitCode;

use clap::Args;

use super::args::MetricArg;
use super::input::parse_filter;
use crate::query::QueryContext;
use crate::query::translate::{athena_sql, insights_query};

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
    /// Print a CloudWatch Logs Insights query instead of Athena SQL.
    #[arg(long)]
    pub(super) insights: bool,
}

pub(super) fn sql(args: SqlArgs) -> ExitCode {
    let filter = match parse_filter(&args.filter) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let ctx = QueryContext::default();
    let text = if args.insights {
        insights_query(&filter, &args.by, args.metric.into(), args.limit, &ctx)
    } else {
        athena_sql(&filter, &args.by, args.metric.into(), args.limit, &ctx)
    };
    println!("{text}");
    ExitCode::SUCCESS
}
