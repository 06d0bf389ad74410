//! `flowlens report`: a report folder of charts, tables, `index.md` and `index.html`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{InputArgs, MetricArg, parse_size};
use super::input::{Selected, load_selected, report_problems};
use crate::fmt::escape_control;
use crate::query::recipes::{RECIPES, recipe};
use crate::query::{ViewCache, ViewOptions, compute_views};
use crate::report::{ReportInput, write_report};

#[derive(Args, Debug)]
pub(super) struct ReportArgs {
    /// A named investigation (its filter and view): vpc-source-ports, top-talkers,
    /// top-conversations, rejected-inbound, ssh-rdp-from-internet, port-scanners, udp-users,
    /// busiest-https, nodata-skipdata.
    #[arg(long)]
    pub(super) recipe: Option<String>,
    /// Rank by this metric (default: the recipe's, else flows).
    #[arg(long, value_enum)]
    pub(super) metric: Option<MetricArg>,
    /// Output folder.
    #[arg(long)]
    pub(super) out: PathBuf,
    /// Replace files that already exist.
    #[arg(long)]
    pub(super) force: bool,
    /// Chart size in points, WIDTHxHEIGHT.
    #[arg(long, default_value = "900x480", value_parser = parse_size)]
    pub(super) size: (u32, u32),
    /// PNG pixels per point (2 = crisp on high-density screens and in print).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub(super) scale: u32,
    #[command(flatten)]
    pub(super) input: InputArgs,
}

pub(super) fn report(mut args: ReportArgs) -> ExitCode {
    let mut opts = ViewOptions {
        with_conversations: true,
        ..ViewOptions::default()
    };
    if let Some(name) = &args.recipe {
        let Some(r) = recipe(name) else {
            let names: Vec<&str> = RECIPES.iter().map(|r| r.name).collect();
            eprintln!(
                "flowlens: --recipe: no recipe `{name}` (recipes: {})",
                names.join(", ")
            );
            return ExitCode::from(2);
        };
        if !args.input.filter.is_empty() {
            eprintln!("flowlens: give --recipe or --filter, not both");
            return ExitCode::from(2);
        }
        args.input.filter = r.filter.to_owned();
        opts.metric = r.metric;
        opts.port_side = r.port_side;
        opts.conversations = r.conversations;
    }
    if let Some(m) = args.metric {
        opts.metric = m.into();
    }
    let Selected {
        table,
        filter,
        sel,
        ctx,
    } = match load_selected(&args.input) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
    let views = compute_views(&table, &ViewCache::default(), &sel, &opts);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let input = ReportInput {
        table: &table,
        filter: &filter,
        views: &views,
        options: &opts,
        context: &ctx,
        now_secs: now,
        chart_size: args.size,
        png_scale: args.scale,
    };
    match write_report(&args.out, &input, args.force) {
        Ok(files) => {
            println!("{}", args.out.join("index.html").display());
            eprintln!(
                "flowlens: wrote {} files to {}",
                files.len(),
                args.out.display()
            );
            if broken {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("flowlens: {}", escape_control(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}
