//! The query engine on a fixture small enough to check by hand.

use flowlens::model::{Counts, Metric};
use flowlens::query::click::addr_text;
use flowlens::query::filter::parse;
use flowlens::query::group::group_by;
use flowlens::query::{
    ConversationMode, PortSide, QueryContext, ViewCache, ViewOptions, compute_views, select,
};

use crate::util::{HEADER, load_paths, seeded, write};

mod groups;
mod typed;
mod zones;

/// Eight flows (plus one NODATA row), written so every expected number below can be counted:
///
/// | # | src → dst | sport → dport | proto | packets | bytes | start | action |
/// |---|---|---|---|---|---|---|---|
/// | 1 | 10.0.1.5 → 52.216.1.1 (outbound) | 40000 → 443 | 6 | 10 | 1000 | 1000 | ACCEPT |
/// | 2 | 52.216.1.1 → 10.0.1.5 (inbound) | 443 → 40000 | 6 | 20 | 20000 | 1000 | ACCEPT |
/// | 3 | 10.0.1.5 → 10.0.2.9 (internal) | 40001 → 5432 | 6 | 5 | 500 | 1060 | ACCEPT |
/// | 4 | 198.51.100.7 → 10.0.1.5 (inbound) | 50000 → 22 | 6 | 1 | 60 | 1120 | REJECT |
/// | 5 | 198.51.100.7 → 10.0.1.5 | 50000 → 23 | 6 | 1 | 60 | 1120 | REJECT |
/// | 6 | 198.51.100.7 → 10.0.2.9 | 50000 → 3389 | 6 | 1 | 60 | 1180 | REJECT |
/// | 7 | 10.0.2.9 → 100.64.0.1 (cgnat) | 53 → 53 | 17 | 2 | 200 | 1180 | ACCEPT |
/// | 8 | 2001:db8::1 → 10.0.1.5 | 0 → 0 | 58 | 3 | 300 | 1240 | ACCEPT |
/// | 9 | NODATA (all `-`) | | | | | 1240 | - |
const FLOWS: &str = "\
2 1 eni-a 10.0.1.5 52.216.1.1 40000 443 6 10 1000 1000 1059 ACCEPT OK
2 1 eni-a 52.216.1.1 10.0.1.5 443 40000 6 20 20000 1000 1059 ACCEPT OK
2 1 eni-a 10.0.1.5 10.0.2.9 40001 5432 6 5 500 1060 1119 ACCEPT OK
2 1 eni-a 198.51.100.7 10.0.1.5 50000 22 6 1 60 1120 1120 REJECT OK
2 1 eni-a 198.51.100.7 10.0.1.5 50000 23 6 1 60 1120 1120 REJECT OK
2 1 eni-b 198.51.100.7 10.0.2.9 50000 3389 6 1 60 1180 1180 REJECT OK
2 1 eni-b 10.0.2.9 100.64.0.1 53 53 17 2 200 1180 1190 ACCEPT OK
2 1 eni-b 2001:db8::1 10.0.1.5 0 0 58 3 300 1240 1250 ACCEPT OK
2 1 eni-b - - - - - - - 1240 1299 - NODATA
";

fn table() -> (tempfile::TempDir, flowlens::model::FlowTable) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "q.log", format!("{HEADER}\n{FLOWS}").as_bytes());
    let t = load_paths(&[p]);
    assert_eq!(t.len(), 9);
    (dir, t)
}

fn count(t: &flowlens::model::FlowTable, text: &str) -> u64 {
    select(t, &parse(text).unwrap(), &QueryContext::default())
        .unwrap()
        .count
}

#[test]
fn filters_select_the_right_rows() {
    let (_d, t) = table();
    assert_eq!(count(&t, ""), 9);
    assert_eq!(count(&t, "srcaddr in 10.0.0.0/16"), 3);
    assert_eq!(count(&t, "addr == 10.0.1.5"), 6);
    assert_eq!(count(&t, "addr in {10.0.2.0/24, 2001:db8::/32}"), 4);
    assert_eq!(count(&t, "dstport in {22, 23, 3389}"), 3);
    assert_eq!(count(&t, "port in 40000..40001"), 3);
    assert_eq!(count(&t, "protocol == tcp"), 6);
    assert_eq!(count(&t, "protocol in {udp, icmpv6}"), 2);
    assert_eq!(count(&t, "action == REJECT"), 3);
    assert_eq!(
        count(&t, "not action == ACCEPT"),
        4,
        "NODATA has no action: not matches it"
    );
    assert_eq!(count(&t, "bytes >= 1kB"), 2);
    assert_eq!(count(&t, "start >= 1120 and start < 1240"), 4);
    assert_eq!(count(&t, "interface_id ~ \"b$\""), 4);
    assert_eq!(count(&t, "log_status == NODATA"), 1);
    // A null is stored as 0 (the first dictionary id for addresses): it must never match.
    assert_eq!(count(&t, "dstport == 0"), 1, "row 8, not the NODATA row");
    assert_eq!(
        count(&t, "srcaddr == 10.0.1.5"),
        2,
        "address id 0, and null"
    );
    assert_eq!(count(&t, "srcport == 50000 or dstport == 0"), 4);
    assert_eq!(
        count(&t, "src is public"),
        5,
        "52.216.1.1, 198.51.100.7 ×3, 2001:db8::1"
    );
    assert_eq!(count(&t, "dst is cgnat"), 1);
    assert_eq!(
        count(&t, "direction == outbound"),
        2,
        "10.0.1.5 → 52.216.1.1 and → 100.64.0.1"
    );
    assert_eq!(count(&t, "direction == inbound"), 5);
    assert_eq!(count(&t, "direction == internal"), 1);
    assert_eq!(count(&t, "direction == external"), 0);
    assert_eq!(
        count(
            &t,
            "(srcport == 50000 or dstport == 53) and not dstaddr == 10.0.2.9"
        ),
        3
    );
    assert_eq!(
        count(&t, "tcp_flags == 2"),
        0,
        "a column the data does not have never matches"
    );
    // The VPC CIDRs decide what is inside.
    let ctx = QueryContext {
        vpc: vec!["10.0.1.0/24".parse().unwrap()],
        labels: None,
    };
    let sel = select(&t, &parse("direction == outbound").unwrap(), &ctx).unwrap();
    assert_eq!(
        sel.count, 2,
        "10.0.1.5 → 52.216.1.1 and 10.0.1.5 → 10.0.2.9"
    );
}

#[test]
fn views_match_the_hand_counted_numbers() {
    let (_d, t) = table();
    let all = select(&t, &parse("").unwrap(), &QueryContext::default()).unwrap();
    let v = compute_views(&t, &ViewCache::default(), &all, &ViewOptions::default());
    assert_eq!(v.totals.counts, Counts::new(9, 43, 22180));
    assert_eq!((v.totals.accept, v.totals.reject), (5, 3));
    assert_eq!(v.totals.distinct_src, 5);
    assert_eq!(v.totals.distinct_dst, 4);
    assert_eq!(
        (v.totals.first_start, v.totals.last_end),
        (Some(1000), Some(1299))
    );
    // Destination ports by flows; ties by port.
    let ports: Vec<(u16, u64)> = v
        .ports
        .ports
        .iter()
        .map(|r| (r.key, r.counts.flows()))
        .collect();
    assert_eq!(ports[..3], [(0, 1), (22, 1), (23, 1)]);
    assert_eq!(ports.len(), 8);
    assert_eq!(
        v.ports.other,
        Counts::new(1, 0, 0),
        "the NODATA row has no port"
    );
    // Sources by flows.
    let src: Vec<(String, u64)> = v
        .sources
        .iter()
        .map(|r| (addr_text(&t, r.key), r.counts.flows()))
        .collect();
    assert_eq!(src[0], ("198.51.100.7".into(), 3));
    assert_eq!(src[1], ("10.0.1.5".into(), 2));
    // Destinations by bytes.
    let by_bytes = compute_views(
        &t,
        &ViewCache::default(),
        &all,
        &ViewOptions {
            metric: Metric::Bytes,
            ..Default::default()
        },
    );
    assert_eq!(addr_text(&t, by_bytes.destinations[0].key), "10.0.1.5");
    assert_eq!(by_bytes.destinations[0].counts, Counts::new(4, 25, 20420));
    // Conversations: directed, then both directions together.
    let conv: Vec<(String, String, u64)> = by_bytes
        .conversations
        .iter()
        .map(|r| {
            (
                addr_text(&t, r.key.0),
                addr_text(&t, r.key.1),
                r.counts.bytes(),
            )
        })
        .collect();
    assert_eq!(conv[0], ("52.216.1.1".into(), "10.0.1.5".into(), 20000));
    assert_eq!(conv[1], ("10.0.1.5".into(), "52.216.1.1".into(), 1000));
    let und = compute_views(
        &t,
        &ViewCache::default(),
        &all,
        &ViewOptions {
            metric: Metric::Bytes,
            conversations: ConversationMode::Undirected,
            ..Default::default()
        },
    );
    assert_eq!(und.conversations[0].counts, Counts::new(2, 30, 21000));
}

#[test]
fn breakdowns_match_the_hand_counted_numbers() {
    let (_d, t) = table();
    let all = select(&t, &parse("").unwrap(), &QueryContext::default()).unwrap();
    let v = compute_views(&t, &ViewCache::default(), &all, &ViewOptions::default());
    // Timeline: buckets of a readable width, split by action.
    let tl = &v.timeline;
    assert_eq!(tl.bucket_secs, 2, "241 s over 120 buckets");
    let per_lane: Vec<u64> = (0..3)
        .map(|l| tl.buckets.iter().map(|b| b[l].flows()).sum())
        .collect();
    assert_eq!(per_lane, vec![5, 3, 1]);
    // Protocols and actions.
    let protos: Vec<(u8, u64)> = v
        .protocols
        .iter()
        .map(|r| (r.key, r.counts.flows()))
        .collect();
    assert_eq!(protos, vec![(6, 6), (17, 1), (58, 1)]);
    let actions: Vec<(String, u64)> = v
        .actions
        .iter()
        .map(|r| (r.key.clone(), r.counts.flows()))
        .collect();
    assert_eq!(
        actions,
        vec![("ACCEPT".into(), 5), ("REJECT".into(), 3), ("-".into(), 1)]
    );
    // Either-port histogram counts both ports of a flow.
    let either = compute_views(
        &t,
        &ViewCache::default(),
        &all,
        &ViewOptions {
            port_side: PortSide::Either,
            ..Default::default()
        },
    );
    assert_eq!(either.ports.ports[0].key, 50000);
    assert_eq!(either.ports.ports[0].counts.flows(), 3);
    // Scanners: distinct destination ports per source.
    let sc = compute_views(
        &t,
        &ViewCache::default(),
        &all,
        &ViewOptions {
            with_scanners: true,
            ..Default::default()
        },
    );
    assert_eq!(addr_text(&t, sc.scanners[0].src), "198.51.100.7");
    assert_eq!(
        (sc.scanners[0].distinct_ports, sc.scanners[0].distinct_dsts),
        (3, 2)
    );
}

#[test]
fn views_of_a_filtered_selection() {
    let (_d, t) = table();
    let sel = select(
        &t,
        &parse("action == REJECT").unwrap(),
        &QueryContext::default(),
    )
    .unwrap();
    let v = compute_views(&t, &ViewCache::default(), &sel, &ViewOptions::default());
    assert_eq!(v.totals.counts, Counts::new(3, 3, 180));
    assert_eq!(
        v.ports.ports.iter().map(|r| r.key).collect::<Vec<_>>(),
        vec![22, 23, 3389]
    );
    assert_eq!(v.sources.len(), 1);
}

#[test]
fn group_by_ranks_like_sql() {
    let (_d, t) = table();
    let all = select(&t, &parse("").unwrap(), &QueryContext::default()).unwrap();
    let g = group_by(&t, &all, &["srcaddr".into()], Metric::Flows, 3).unwrap();
    let rows: Vec<(Vec<String>, u64)> = g
        .iter()
        .map(|x| (x.key.clone(), x.counts.flows()))
        .collect();
    assert_eq!(rows[0], (vec!["198.51.100.7".into()], 3));
    assert_eq!(rows[1], (vec!["10.0.1.5".into()], 2));
    // Ties (1 flow each) in text order, as ORDER BY cnt DESC, srcaddr would.
    assert_eq!(rows[2], (vec!["10.0.2.9".into()], 1));
    let pairs = group_by(
        &t,
        &all,
        &["srcaddr".into(), "dstport".into()],
        Metric::Bytes,
        2,
    )
    .unwrap();
    assert_eq!(
        pairs[0].key,
        vec!["52.216.1.1".to_owned(), "40000".to_owned()]
    );
    assert_eq!(pairs[1].key, vec!["10.0.1.5".to_owned(), "443".to_owned()]);
    let three = group_by(
        &t,
        &all,
        &["protocol".into(), "action".into(), "dstport".into()],
        Metric::Flows,
        1,
    )
    .unwrap();
    assert_eq!(
        three[0].key,
        vec!["6", "ACCEPT", "443"],
        "ties: numbers numerically, text in order"
    );
    assert!(group_by(&t, &all, &["nope".into()], Metric::Flows, 1).is_err());
}

#[test]
fn pickers_count_flows_per_value_of_the_selection() {
    let (_d, t) = table();
    let sel = select(&t, &parse("").unwrap(), &QueryContext::default()).unwrap();
    let v = compute_views(
        &t,
        &ViewCache::default(),
        &sel,
        &ViewOptions {
            with_pickers: true,
            ..Default::default()
        },
    );
    let names: Vec<&str> = v.pickers.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(
        names,
        vec!["interface_id", "account_id"],
        "only columns the data has"
    );
    assert_eq!(
        v.pickers[0].values,
        vec![("eni-a".to_owned(), 5), ("eni-b".to_owned(), 4)]
    );
    let rej = select(
        &t,
        &parse("action == REJECT").unwrap(),
        &QueryContext::default(),
    )
    .unwrap();
    let v = compute_views(
        &t,
        &ViewCache::default(),
        &rej,
        &ViewOptions {
            with_pickers: true,
            ..Default::default()
        },
    );
    assert_eq!(
        v.pickers[0].values,
        vec![("eni-a".to_owned(), 2), ("eni-b".to_owned(), 1)]
    );
    let off = compute_views(&t, &ViewCache::default(), &rej, &ViewOptions::default());
    assert!(off.pickers.is_empty(), "not computed unless asked");
}

/// Selections of more than half of a large table are computed from the rows they leave out,
/// subtracted from the cached whole-table aggregates: every view must equal the direct count.
#[test]
fn large_selections_subtract_the_rows_left_out() {
    use flowlens::query::compute_views_direct;
    use flowlens::sample::{GenOptions, generate};
    let dir = tempfile::tempdir().unwrap();
    let paths = generate(
        dir.path(),
        &GenOptions {
            records: 1_200_000,
            files: 2,
            ..GenOptions::default()
        },
    )
    .unwrap();
    let t = load_paths(&paths);
    // One cache for the table, as the app keeps it: every selection below reuses it.
    let cache = ViewCache::default();
    assert_eq!(t.len(), 1_200_000);
    let ctx = QueryContext::default();
    for (text, side) in [
        ("", PortSide::Dst),
        ("not dstport == 443", PortSide::Dst),
        ("not dstport == 443", PortSide::Either),
        ("action == ACCEPT", PortSide::Src),
        // The span of the selection is not the table's.
        ("start >= 2024-03-01T06:00Z", PortSide::Dst),
        // Filters on the two addresses only: their conversations come from the table's
        // pairs (computed by the first query) that the filter keeps.
        ("not srcaddr in 10.0.0.0/16", PortSide::Dst),
        ("direction == outbound or dst is public", PortSide::Dst),
        // The busiest talkers' conversations left out: the whole-table leaders drop out of the
        // top, so the candidate conversations must grow.
        (
            "not addr in {10.0.4.14, 10.0.0.28, 10.0.3.109, 10.0.0.158, 10.0.0.68, 10.0.0.248}",
            PortSide::Dst,
        ),
        // A small selection takes the direct path in both.
        ("dstport == 22", PortSide::Dst),
    ] {
        let sel = select(&t, &parse(text).unwrap(), &ctx).unwrap();
        // Top 20: the whole-table leaders suffice as candidates. Top 6000: every conversation
        // is a candidate (A and B) or the bound decides late (A to B). Top 100,000: past the
        // candidates' limit, every pair is subtracted.
        let modes = [ConversationMode::Directed, ConversationMode::Undirected];
        for (conversations, top_n) in modes
            .into_iter()
            .flat_map(|c| [(c, 20), (c, 6000), (c, 100_000)])
        {
            // Every view, conversations included.
            let opts = ViewOptions {
                port_side: side,
                with_pickers: true,
                with_conversations: true,
                conversations,
                top_n,
                ..ViewOptions::default()
            };
            let fast = compute_views(&t, &cache, &sel, &opts);
            let direct = compute_views_direct(&t, &ViewCache::default(), &sel, &opts);
            assert_eq!(fast.totals.counts.flows(), sel.count, "{text}");
            assert!(!fast.conversations.is_empty() || sel.count == 0, "{text}");
            assert_eq!(format!("{fast:?}"), format!("{direct:?}"), "{text}");
        }
    }
}

/// The span of a selection comes from the blocks' time bounds, not a scan of every row: on rows
/// in no time order (starts shuffled, some ends 0 or missing) it must still equal the first
/// start and last non-zero end of the selected rows, on both the direct and the subtraction path.
/// `n` records in no time order (xorshift-seeded): starts over a day, a port out of 40, 1 in 50
/// ends 0, every 997th record NODATA, sources among 1,000 addresses.
fn shuffled_log(n: usize) -> String {
    let mut text = format!("{HEADER}\n");
    let mut next = seeded(0x2545_f491_4f6c_dd1d);
    for i in 0..n {
        let start = 1_700_000_000 + next(86_400);
        let port = next(40);
        let end = match next(50) {
            0 => "0".to_owned(),
            _ => (start + next(600)).to_string(),
        };
        if i % 997 == 0 {
            text.push_str(&format!("2 1 eni-a - - - - - - - {start} {end} - NODATA\n"));
        } else {
            let src = format!("10.0.{}.{}", next(4), next(250));
            text.push_str(&format!(
                "2 1 eni-a {src} 10.1.{}.1 {port} 443 6 1 60 {start} {end} ACCEPT OK\n",
                next(3)
            ));
        }
    }
    text
}

#[test]
fn time_span_of_any_selection_equals_a_scan() {
    let dir = tempfile::tempdir().unwrap();
    let n = 1_500_000;
    let text = shuffled_log(n);
    let p = write(dir.path(), "shuffled.log", text.as_bytes());
    let t = load_paths(&[p]);
    assert_eq!(t.len(), n);
    let views = flowlens::model::columns::views(&t.df);
    let col = |name: &str| views.iter().find(|c| c.name == name).unwrap();
    let (start, end) = (col("start"), col("end"));
    let cache = ViewCache::default();
    let opts = ViewOptions {
        with_conversations: false,
        ..ViewOptions::default()
    };
    for text in [
        "",
        "srcport == 7",
        "srcport == 7 and srcaddr in 10.0.2.0/24",
        "not srcport == 7",
        "srcaddr == 10.0.3.17",
        "log_status == NODATA",
        "srcport == 99",
    ] {
        let sel = select(&t, &parse(text).unwrap(), &QueryContext::default()).unwrap();
        let (mut lo, mut hi) = (None::<u64>, None::<u64>);
        for (k, mask) in sel.masks.iter().enumerate() {
            let (s, e) = (&start.chunks[k], &end.chunks[k]);
            for (i, _) in mask.iter().enumerate().filter(|(_, on)| **on) {
                if !s.is_null(i) {
                    lo = Some(lo.map_or(s.raw(i), |l| l.min(s.raw(i))));
                }
                if !e.is_null(i) && e.raw(i) > 0 {
                    hi = Some(hi.map_or(e.raw(i), |h| h.max(e.raw(i))));
                }
            }
        }
        assert!(text == "srcport == 99" || lo.is_some(), "{text}");
        for direct in [false, true] {
            let v = if direct {
                flowlens::query::compute_views_direct(&t, &cache, &sel, &opts)
            } else {
                compute_views(&t, &cache, &sel, &opts)
            };
            let got = (v.totals.first_start, v.totals.last_end);
            assert_eq!(got, (lo, hi), "{text} (direct: {direct})");
        }
    }
}

/// Conversations over more rows than one scatter batch (4M rows; this table has two chunks of
/// 4.19M and 0.31M rows): on the direct path, the whole-table pairs and the subtraction path,
/// the top conversations equal a plain count of every (source, destination) pair.
#[test]
fn conversations_over_several_batches_equal_a_plain_count() {
    use std::collections::HashMap;
    let dir = tempfile::tempdir().unwrap();
    let n = 4_500_000;
    let p = write(dir.path(), "big.log", shuffled_log(n).as_bytes());
    let t = load_paths(&[p]);
    assert_eq!(t.len(), n);
    let views = flowlens::model::columns::views(&t.df);
    let col = |name: &str| views.iter().find(|c| c.name == name).unwrap();
    assert!(col("srcaddr").chunks.len() >= 2, "more than one chunk");
    let (src, dst, sport) = (col("srcaddr"), col("dstaddr"), col("srcport"));
    let cache = ViewCache::default();
    let opts = ViewOptions {
        top_n: 30,
        ..ViewOptions::default()
    };
    // The NODATA rows (null addresses) among a sparse selection must stay out of every pair.
    for (text, port) in [
        ("", None),
        ("srcport == 7", Some(7)),
        ("not srcport == 7", None),
        ("srcport == 7 or log_status == NODATA", None),
    ] {
        let sel = select(&t, &parse(text).unwrap(), &QueryContext::default()).unwrap();
        let mut counts: HashMap<(u32, u32), u64> = HashMap::new();
        for (k, mask) in sel.masks.iter().enumerate() {
            let (s, d, sp) = (&src.chunks[k], &dst.chunks[k], &sport.chunks[k]);
            for (i, _) in mask.iter().enumerate().filter(|(_, on)| **on) {
                if !s.is_null(i) && !d.is_null(i) {
                    *counts
                        .entry((s.raw(i) as u32, d.raw(i) as u32))
                        .or_default() += 1;
                }
                if let Some(p) = port {
                    assert_eq!(sp.raw(i), p);
                }
            }
        }
        let mut want: Vec<((u32, u32), u64)> = counts.into_iter().collect();
        want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        want.truncate(30);
        let got: Vec<((u32, u32), u64)> = compute_views(&t, &cache, &sel, &opts)
            .conversations
            .iter()
            .map(|r| (r.key, r.counts.flows()))
            .collect();
        assert_eq!(got, want, "{text}");
    }
}
