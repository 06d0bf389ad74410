//! A seeded generator of realistic VPC Flow Logs (default v2 format).
//!
//! Models one VPC (10.0.0.0/16) with load balancers, NAT gateways, a bastion, web, app, database,
//! cache, DNS and monitoring hosts; internet clients and AWS endpoints drawn from Zipf-like pools;
//! scanners that are mostly rejected; NODATA/SKIPDATA rows with `-`; some IPv6; a diurnal load
//! curve. Both directions of a connection are logged on the capturing ENI, as AWS does. The same
//! options always give byte-identical output. It wrote the sample under `assets/`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::world::{Host, Rng, World};

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Total records.
    pub records: u64,
    /// Number of files (records are split evenly, consecutive time slices).
    pub files: u32,
    /// RNG seed.
    pub seed: u64,
    /// First second covered.
    pub start: u64,
    /// Seconds covered.
    pub span: u64,
    /// Write the S3 header line.
    pub header: bool,
    /// gzip the files.
    pub gzip: bool,
    /// Also write the matching context files (`context/`: describe-* JSON, ip-ranges.json,
    /// labels.csv).
    pub context: bool,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            records: 100_000,
            files: 1,
            seed: 20_240_301,
            start: 1_709_251_200, // 2024-03-01T00:00:00Z
            span: 86_400,
            header: true,
            gzip: true,
            context: false,
        }
    }
}

struct Rec<'a> {
    host: &'a Host,
    src: &'a str,
    dst: &'a str,
    sport: u64,
    dport: u64,
    proto: u8,
    packets: u64,
    bytes: u64,
    start: u64,
    end: u64,
    reject: bool,
}

/// Generates the files into `dir`; returns their paths.
pub fn generate(dir: &Path, opts: &GenOptions) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng(opts.seed);
    let world = World::new(&mut rng);
    let files = opts.files.max(1);
    // Records per file follow the daily load curve over each file's time slice, so the
    // timeline is smooth across file boundaries.
    let weights: Vec<f64> = (0..files)
        .map(|f| {
            let t0 = opts.start + opts.span * u64::from(f) / u64::from(files);
            let t1 = opts.start + opts.span * u64::from(f + 1) / u64::from(files);
            (0..64)
                .map(|k| load_at(t0 + (t1 - t0) * k / 64))
                .sum::<f64>()
        })
        .collect();
    let total_w: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut counts: Vec<u64> = weights
        .iter()
        .map(|w| (opts.records as f64 * w / total_w).floor() as u64)
        .collect();
    let assigned: u64 = counts.iter().sum();
    if let Some(last) = counts.last_mut() {
        *last += opts.records.saturating_sub(assigned);
    }
    let mut paths = Vec::new();
    for f in 0..files {
        let n = counts.get(f as usize).copied().unwrap_or(0);
        let t0 = opts.start + opts.span * u64::from(f) / u64::from(files);
        let t1 = opts.start + opts.span * u64::from(f + 1) / u64::from(files);
        let stamp = crate::fmt::format_epoch(t1);
        let compact: String = stamp
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == 'T')
            .collect();
        let name = format!(
            "{}_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_{}Z_{:08x}.log{}",
            world.accounts[0],
            compact.get(..13).unwrap_or(&compact),
            rng.next() as u32,
            if opts.gzip { ".gz" } else { "" }
        );
        let path = dir.join(name);
        let file = BufWriter::new(File::create(&path)?);
        let mut out: Box<dyn Write> = if opts.gzip {
            Box::new(GzEncoder::new(file, Compression::new(6)))
        } else {
            Box::new(file)
        };
        if opts.header {
            writeln!(out, "{}", crate::model::schema::DEFAULT_FORMAT.join(" "))?;
        }
        write_records(&mut out, &world, &mut rng, n, t0, t1)?;
        out.flush()?;
        drop(out);
        paths.push(path);
    }
    if opts.context {
        paths.extend(super::context::write_context(dir, &world)?);
    }
    Ok(paths)
}

fn write_records(
    out: &mut dyn Write,
    w: &World,
    rng: &mut Rng,
    n: u64,
    t0: u64,
    t1: u64,
) -> io::Result<()> {
    let mut lines: Vec<(u64, String)> = Vec::with_capacity(n as usize);
    let span = (t1 - t0).max(1);
    while (lines.len() as u64) < n {
        // Diurnal curve: more traffic in the (UTC) afternoon.
        let start = loop {
            let t = t0 + rng.below(span);
            if rng.unit() < load_at(t) {
                break t;
            }
        };
        emit(&mut lines, w, rng, start);
    }
    lines.truncate(n as usize);
    lines.sort_by_key(|(end, _)| *end);
    for (_, line) in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Relative traffic at epoch second `t` (0.1 to 1): a daily curve peaking mid-afternoon UTC.
fn load_at(t: u64) -> f64 {
    let hour = (t % 86_400) as f64 / 3600.0;
    0.55 + 0.45 * ((hour - 15.0) / 24.0 * std::f64::consts::TAU).cos()
}

fn push(lines: &mut Vec<(u64, String)>, w: &World, r: &Rec<'_>) {
    let line = format!(
        "2 {} {} {} {} {} {} {} {} {} {} {} {} OK",
        w.accounts[r.host.account],
        r.host.eni,
        r.src,
        r.dst,
        r.sport,
        r.dport,
        r.proto,
        r.packets,
        r.bytes,
        r.start,
        r.end,
        if r.reject { "REJECT" } else { "ACCEPT" }
    );
    lines.push((r.end, line));
}

/// Logs a connection on `host`'s ENI: the request and, when accepted, the response.
#[allow(clippy::too_many_arguments)]
fn conversation(
    lines: &mut Vec<(u64, String)>,
    w: &World,
    rng: &mut Rng,
    host: &Host,
    client: &str,
    server: &str,
    dport: u64,
    proto: u8,
    start: u64,
    size: f64,
    reject: bool,
) {
    let sport = if proto == 1 || proto == 58 {
        0
    } else {
        rng.range(32768, 60999)
    };
    let dport = if proto == 1 || proto == 58 { 0 } else { dport };
    let packets = 1 + (size * rng.unit().powi(3) * 40.0) as u64;
    let dur = if packets > 2 { rng.below(55) + 1 } else { 0 };
    let req = Rec {
        host,
        src: client,
        dst: server,
        sport,
        dport,
        proto,
        packets,
        bytes: packets * rng.range(52, 400),
        start,
        end: start + dur,
        reject,
    };
    push(lines, w, &req);
    if !reject {
        let back = 1 + packets * rng.range(8, 14) / 10;
        let resp = Rec {
            src: server,
            dst: client,
            sport: dport,
            dport: sport,
            packets: back,
            bytes: back * rng.range(300, 1450),
            ..req
        };
        push(lines, w, &resp);
    }
}

/// One conversation of a random kind, starting at `start`.
fn emit(lines: &mut Vec<(u64, String)>, w: &World, rng: &mut Rng, start: u64) {
    let kind = rng.below(1000);
    if kind < 840 {
        emit_service(lines, w, rng, start, kind);
    } else {
        emit_edge(lines, w, rng, start, kind);
    }
}

/// The services' own traffic: clients, tiers, egress, DNS, NTP, monitoring (`kind` < 840).
fn emit_service(lines: &mut Vec<(u64, String)>, w: &World, rng: &mut Rng, start: u64, kind: u64) {
    match kind {
        // Internet clients → load balancers (HTTPS, some HTTP).
        0..=279 => {
            let alb = w.pick_host(rng, "alb");
            let client = w.clients.pick(rng);
            let port = if rng.unit() < 0.9 { 443 } else { 80 };
            conversation(
                lines, w, rng, &alb, &client, &alb.ip, port, 6, start, 3.0, false,
            );
        }
        // Load balancers → app targets.
        280..=459 => {
            let alb = w.pick_host(rng, "alb");
            let app = w.pick_host(rng, "app");
            conversation(
                lines, w, rng, &app, &alb.ip, &app.ip, 8080, 6, start, 4.0, false,
            );
        }
        // App → databases and caches.
        460..=599 => {
            let app = w.pick_host(rng, "app");
            let (role, port) = if rng.unit() < 0.6 {
                ("db", 5432)
            } else {
                ("cache", 6379)
            };
            let srv = w.pick_host(rng, role);
            conversation(
                lines, w, rng, &app, &app.ip, &srv.ip, port, 6, start, 6.0, false,
            );
        }
        // Egress through NAT to AWS and SaaS endpoints.
        600..=709 => {
            let nat = w.pick_host(rng, "nat");
            let ep = w.endpoints.pick(rng);
            conversation(lines, w, rng, &nat, &nat.ip, &ep, 443, 6, start, 8.0, false);
        }
        // DNS and NTP.
        710..=789 => {
            let app = w.pick_host(rng, "app");
            let dns = w.pick_host(rng, "dns");
            conversation(
                lines, w, rng, &app, &app.ip, &dns.ip, 53, 17, start, 0.1, false,
            );
        }
        790..=799 => {
            let dns = w.pick_host(rng, "dns");
            conversation(
                lines,
                w,
                rng,
                &dns,
                &dns.ip,
                "169.254.169.123",
                123,
                17,
                start,
                0.1,
                false,
            );
        }
        // Monitoring scrapes.
        800..=839 => {
            let mon = w.pick_host(rng, "mon");
            let app = w.pick_host(rng, "app");
            conversation(
                lines, w, rng, &app, &mon.ip, &app.ip, 9100, 6, start, 1.0, false,
            );
        }
        _ => {}
    }
}

/// The edge: admin access, scanners, ICMP, IPv6 clients, NODATA/SKIPDATA windows (`kind` ≥ 840).
fn emit_edge(lines: &mut Vec<(u64, String)>, w: &World, rng: &mut Rng, start: u64, kind: u64) {
    match kind {
        // SSH from the office to the bastion; RDP attempts rejected.
        840..=849 => {
            let b = w.pick_host(rng, "bastion");
            let office = w.office.pick(rng);
            conversation(lines, w, rng, &b, &office, &b.ip, 22, 6, start, 5.0, false);
        }
        // Scanners probing public hosts: mostly rejected.
        850..=949 => {
            let target = if rng.unit() < 0.5 {
                w.pick_host(rng, "web")
            } else {
                w.pick_host(rng, "alb")
            };
            let scanner = w.scanners.pick(rng);
            const PORTS: [u64; 12] = [
                22, 23, 80, 443, 445, 3389, 8080, 1433, 3306, 5900, 6379, 9200,
            ];
            let port = if rng.unit() < 0.6 {
                PORTS[rng.below(PORTS.len() as u64) as usize]
            } else {
                rng.range(1, 65535)
            };
            let open = (port == 443 || port == 80) && rng.unit() < 0.8;
            let proto = if rng.unit() < 0.93 { 6 } else { 17 };
            conversation(
                lines, w, rng, &target, &scanner, &target.ip, port, proto, start, 0.05, !open,
            );
        }
        // ICMP.
        950..=964 => {
            let web = w.pick_host(rng, "web");
            let c = w.clients.pick(rng);
            let rejected = rng.unit() < 0.3;
            conversation(lines, w, rng, &web, &c, &web.ip, 0, 1, start, 0.2, rejected);
        }
        // IPv6 clients → dual-stack web servers.
        965..=989 => {
            let web = w.pick_host(rng, "web");
            let c = w.v6_clients.pick(rng);
            let ip6 = format!(
                "2600:1f18:4a3b:e804::{:x}",
                16 + web.eni.len() + (web.ip.len() % 7)
            );
            conversation(lines, w, rng, &web, &c, &ip6, 443, 6, start, 2.0, false);
        }
        // NODATA / SKIPDATA windows.
        _ => {
            let role = ["app", "db", "web", "cache"][rng.below(4) as usize];
            let h = w.pick_host(rng, role);
            let status = if rng.unit() < 0.85 {
                "NODATA"
            } else {
                "SKIPDATA"
            };
            let s = start - start % 60;
            lines.push((
                s + 59,
                format!(
                    "2 {} {} - - - - - - - {} {} - {}",
                    w.accounts[h.account],
                    h.eni,
                    s,
                    s + 59,
                    status
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_exact_count() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GenOptions {
            records: 2000,
            files: 2,
            gzip: false,
            ..GenOptions::default()
        };
        let a = generate(&dir.path().join("a"), &opts).unwrap();
        let b = generate(&dir.path().join("b"), &opts).unwrap();
        assert_eq!(a.len(), 2);
        let mut lines = 0;
        for (x, y) in a.iter().zip(&b) {
            let tx = std::fs::read_to_string(x).unwrap();
            assert_eq!(tx, std::fs::read_to_string(y).unwrap());
            lines += tx.lines().count() - 1; // header
        }
        assert_eq!(lines, 2000);
    }
}
