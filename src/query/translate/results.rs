//! Athena's rows back into flowlens's views: the ports view into a [`PortHistogram`], the
//! timeline view into a [`Timeline`], so the app draws them with the same charts as local data.
//! Rows are text (Athena returns every value as a string); a row that does not parse is left out.

use crate::model::Counts;
use crate::query::views::{PortHistogram, Ranked, Timeline};

/// The value of `name` in a row of `columns`.
fn cell<'a>(columns: &[String], row: &'a [String], name: &str) -> Option<&'a str> {
    let i = columns.iter().position(|c| c == name)?;
    row.get(i).map(String::as_str)
}

fn counts(columns: &[String], row: &[String]) -> Option<Counts> {
    let n = |name: &str| cell(columns, row, name).and_then(|v| v.parse::<u64>().ok());
    Some(Counts::new(
        n("flows")?,
        n("packets").unwrap_or(0),
        n("bytes").unwrap_or(0),
    ))
}

/// A `… GROUP BY dstport` view as the port histogram (in the rows' order).
pub fn ports_of(columns: &[String], rows: &[Vec<String>], key: &str) -> PortHistogram {
    let ports = rows
        .iter()
        .filter_map(|r| {
            let port = cell(columns, r, key)?.parse::<u16>().ok()?;
            Some(Ranked {
                key: port,
                counts: counts(columns, r)?,
            })
        })
        .collect();
    PortHistogram {
        ports,
        other: Counts::ZERO,
    }
}

/// The timeline view (`bucket`, `lane`, counts) as a timeline of `bucket_secs` buckets.
pub fn timeline_of(columns: &[String], rows: &[Vec<String>], bucket_secs: u64) -> Timeline {
    let parsed: Vec<(u64, usize, Counts)> = rows
        .iter()
        .filter_map(|r| {
            let at = cell(columns, r, "bucket")?.parse::<u64>().ok()?;
            let lane = match cell(columns, r, "lane") {
                Some("ACCEPT") => 0,
                Some("REJECT") => 1,
                _ => 2,
            };
            Some((at, lane, counts(columns, r)?))
        })
        .collect();
    let b = bucket_secs.max(1);
    let Some(start) = parsed.iter().map(|p| p.0).min() else {
        return Timeline {
            bucket_secs: b,
            ..Timeline::default()
        };
    };
    let end = parsed.iter().map(|p| p.0).max().unwrap_or(start);
    // At most ten thousand buckets (a sparse answer over years is drawn coarser).
    let n = ((end - start) / b + 1).min(10_000) as usize;
    let mut buckets = vec![[Counts::ZERO; 3]; n];
    for (at, lane, c) in parsed {
        let i = (((at - start) / b) as usize).min(n - 1);
        if let Some(slot) = buckets.get_mut(i).and_then(|l| l.get_mut(lane)) {
            *slot += c;
        }
    }
    Timeline {
        start,
        bucket_secs: b,
        buckets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn rows_become_views() {
        let cols = s(&["dstport", "flows", "packets", "bytes"]);
        let rows = vec![
            s(&["443", "10", "20", "30"]),
            s(&["-", "1", "1", "1"]),
            s(&["22", "5", "6", "7"]),
        ];
        let h = ports_of(&cols, &rows, "dstport");
        assert_eq!(h.ports.len(), 2);
        assert_eq!(h.ports[0].key, 443);
        assert_eq!(h.ports[1].counts, Counts::new(5, 6, 7));
        let cols = s(&["bucket", "lane", "flows", "packets", "bytes"]);
        let rows = vec![
            s(&["7200", "ACCEPT", "3", "4", "5"]),
            s(&["7200", "REJECT", "1", "1", "1"]),
            s(&["14400", "other", "2", "0", "0"]),
        ];
        let t = timeline_of(&cols, &rows, 3600);
        assert_eq!((t.start, t.buckets.len()), (7200, 3));
        assert_eq!(t.buckets[0][0].flows(), 3);
        assert_eq!(t.buckets[0][1].flows(), 1);
        assert_eq!(t.buckets[1][0].flows(), 0);
        assert_eq!(t.buckets[2][2].flows(), 2);
    }
}
