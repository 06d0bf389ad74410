//! `flowlens stats`: load and print totals.

use std::process::ExitCode;

use super::args::InputArgs;
use super::input::{Selected, load_selected, report_problems};
use crate::fmt::format_epoch;
use crate::query::filter::Filter;
use crate::query::{Summary, ViewCache, ViewOptions, compute_views};

pub(super) fn stats(args: InputArgs) -> ExitCode {
    let Selected {
        table, filter, sel, ..
    } = match load_selected(&args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
    if filter != Filter::All {
        let opts = ViewOptions {
            with_conversations: false,
            ..Default::default()
        };
        let v = compute_views(&table, &ViewCache::default(), &sel, &opts).totals;
        let span = match (v.first_start, v.last_end) {
            (Some(a), Some(b)) => format!("{} .. {}", format_epoch(a), format_epoch(b)),
            _ => "-".to_owned(),
        };
        println!("filter       {filter}");
        println!("records      {} of {}", sel.count, table.len());
        println!("time span    {span}");
        println!("packets      {}", v.counts.packets());
        println!("bytes        {}", v.counts.bytes());
        println!("ACCEPT       {}", v.accept);
        println!("REJECT       {}", v.reject);
        println!("sources      {}", v.distinct_src);
        println!("destinations {}", v.distinct_dst);
        return if broken {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    let s = Summary::of(&table);
    let span = match (s.first_start, s.last_end) {
        (Some(a), Some(b)) => format!("{} .. {}", format_epoch(a), format_epoch(b)),
        _ => "-".to_owned(),
    };
    let per_record = if s.records > 0 {
        format!(
            " ({:.1} bytes/record)",
            s.frame_bytes as f64 / s.records as f64
        )
    } else {
        String::new()
    };
    let input_bytes: u64 = table.files.iter().map(|f| f.bytes).sum();
    println!("records      {}", s.records);
    println!(
        "files        {} ({} bytes; {} with errors)",
        s.files, input_bytes, s.broken_files
    );
    if !table.context.is_empty() {
        println!(
            "context      {} ({} files)",
            table.context.describe(),
            s.context_files
        );
    }
    println!("skipped      {}", s.skipped);
    println!("time span    {span}");
    println!("packets      {}", s.packets);
    println!("bytes        {}", s.bytes);
    println!("ACCEPT       {}", s.accept);
    println!("REJECT       {}", s.reject);
    println!("NODATA       {}", s.nodata);
    println!("SKIPDATA     {}", s.skipdata);
    println!("frame        {} bytes{per_record}", s.frame_bytes);
    println!("load time    {:.3} s", table.load_secs);
    // The process ends now: the OS takes the whole table back at once, faster than freeing it
    // column by column.
    std::mem::forget(table);
    if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
