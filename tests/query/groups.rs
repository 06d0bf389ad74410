//! The rules' grouping of flows (`flowlens explain`, `flowlens rules`) against a direct count.

use flowlens::query::filter::parse;
use flowlens::query::{QueryContext, select};

use crate::util::{HEADER, load_paths, seeded, write};

/// The rules' grouping (interface, srcaddr, dstaddr, dstport, protocol, action) against a
/// direct count of the written lines: many groups (every partition of the grouping's maps), nulls
/// in each key field apart from the addresses (a null port or protocol is a group of its own,
/// shown as 0 beside a real 0), the lowest source port and earliest start per group, and
/// records without addresses left out; over three files, so three chunks are merged.
#[test]
fn flow_groups_match_a_direct_count() {
    use std::collections::BTreeMap;
    let dir = tempfile::tempdir().unwrap();
    let mut next = seeded(0x9e37_79b9_7f4a_7c15);
    type GroupKey = (String, String, String, String, String, String);
    let mut want: BTreeMap<GroupKey, (u64, u64, u64, u64, u64)> = BTreeMap::new();
    let mut paths = Vec::new();
    for f in 0..3 {
        let mut text = format!("{HEADER}\n");
        for _ in 0..4000 {
            let maybe = |v: String, r: u64| if r == 0 { "-".to_owned() } else { v };
            let eni = maybe(format!("eni-{}", next(3)), next(6));
            let src = format!("10.0.{}.{}", next(4), next(40));
            let dst = format!("10.1.{}.{}", next(4), next(40));
            let sport = 1000 + next(60_000);
            let dport = maybe(["0", "22", "443"][next(3) as usize].to_owned(), next(6));
            let proto = maybe(["0", "6", "17"][next(3) as usize].to_owned(), next(6));
            let action = maybe(["ACCEPT", "REJECT"][next(2) as usize].to_owned(), next(6));
            let (packets, bytes, start) =
                (1 + next(50), 40 + next(100_000), 1_700_000_000 + next(3600));
            text.push_str(&format!(
                "2 1 {eni} {src} {dst} {sport} {dport} {proto} {packets} {bytes} {start} {} {action} OK\n",
                start + 60
            ));
            let e = want
                .entry((eni, src, dst, dport, proto, action))
                .or_insert((0, 0, 0, u64::MAX, u64::MAX));
            e.0 += 1;
            e.1 += packets;
            e.2 += bytes;
            e.3 = e.3.min(sport);
            e.4 = e.4.min(start);
        }
        // A record without addresses is in no group.
        text.push_str("2 1 eni-0 - - - - - - - 1700000000 1700000060 - NODATA\n");
        paths.push(write(dir.path(), &format!("g{f}.log"), text.as_bytes()));
    }
    let t = load_paths(&paths);
    assert_eq!(t.len(), 12_003);
    let sel = select(&t, &parse("").unwrap(), &QueryContext::default()).unwrap();
    let groups = flowlens::query::rules::flow_groups(&t, &sel);
    // As flowlens shows them: nulls as "" (strings) and 0 (numbers).
    let shown = |v: &str, null: &str| {
        if v == "-" {
            null.to_owned()
        } else {
            v.to_owned()
        }
    };
    let mut expected: Vec<_> = want
        .iter()
        .map(|((eni, src, dst, dport, proto, action), v)| {
            (
                shown(eni, ""),
                src.clone(),
                dst.clone(),
                shown(dport, "0"),
                shown(proto, "0"),
                shown(action, ""),
                *v,
            )
        })
        .collect();
    let mut got: Vec<_> = groups
        .iter()
        .map(|g| {
            (
                g.flow.interface.to_string(),
                g.flow.src.to_string(),
                g.flow.dst.to_string(),
                g.flow.dstport.to_string(),
                g.flow.protocol.to_string(),
                g.action.to_string(),
                (
                    g.flows,
                    g.packets,
                    g.bytes,
                    u64::from(g.flow.srcport),
                    g.first,
                ),
            )
        })
        .collect();
    assert!(expected.len() > 5000, "{} groups", expected.len());
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    // Most flows first.
    assert!(groups.windows(2).all(|w| w[0].flows >= w[1].flows));
}
