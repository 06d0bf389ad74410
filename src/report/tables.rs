//! The views as CSV tables (`ports.csv`, `sources.csv`, …).

use super::rows::csv_escape;
use crate::fmt::format_epoch;
use crate::model::FlowTable;
use crate::model::names::{protocol_name, service_name};
use crate::query::Views;
use crate::query::click::addr_text;
use crate::query::labels::Labels;

/// One CSV line (escaped cells, newline-terminated).
pub(super) fn csv_row(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_escape(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// The names of the tables [`tables`] writes, in its order.
pub const TABLE_NAMES: [&str; 7] = [
    "ports.csv",
    "sources.csv",
    "destinations.csv",
    "conversations.csv",
    "protocols.csv",
    "actions.csv",
    "timeline.csv",
];

/// The tables of a view as CSV files: (file name, contents).
pub fn tables(views: &Views, table: &FlowTable, labels: Option<&Labels>) -> Vec<(String, String)> {
    let n = |v: u64| v.to_string();
    let mut out = Vec::new();
    let mut ports = csv_row(&["port", "service", "flows", "packets", "bytes"].map(String::from));
    for p in &views.ports.ports {
        let svc = service_name(p.key).unwrap_or("").to_owned();
        ports += &csv_row(&[
            p.key.to_string(),
            svc,
            n(p.counts.flows()),
            n(p.counts.packets()),
            n(p.counts.bytes()),
        ]);
    }
    let o = views.ports.other;
    ports += &csv_row(&[
        "other".into(),
        String::new(),
        n(o.flows()),
        n(o.packets()),
        n(o.bytes()),
    ]);
    out.push(("ports.csv".to_owned(), ports));
    address_tables(views, table, labels, &mut out);
    let mut protos = csv_row(&["protocol", "name", "flows", "packets", "bytes"].map(String::from));
    for p in &views.protocols {
        let name = protocol_name(p.key).unwrap_or("").to_owned();
        protos += &csv_row(&[
            p.key.to_string(),
            name,
            n(p.counts.flows()),
            n(p.counts.packets()),
            n(p.counts.bytes()),
        ]);
    }
    out.push(("protocols.csv".to_owned(), protos));
    let mut actions = csv_row(&["action", "flows", "packets", "bytes"].map(String::from));
    for a in &views.actions {
        actions += &csv_row(&[
            a.key.clone(),
            n(a.counts.flows()),
            n(a.counts.packets()),
            n(a.counts.bytes()),
        ]);
    }
    out.push(("actions.csv".to_owned(), actions));
    let tl = &views.timeline;
    let mut timeline = csv_row(&["bucket_start", "accept", "reject", "other"].map(String::from));
    for (i, b) in tl.buckets.iter().enumerate() {
        timeline += &csv_row(&[
            format_epoch(tl.start + i as u64 * tl.bucket_secs),
            n(b[0].flows()),
            n(b[1].flows()),
            n(b[2].flows()),
        ]);
    }
    out.push(("timeline.csv".to_owned(), timeline));
    out
}

/// `sources.csv`, `destinations.csv` and `conversations.csv`; with context, each address is
/// followed by its name.
fn address_tables(
    views: &Views,
    table: &FlowTable,
    labels: Option<&Labels>,
    out: &mut Vec<(String, String)>,
) {
    let n = |v: u64| v.to_string();
    // With context, every address carries its name.
    let name = |id: u32| -> String {
        let key = table.addrs.get(id as usize).copied();
        key.zip(labels)
            .and_then(|(k, l)| l.addr_label(k).map(|c| c.into_owned()))
            .unwrap_or_default()
    };
    let named = |cells: Vec<(String, Option<u32>)>| -> Vec<String> {
        let mut out = Vec::new();
        for (text, id) in cells {
            out.push(text);
            if let Some(id) = id.filter(|_| labels.is_some()) {
                out.push(name(id));
            }
        }
        out
    };
    let header = |cols: &[(&str, Option<&str>)]| -> Vec<String> {
        let mut out = Vec::new();
        for (c, label) in cols {
            out.push((*c).to_owned());
            if let Some(l) = label.filter(|_| labels.is_some()) {
                out.push(l.to_owned());
            }
        }
        out
    };
    for (name, rows) in [
        ("sources.csv", &views.sources),
        ("destinations.csv", &views.destinations),
    ] {
        let cols = [
            ("address", Some("name")),
            ("flows", None),
            ("packets", None),
            ("bytes", None),
        ];
        let mut t = csv_row(&header(&cols));
        for r in rows {
            t += &csv_row(&named(vec![
                (addr_text(table, r.key), Some(r.key)),
                (n(r.counts.flows()), None),
                (n(r.counts.packets()), None),
                (n(r.counts.bytes()), None),
            ]));
        }
        out.push((name.to_owned(), t));
    }
    let cols = [
        ("source", Some("source_name")),
        ("destination", Some("destination_name")),
        ("flows", None),
        ("packets", None),
        ("bytes", None),
    ];
    let mut conv = csv_row(&header(&cols));
    for r in &views.conversations {
        conv += &csv_row(&named(vec![
            (addr_text(table, r.key.0), Some(r.key.0)),
            (addr_text(table, r.key.1), Some(r.key.1)),
            (n(r.counts.flows()), None),
            (n(r.counts.packets()), None),
            (n(r.counts.bytes()), None),
        ]));
    }
    out.push(("conversations.csv".to_owned(), conv));
}
