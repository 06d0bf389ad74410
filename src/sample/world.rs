//! The world the sample models: one VPC (10.0.0.0/16) of hosts by role, each with its interface,
//! the internet's clients, scanners and endpoints, and the seeded random source that draws them.
//! `generate` writes its flows, `context` its inventory.

use std::net::{Ipv4Addr, Ipv6Addr};

/// SplitMix64: small, fast, good enough for synthetic data, fully deterministic.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(super) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

/// A pool of items with Zipf-like weights (item 0 heaviest).
pub(super) struct Pool<T> {
    items: Vec<T>,
    cdf: Vec<f64>,
}

impl<T: Clone> Pool<T> {
    pub(super) fn new(items: Vec<T>, s: f64) -> Pool<T> {
        let mut acc = 0.0;
        let mut cdf = Vec::with_capacity(items.len());
        for i in 0..items.len() {
            acc += 1.0 / ((i + 1) as f64).powf(s);
            cdf.push(acc);
        }
        let total = acc.max(f64::MIN_POSITIVE);
        for c in &mut cdf {
            *c /= total;
        }
        Pool { items, cdf }
    }
    pub(super) fn pick(&self, rng: &mut Rng) -> T {
        let u = rng.unit();
        let i = self
            .cdf
            .partition_point(|c| *c < u)
            .min(self.items.len() - 1);
        self.items[i].clone()
    }
}

#[derive(Clone)]
pub(super) struct Host {
    pub(super) ip: String,
    pub(super) eni: String,
    pub(super) account: usize,
}

pub(super) struct World {
    pub(super) accounts: [String; 2],
    pub(super) roles: Vec<(&'static str, Vec<Host>)>,
    pub(super) clients: Pool<String>,
    pub(super) v6_clients: Pool<String>,
    pub(super) endpoints: Pool<String>,
    pub(super) scanners: Pool<String>,
    pub(super) office: Pool<String>,
}

impl World {
    pub(super) fn new(rng: &mut Rng) -> World {
        let accounts = [
            format!("{:012}", rng.range(100_000_000_000, 999_999_999_999)),
            format!("{:012}", rng.range(100_000_000_000, 999_999_999_999)),
        ];
        let mut used = std::collections::HashSet::new();
        let mut host = |rng: &mut Rng, subnet: [u8; 3], span: u64, shared: f64| loop {
            let off = rng.range(4, span * 256 - 2);
            let ip = Ipv4Addr::new(
                subnet[0],
                subnet[1],
                subnet[2] + (off / 256) as u8,
                (off % 256) as u8,
            );
            if used.insert(ip) {
                let eni = format!("eni-{:017x}", rng.next() >> 4);
                let account = usize::from(rng.unit() < shared);
                break Host {
                    ip: ip.to_string(),
                    eni,
                    account,
                };
            }
        };
        let mut roles = Vec::new();
        let spec: [(&str, usize, [u8; 3], u64, f64); 9] = [
            ("alb", 4, [10, 0, 0], 1, 0.0),
            ("nat", 2, [10, 0, 4], 1, 0.0),
            ("bastion", 1, [10, 0, 0], 1, 0.0),
            ("web", 6, [10, 0, 4], 1, 0.0),
            ("app", 40, [10, 0, 1], 3, 0.15),
            ("db", 4, [10, 0, 10], 2, 0.0),
            ("cache", 3, [10, 0, 10], 2, 0.0),
            ("dns", 2, [10, 0, 64], 1, 0.0),
            ("mon", 2, [10, 0, 64], 1, 0.0),
        ];
        for (name, n, subnet, span, shared) in spec {
            let hosts = (0..n).map(|_| host(rng, subnet, span, shared)).collect();
            roles.push((name, hosts));
        }
        let public = |rng: &mut Rng| loop {
            let ip = Ipv4Addr::from(rng.next() as u32);
            let o = ip.octets();
            if !(ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_multicast()
                || o[0] == 0
                || o[0] >= 224
                || (o[0] == 100 && (64..128).contains(&o[1])))
            {
                break ip.to_string();
            }
        };
        let clients = Pool::new((0..3000).map(|_| public(rng)).collect(), 1.05);
        let scanners = Pool::new((0..300).map(|_| public(rng)).collect(), 0.9);
        let endpoints = Pool::new(
            (0..120)
                .map(|_| {
                    let p = [[52, 216], [3, 5], [54, 231], [140, 82], [151, 101]]
                        [rng.below(5) as usize];
                    Ipv4Addr::new(p[0], p[1], rng.below(256) as u8, rng.below(256) as u8)
                        .to_string()
                })
                .collect(),
            1.2,
        );
        let office = Pool::new(vec!["203.0.113.10".into(), "198.51.100.77".into()], 0.5);
        let v6_clients = Pool::new(
            (0..200)
                .map(|_| {
                    Ipv6Addr::new(
                        0x2a02,
                        0x8100 + rng.below(16) as u16,
                        rng.below(65536) as u16,
                        0,
                        0,
                        0,
                        rng.below(65536) as u16,
                        rng.below(65536) as u16,
                    )
                    .to_string()
                })
                .collect(),
            1.0,
        );
        World {
            accounts,
            roles,
            clients,
            v6_clients,
            endpoints,
            scanners,
            office,
        }
    }

    pub(super) fn role(&self, name: &str) -> &[Host] {
        self.roles
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, h)| h.as_slice())
    }

    pub(super) fn pick_host(&self, rng: &mut Rng, name: &str) -> Host {
        let hosts = self.role(name);
        // Skewed: low indexes are busier.
        let u = rng.unit();
        let i = ((u * u) * hosts.len() as f64) as usize;
        hosts[i.min(hosts.len() - 1)].clone()
    }
}
