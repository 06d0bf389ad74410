//! `flowlens bench`: the query engine's benchmark on real data, in the project.
//!
//! Loads the paths, then (1) applies a varied sequence of filters and recomputes every view the
//! app shows for each, reporting the median and worst time, and (2) runs the five queries of
//! `shared/bench` (Q1–Q5) five times each on the loaded table, printing their answers in the same
//! format as the DuckDB and Polars peers (`flowq.py`), so `diff` checks the results and the
//! timings compare side by side. Timings go to stderr.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use crate::ingest::{LoadOptions, load};
use crate::model::{FlowTable, Metric};
use crate::query::context::LabelsRef;
use crate::query::filter::{Filter, parse};
use crate::query::group::group_by_sums;
use crate::query::labels::Labels;
use crate::query::rules::{RuleIndex, explain_groups_with, rule_usage};
use crate::query::{QueryContext, ViewCache, ViewOptions, compute_views, select, select_in};

/// The filters the app benchmark steps through (what an investigation clicks through).
pub const FILTER_SEQUENCE: &[&str] = &[
    "",
    "action == REJECT",
    "srcaddr in 10.0.0.0/16",
    "dstport in {22, 3389}",
    "protocol == udp",
    "src is public and dst is private",
    "direction == outbound",
    "bytes > 1MB",
    "port in 1024..65535 and action == ACCEPT",
    "dstaddr in 10.0.1.0/24 and protocol == tcp",
    "not action == ACCEPT",
    "interface_id ~ \"^eni-0\"",
    "start >= 2024-03-01T12:00Z and start < 2024-03-01T13:00Z",
    "addr in {10.0.1.0/24, 10.0.2.0/24} and dstport == 5432",
    "srcport == 443",
    "dstport == 443",
    "log_status != OK",
    "dst is public and dstport == 443",
    "action == REJECT and dstport in {22, 23, 3389, 445}",
    "protocol in {icmp, icmpv6}",
    "not dstport == 443",
    "not dstport == 443 and srcaddr == 10.0.0.58",
    "",
];

/// Label conditions, timed when the data comes with context files.
pub const LABEL_SEQUENCE: &[&str] = &[
    "dst_service == S3",
    "interface_type == nat_gateway",
    "src_resource ~ \"web\"",
    "action == REJECT and dst_resource ~ \"^i-\"",
    "service == EC2 and not interface_type == interface",
];

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs the benchmark; answers on stdout, timings on stderr.
pub(super) fn run(paths: Vec<PathBuf>, threads: usize) -> ExitCode {
    let options = LoadOptions {
        threads,
        ..LoadOptions::default()
    };
    let t = Instant::now();
    let table = match load(&paths, &options) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("flowlens: {}", crate::fmt::escape_control(&e.to_string()));
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "load: {} records in {:.3} s",
        table.len(),
        t.elapsed().as_secs_f64()
    );
    let cache = ViewCache::default();
    // Context files among the paths: their labels are indexed as the app does; the views keep
    // the default VPC definition so that the timings compare with a run without context.
    let labels = (!table.context.is_empty()).then(|| {
        let t = Instant::now();
        let labels = Arc::new(Labels::new(table.context.clone()));
        eprintln!(
            "context: {}; labels indexed in {:.1} ms",
            table.context.describe(),
            t.elapsed().as_secs_f64() * 1000.0
        );
        labels
    });
    let ctx = QueryContext {
        labels: labels.clone().map(LabelsRef),
        ..QueryContext::default()
    };
    view_timings(&table, &cache, &ctx);
    if labels.is_some() {
        context_timings(&table, &cache, &ctx);
    }
    peer_queries(&table, &cache);
    ExitCode::SUCCESS
}

/// Timed runs of each filter after a warm-up round: a filter's time is their median, so one
/// run slowed by something else on the machine does not make a filter the worst.
const TIMED_ROUNDS: usize = 3;

/// Each filter's time (the median of its timed runs) and the slowest single run.
struct FilterTimes {
    medians: Vec<f64>,
    slowest_run: f64,
}

impl FilterTimes {
    /// "median M ms, worst W ms (N filters, each the median of 3 runs; slowest run S ms)".
    fn summary(&self) -> String {
        let worst = self.medians.iter().copied().fold(0.0, f64::max);
        format!(
            "median {:.1} ms, worst {worst:.1} ms ({} filters, each the median of {TIMED_ROUNDS} runs; slowest run {:.1} ms)",
            median(&mut self.medians.clone()),
            self.medians.len(),
            self.slowest_run
        )
    }
}

/// Times `texts` as filters with the views of `opts`: a warm-up round, then [`TIMED_ROUNDS`];
/// one line per filter after `what` (its median, fastest and slowest run), and the times.
fn time_filters(
    table: &FlowTable,
    cache: &ViewCache,
    ctx: &QueryContext,
    texts: &[&str],
    opts: &ViewOptions,
    what: &str,
    pause: Option<std::time::Duration>,
) -> FilterTimes {
    let filters: Vec<(&str, _)> = texts
        .iter()
        .filter_map(|t| parse(t).ok().map(|f| (*t, f)))
        .collect();
    // Per filter: (total ms, select ms) of each timed run, and the rows selected.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new(); filters.len()];
    let mut flows = vec![0u64; filters.len()];
    for round in 0..=TIMED_ROUNDS {
        for (k, (_, filter)) in filters.iter().enumerate() {
            if let Some(p) = pause {
                std::thread::sleep(p);
            }
            let t = Instant::now();
            let Ok(sel) = select_in(table, cache, filter, ctx) else {
                continue;
            };
            let selected = t.elapsed().as_secs_f64() * 1000.0;
            let views = compute_views(table, cache, &sel, opts);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if round > 0
                && let Some(r) = runs.get_mut(k)
            {
                r.push((ms, selected));
            }
            if let Some(f) = flows.get_mut(k) {
                *f = views.totals.counts.flows();
            }
        }
    }
    let mut medians = Vec::new();
    let mut slowest_run: f64 = 0.0;
    for (((text, _), r), rows) in filters.iter().zip(&mut runs).zip(&flows) {
        if r.is_empty() {
            continue;
        }
        r.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (ms, selected) = r[r.len() / 2];
        let (fastest, slowest) = (r[0].0, r[r.len() - 1].0);
        slowest_run = slowest_run.max(slowest);
        medians.push(ms);
        eprintln!(
            "{what}: {ms:7.1} ms ({fastest:5.1}..{slowest:5.1}; select {selected:5.1})  {rows:>9} rows  {text}"
        );
    }
    FilterTimes {
        medians,
        slowest_run,
    }
}

/// With context: label conditions with every view, then "Why rejected?" and rule usage over
/// the whole table.
fn context_timings(table: &FlowTable, cache: &ViewCache, ctx: &QueryContext) {
    let view_opts = ViewOptions {
        with_conversations: false,
        ..ViewOptions::default()
    };
    let times = time_filters(
        table,
        cache,
        ctx,
        LABEL_SEQUENCE,
        &view_opts,
        "label views",
        None,
    );
    eprintln!("label conditions: {}", times.summary());
    let index = RuleIndex::new(table.context.clone());
    for (what, text, accepted) in [
        (
            "explain (200 sentences), every REJECT",
            "action == REJECT",
            false,
        ),
        (
            "explain (200 sentences), every ACCEPT",
            "action == ACCEPT",
            true,
        ),
    ] {
        let t = Instant::now();
        let Ok(sel) = parse(text)
            .map_err(|e| e.to_string())
            .and_then(|f| select(table, &f, ctx).map_err(|e| e.to_string()))
        else {
            continue;
        };
        let rows = explain_groups_with(table, &sel, &index, accepted, 200);
        eprintln!(
            "{what}: {} groups in {:.1} ms",
            rows.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let t = Instant::now();
    if let Ok(sel) = select(table, &Filter::All, ctx) {
        let usage = rule_usage(table, &sel, &index);
        eprintln!(
            "rule usage, every record: {} rules in {:.1} ms",
            usage.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// (1) Filter changes with every view the app shows (default tab: sources), then with the
/// conversations tab.
fn view_timings(table: &FlowTable, cache: &ViewCache, ctx: &QueryContext) {
    let view_opts = ViewOptions {
        with_conversations: false,
        ..ViewOptions::default()
    };
    // Think time between filter changes, as a user clicking has (the CPU idles in between).
    let pause = std::env::var("FLOWLENS_BENCH_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis);
    let times = time_filters(
        table,
        cache,
        ctx,
        FILTER_SEQUENCE,
        &view_opts,
        "views",
        pause,
    );
    // The conversations tab.
    let t = Instant::now();
    let conv_opts = ViewOptions {
        with_conversations: true,
        ..ViewOptions::default()
    };
    if let Ok(sel) = select(table, &Filter::All, ctx) {
        compute_views(table, cache, &sel, &conv_opts);
    }
    eprintln!(
        "conversations tab, all records: {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let with_conv = time_filters(
        table,
        cache,
        ctx,
        FILTER_SEQUENCE,
        &conv_opts,
        "views+conversations",
        pause,
    );
    eprintln!("views per filter change: {}", times.summary());
    eprintln!("with the conversations tab: {}", with_conv.summary());
}

/// One of the peers' queries: (name, filter, group-by fields, ranking metric, limit, answer
/// header, what it asks).
type Query<'a> = (
    &'a str,
    &'a str,
    &'a [&'a str],
    Metric,
    usize,
    &'a str,
    &'a str,
);

/// The five queries of `shared/bench`.
const QUERIES: [Query<'static>; 5] = [
    (
        "Q1",
        "srcaddr in 10.0.0.0/16",
        &["srcport"],
        Metric::Flows,
        10,
        "srcport\tcnt",
        "srcport, count(*) WHERE srcaddr LIKE '10.0%' GROUP BY srcport ORDER BY cnt DESC, srcport LIMIT 10",
    ),
    (
        "Q2",
        "action == ACCEPT",
        &["srcaddr"],
        Metric::Bytes,
        10,
        "srcaddr\ttotal_bytes",
        "top 10 srcaddr by sum(bytes) WHERE action='ACCEPT' (ties: srcaddr)",
    ),
    (
        "Q3",
        "",
        &["srcaddr", "dstaddr"],
        Metric::Bytes,
        10,
        "srcaddr\tdstaddr\ttotal_bytes",
        "top 10 (srcaddr, dstaddr) by sum(bytes) (NULLS LAST; ties: srcaddr, dstaddr)",
    ),
    (
        "Q4",
        "action == REJECT",
        &["dstport"],
        Metric::Flows,
        20,
        "dstport\tcnt",
        "dstport, count(*) WHERE action='REJECT' GROUP BY dstport ORDER BY cnt DESC, dstport LIMIT 20",
    ),
    (
        "Q5",
        "dstaddr in 10.0.1.0/24 and protocol == 6",
        &[],
        Metric::Flows,
        1,
        "flows\ttotal_bytes",
        "count(*), sum(bytes) WHERE dstaddr IN 10.0.1.0/24 AND protocol=6",
    ),
];

/// (2) The peers' queries, five runs each: answers on stdout in the peers' format.
fn peer_queries(table: &FlowTable, cache: &ViewCache) {
    let ctx = QueryContext::default();
    let mut total = 0.0;
    for (name, text, by, metric, limit, header, title) in QUERIES {
        let Ok(filter) = parse(text) else { continue };
        let by: Vec<String> = by.iter().map(|s| (*s).to_owned()).collect();
        let mut ms = Vec::new();
        let mut filter_ms = Vec::new();
        let mut answer = String::new();
        for _ in 0..5 {
            let t = Instant::now();
            let Ok(sel) = select(table, &filter, &ctx) else {
                break;
            };
            filter_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            answer.clear();
            if by.is_empty() {
                let opts = ViewOptions {
                    with_conversations: false,
                    top_n: 0,
                    ..ViewOptions::default()
                };
                let totals = compute_views(table, cache, &sel, &opts).totals;
                let c = totals.counts;
                answer.push_str(&format!("{}\t{}\n", c.flows(), c.bytes()));
            } else if let Ok(groups) = group_by_sums(table, &sel, &by, metric, limit, false) {
                for g in groups {
                    let value = g.counts[metric];
                    answer.push_str(&format!("{}\t{value}\n", g.key.join("\t")));
                }
            }
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let m = median(&mut ms);
        total += m;
        eprintln!(
            "{name}: median {m:.1} ms over 5 runs (filter {:.1} ms)",
            median(&mut filter_ms)
        );
        print!("# {name}: {title}\n{header}\n{answer}");
    }
    eprintln!("Q1..Q5: {total:.1} ms (sum of medians)");
}
