//! Time comparisons read through the zone maps select exactly the rows the plain scan does.

use flowlens::query::filter::parse;
use flowlens::query::{QueryContext, ViewCache, select, select_in};

use crate::util::{HEADER, load_paths, write};

/// 60,000 flows in time order with exceptions: every 97th starts an hour early, every 1,000th
/// has no `start`, every 1,001st no `end`.
fn mostly_ordered_log() -> String {
    let mut text = format!("{HEADER}\n");
    for i in 0..60_000u64 {
        let mut start = 1_700_000_000 + i / 100;
        if i % 97 == 0 {
            start -= 3_600;
        }
        let end = start + i % 60;
        let start_text = if i % 1_000 == 0 {
            "-".to_string()
        } else {
            start.to_string()
        };
        let end_text = if i % 1_001 == 0 {
            "-".to_string()
        } else {
            end.to_string()
        };
        text.push_str(&format!(
            "2 1 eni-1 10.0.0.{} 10.0.1.1 {} 443 6 1 100 {start_text} {end_text} ACCEPT OK\n",
            i % 200,
            1024 + i % 5_000
        ));
    }
    text
}

/// Every comparison operator on `start` and `end`, at values that fall on zone bounds, inside
/// zones, before and after every row, and combined: the zone maps change nothing but the work.
#[test]
fn time_comparisons_through_zone_maps_equal_the_plain_scan() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "ordered.log", mostly_ordered_log().as_bytes());
    let mut t = load_paths(&[p]);
    assert_eq!(t.len(), 60_000);
    // Three chunks, so zones of every chunk are read.
    let mut df = t.df.slice(0, 20_000);
    for c in 1..3 {
        df.vstack_mut(&t.df.slice(c * 20_000, 20_000)).unwrap();
    }
    t.df = df;
    let ctx = QueryContext::default();
    let cache = ViewCache::default();
    let base = 1_700_000_000u64;
    // The first rows of the second zone (8,192 rows of 100 per second), the last row's, a
    // shifted row's, a value no row has, and beyond both ends.
    let values = [
        base - 3_600,
        base,
        base + 81,
        base + 82,
        base + 83,
        base + 300,
        base + 599,
        base + 600,
        base + 1_000,
        base - 1,
        0,
    ];
    let mut checked = 0;
    let mut kept_some = 0;
    for field in ["start", "end"] {
        for op in ["==", "!=", "<", "<=", ">", ">="] {
            for v in values {
                let text = format!("{field} {op} {v}");
                let f = parse(&text).unwrap();
                let plain = select(&t, &f, &ctx).unwrap();
                let zoned = select_in(&t, &cache, &f, &ctx).unwrap();
                assert_eq!(plain.count, zoned.count, "{text}");
                assert_eq!(plain.masks, zoned.masks, "{text}");
                checked += 1;
                kept_some += usize::from(plain.count > 0 && plain.count < 60_000);
            }
        }
    }
    assert_eq!(checked, 132);
    assert!(kept_some > 60, "most comparisons keep part of the rows");
    for text in [
        "start >= 1700000100 and start < 1700000200",
        "not (start < 1700000300) and dstport == 443",
        "start < 1700000050 or end > 1700000550",
    ] {
        let f = parse(text).unwrap();
        let plain = select(&t, &f, &ctx).unwrap();
        let zoned = select_in(&t, &cache, &f, &ctx).unwrap();
        assert_eq!(plain.masks, zoned.masks, "{text}");
        assert!(plain.count > 0, "{text}");
    }
    // Nulls never pass, even where a zone is kept whole: `start != 0` keeps every zone.
    let all_but_null = select_in(&t, &cache, &parse("start != 0").unwrap(), &ctx).unwrap();
    assert_eq!(all_but_null.count, 60_000 - 60);
}
