//! Address ranges with labels, flattened so one binary search finds the most specific.

use ipnet::IpNet;

use crate::model::addr::net_key_range;

/// Non-overlapping address spans, each with the label of the most specific prefix over it.
#[derive(Debug, Default)]
pub(super) struct RangeMap {
    spans: Vec<(u128, u128, u32)>,
}

impl RangeMap {
    /// `ranges`: (network, label index, priority among identical networks).
    pub(super) fn new(mut ranges: Vec<(IpNet, u32, u8)>) -> RangeMap {
        ranges.sort_by_key(|(n, _, p)| {
            let (lo, hi) = net_key_range(n);
            (lo, std::cmp::Reverse(hi), *p)
        });
        let mut spans = Vec::new();
        let mut stack: Vec<(u128, u128, u32)> = Vec::new();
        let mut cursor: u128 = 0;
        let emit = |spans: &mut Vec<(u128, u128, u32)>, lo: u128, hi: u128, idx: u32| {
            if lo <= hi {
                spans.push((lo, hi, idx));
            }
        };
        for (net, idx, _) in ranges {
            let (lo, hi) = net_key_range(&net);
            while let Some(&(_, thi, tidx)) = stack.last() {
                if thi >= lo {
                    break;
                }
                emit(&mut spans, cursor, thi, tidx);
                cursor = thi.saturating_add(1);
                stack.pop();
            }
            if let Some(top) = stack.last_mut() {
                if (top.0, top.1) == (lo, hi) {
                    // The same network again: the later one sorts higher (a service over AMAZON).
                    top.2 = idx;
                    continue;
                }
                if cursor < lo {
                    emit(&mut spans, cursor, lo - 1, top.2);
                }
            }
            cursor = cursor.max(lo);
            stack.push((lo, hi, idx));
        }
        while let Some((_, thi, tidx)) = stack.pop() {
            emit(&mut spans, cursor, thi, tidx);
            cursor = thi.saturating_add(1);
        }
        RangeMap { spans }
    }

    pub(super) fn get(&self, key: u128) -> Option<u32> {
        let i = self.spans.partition_point(|s| s.0 <= key).checked_sub(1)?;
        let (_, hi, idx) = self.spans.get(i)?;
        (key <= *hi).then_some(*idx)
    }
}
