//! What a view counts, and the (flows, packets, bytes) triple it counts in.

use std::ops::{AddAssign, Index, IndexMut};

/// What a view counts.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Metric {
    /// Number of flow records.
    #[default]
    Flows,
    /// Sum of `packets`.
    Packets,
    /// Sum of `bytes`.
    Bytes,
}

impl Metric {
    /// Every metric, in the order tables print them.
    pub const ALL: [Metric; 3] = [Metric::Flows, Metric::Packets, Metric::Bytes];

    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Flows => "flows",
            Metric::Packets => "packets",
            Metric::Bytes => "bytes",
        }
    }

    #[inline]
    fn slot(self) -> usize {
        match self {
            Metric::Flows => 0,
            Metric::Packets => 1,
            Metric::Bytes => 2,
        }
    }
}

/// Flows, packets and bytes of some flow records, read by [`Metric`] (`counts[Metric::Bytes]`)
/// or by name (`counts.bytes()`), never by position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts([u64; 3]);

impl Counts {
    /// Nothing counted.
    pub const ZERO: Counts = Counts([0; 3]);

    /// The counts of `flows` records with these sums.
    #[inline]
    pub const fn new(flows: u64, packets: u64, bytes: u64) -> Counts {
        Counts([flows, packets, bytes])
    }

    /// One flow record with these packets and bytes.
    #[inline]
    pub const fn one(packets: u64, bytes: u64) -> Counts {
        Counts([1, packets, bytes])
    }

    /// Number of flow records.
    #[inline]
    pub const fn flows(self) -> u64 {
        self.0[0]
    }

    /// Sum of `packets`.
    #[inline]
    pub const fn packets(self) -> u64 {
        self.0[1]
    }

    /// Sum of `bytes`.
    #[inline]
    pub const fn bytes(self) -> u64 {
        self.0[2]
    }

    /// Each count less the other's, at least 0.
    #[inline]
    #[must_use]
    pub fn saturating_sub(self, other: Counts) -> Counts {
        Counts([
            self.0[0].saturating_sub(other.0[0]),
            self.0[1].saturating_sub(other.0[1]),
            self.0[2].saturating_sub(other.0[2]),
        ])
    }

    /// `(metric, value)` in the order of [`Metric::ALL`] (tables print them in that order).
    pub fn iter(self) -> impl Iterator<Item = (Metric, u64)> {
        Metric::ALL.into_iter().map(move |m| (m, self[m]))
    }
}

impl AddAssign for Counts {
    #[inline]
    fn add_assign(&mut self, other: Counts) {
        self.0[0] += other.0[0];
        self.0[1] += other.0[1];
        self.0[2] += other.0[2];
    }
}

impl Index<Metric> for Counts {
    type Output = u64;

    #[inline]
    fn index(&self, m: Metric) -> &u64 {
        &self.0[m.slot()]
    }
}

impl IndexMut<Metric> for Counts {
    #[inline]
    fn index_mut(&mut self, m: Metric) -> &mut u64 {
        &mut self.0[m.slot()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_by_metric() {
        let mut c = Counts::new(1, 20, 300);
        c += Counts::one(5, 7);
        assert_eq!((c.flows(), c.packets(), c.bytes()), (2, 25, 307));
        assert_eq!(c[Metric::Packets], 25);
        c[Metric::Bytes] = 1;
        assert_eq!(
            c.saturating_sub(Counts::new(5, 5, 5)),
            Counts::new(0, 20, 0)
        );
        let order: Vec<u64> = c.iter().map(|(_, v)| v).collect();
        assert_eq!(order, [2, 25, 1]);
    }
}
