//! The views' two folds: the typed fold (columns read in place) against the block gather, and
//! a layout only the block gather takes.

use flowlens::model::Counts;
use flowlens::query::filter::parse;
use flowlens::query::{PortSide, QueryContext, ViewCache, ViewOptions, compute_views, select};

use crate::util::{HEADER, load_paths, seeded, write};

/// Flows whose fields are `-` one at a time, at random: every column the views read has rows
/// where only it is null. The flows at `heavy` (same source, no null) carry `packets`.
fn log_with_scattered_nulls(n: usize, heavy: &[usize], packets: u64) -> String {
    let mut text = format!("{HEADER}\n");
    let mut next = seeded(0x9e37_79b9_7f4a_7c15);
    for row in 0..n {
        let start = 1_700_000_000 + next(7_200);
        let mut fields = vec![
            format!("10.0.{}.{}", next(3), next(200)),
            format!("10.1.{}.{}", next(2), next(50)),
            next(1024).to_string(),
            [22, 80, 443, 5432, 53][next(5) as usize].to_string(),
            ["6", "17", "1"][next(3) as usize].to_string(),
            (1 + next(100)).to_string(),
            (40 + next(100_000)).to_string(),
            start.to_string(),
            ["ACCEPT", "REJECT"][next(2) as usize].to_string(),
        ];
        if next(20) == 0 {
            let k = next(fields.len() as u64) as usize;
            fields[k] = "-".into();
        }
        if heavy.contains(&row) {
            fields[0] = "10.0.0.1".into();
            fields[5] = packets.to_string();
        }
        let [src, dst, sp, dp, proto, pk, by, st, action] = &fields[..] else {
            unreachable!()
        };
        text.push_str(&format!(
            "2 1 eni-{} {src} {dst} {sp} {dp} {proto} {pk} {by} {st} {} {action} OK\n",
            next(3),
            start + next(60)
        ));
    }
    text
}

/// The typed fold (columns read in place, rows with a null apart) gives every view the block
/// gather gives, for every port side, with conversations and pickers, filtered or not; with
/// its 16-byte table entries, and where packets sums pass 32 bits: within one chunk (two flows
/// of 4e9; every value still fits 32 bits), and over three chunks of one flow of 3e9 each (each
/// chunk's sum fits, their total does not).
#[test]
fn the_typed_fold_equals_the_block_gather() {
    typed_fold_equals_block_gather(&[], 0, 1);
    typed_fold_equals_block_gather(&[0, 1], 4_000_000_000, 1);
    typed_fold_equals_block_gather(&[0, 20_005, 40_010], 3_000_000_000, 3);
}

fn typed_fold_equals_block_gather(heavy: &[usize], packets: u64, chunks: usize) {
    use flowlens::query::{compute_views_direct, compute_views_gathered};
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "nulls.log",
        log_with_scattered_nulls(60_000, heavy, packets).as_bytes(),
    );
    let mut t = load_paths(&[p]);
    assert_eq!(t.len(), 60_000);
    // The frame in `chunks` chunks of 20,000 rows (every column cut at the same rows).
    let mut df = t.df.slice(0, 20_000);
    for c in 1..chunks {
        df.vstack_mut(&t.df.slice(c as i64 * 20_000, 20_000))
            .unwrap();
    }
    if chunks > 1 {
        t.df = df;
    }
    assert_eq!(t.len(), 60_000);
    assert!(t.df.columns().iter().all(|c| c.n_chunks() == chunks));
    let heavy_sum = packets * heavy.len() as u64;
    let ctx = QueryContext::default();
    let cache = ViewCache::default();
    for text in [
        "",
        "dstport == 443",
        "action == REJECT",
        "not srcaddr in 10.0.1.0/24",
    ] {
        let sel = select(&t, &parse(text).unwrap(), &ctx).unwrap();
        for side in [PortSide::Dst, PortSide::Src, PortSide::Either] {
            let opts = ViewOptions {
                port_side: side,
                with_pickers: true,
                top_n: 1000,
                ..ViewOptions::default()
            };
            let typed = compute_views_direct(&t, &cache, &sel, &opts);
            let gathered = compute_views_gathered(&t, &cache, &sel, &opts);
            let what = format!("{text:?} {side:?} heavy: {heavy:?}");
            assert_eq!(typed.totals, gathered.totals, "{what}");
            assert_eq!(typed.ports, gathered.ports, "{what}");
            assert_eq!(typed.sources, gathered.sources, "{what}");
            assert_eq!(typed.destinations, gathered.destinations, "{what}");
            assert_eq!(typed.conversations, gathered.conversations, "{what}");
            assert_eq!(typed.timeline, gathered.timeline, "{what}");
            assert_eq!(typed.protocols, gathered.protocols, "{what}");
            assert_eq!(typed.actions, gathered.actions, "{what}");
            assert_eq!(typed.pickers, gathered.pickers, "{what}");
            assert!(typed.totals.counts.flows() > 0, "{what}");
        }
    }
    // The nulls are there: some rows have no action, some no start, some no source.
    let all = select(&t, &parse("").unwrap(), &ctx).unwrap();
    let opts = ViewOptions {
        top_n: 1000,
        ..ViewOptions::default()
    };
    let v = compute_views_direct(&t, &cache, &all, &opts);
    assert!(v.actions.iter().any(|a| a.key == "-"));
    // The heavy source's packets are past 32 bits (its heavy flows' and its others').
    let top = v.sources.iter().map(|s| s.counts.packets()).max().unwrap();
    assert!(top >= heavy_sum);
    assert_eq!(top > u64::from(u32::MAX), heavy_sum > u64::from(u32::MAX));
    assert!(v.sources.iter().map(|s| s.counts.flows()).sum::<u64>() < 60_000);
}

/// A layout without `action`, ports or `packets`: every flow counts under "no action", the
/// totals still add up, and the missing counter sums to 0.
#[test]
fn views_of_a_layout_without_action_or_packets() {
    let dir = tempfile::tempdir().unwrap();
    let text = "srcaddr dstaddr bytes start\n\
                10.0.0.1 10.0.0.2 100 1000\n\
                10.0.0.1 10.0.0.3 - 1060\n\
                10.0.0.4 10.0.0.2 300 -\n";
    let p = write(dir.path(), "few.log", text.as_bytes());
    let t = load_paths(&[p]);
    assert_eq!(t.len(), 3);
    let all = select(&t, &parse("").unwrap(), &QueryContext::default()).unwrap();
    let v = compute_views(&t, &ViewCache::default(), &all, &ViewOptions::default());
    assert_eq!(v.totals.counts, Counts::new(3, 0, 400));
    assert_eq!((v.totals.accept, v.totals.reject), (0, 0));
    let actions: Vec<(String, Counts)> = v
        .actions
        .iter()
        .map(|r| (r.key.clone(), r.counts))
        .collect();
    assert_eq!(actions, vec![("-".to_string(), Counts::new(3, 0, 400))]);
    assert_eq!(v.sources[0].counts, Counts::new(2, 0, 100));
    let flows_in_time: u64 = v.timeline.buckets.iter().flatten().map(|c| c.flows()).sum();
    assert_eq!(
        flows_in_time, 2,
        "the row without a start is not on the timeline"
    );
    let sel = select(
        &t,
        &parse("dstaddr == 10.0.0.2").unwrap(),
        &QueryContext::default(),
    )
    .unwrap();
    let v = compute_views(&t, &ViewCache::default(), &sel, &ViewOptions::default());
    assert_eq!(v.totals.counts, Counts::new(2, 0, 400));
}
