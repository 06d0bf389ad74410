//! The charts of a set of views, as data (series, labels, colours) ready to draw.

use super::palette::{self, Rgb};
use crate::fmt::{bucket_text, format_epoch};
use crate::model::FlowTable;
use crate::model::Metric;
use crate::model::names::protocol_name;
use crate::query::click::addr_text;
use crate::query::filter::Filter;
use crate::query::views::{PortHistogram, Timeline};
use crate::query::{PortSide, ViewOptions, Views};

/// One stacked series: name, colour, value per bucket.
pub type Series = (String, Rgb, Vec<f64>);

/// What a chart shows.
#[derive(Clone, Debug, PartialEq)]
pub enum ChartKind {
    /// One bar per label (vertical), or per row (horizontal: long labels such as addresses).
    Bars {
        /// Bar labels.
        labels: Vec<String>,
        /// Bar values.
        values: Vec<f64>,
        /// Bar colour.
        color: Rgb,
        /// Horizontal bars, first label on top.
        horizontal: bool,
    },
    /// Stacked bars over time.
    Stacked {
        /// Label of each bucket (shown sparsely).
        labels: Vec<String>,
        /// Stacked series, bottom first.
        series: Vec<Series>,
    },
}

/// A chart ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// File stem (`ports`, `timeline`, …).
    pub name: String,
    /// Title on top.
    pub title: String,
    /// Axis descriptions.
    pub x_label: String,
    /// Axis descriptions.
    pub y_label: String,
    /// Caption under the chart: the filter, the time span, the record count.
    pub caption: String,
    /// The data.
    pub kind: ChartKind,
}

fn metric_label(m: Metric) -> &'static str {
    match m {
        Metric::Flows => "flows",
        Metric::Packets => "packets",
        Metric::Bytes => "bytes",
    }
}

/// The caption of every chart of a view: filter, span and count.
pub fn caption(filter: &Filter, views: &Views, total_records: usize) -> String {
    let f = if *filter == Filter::All {
        "all flows".to_owned()
    } else {
        filter.to_string()
    };
    let span = match (views.totals.first_start, views.totals.last_end) {
        (Some(a), Some(b)) => format!("{} to {}", format_epoch(a), format_epoch(b)),
        _ => "no time span".into(),
    };
    format!(
        "Filter: {f}  |  {span}  |  {} of {total_records} records",
        views.totals.counts.flows()
    )
}

/// The ports chart: one bar per port of the histogram, at the options' metric and side.
pub fn ports_chart(ports: &PortHistogram, opts: &ViewOptions, caption: &str) -> Chart {
    let m = opts.metric;
    let metric = metric_label(opts.metric);
    let side = match opts.port_side {
        PortSide::Src => "source",
        PortSide::Dst => "destination",
        PortSide::Either => "source or destination",
    };
    Chart {
        name: "ports".into(),
        title: format!("Top {side} ports by {metric}"),
        x_label: format!("{side} port"),
        y_label: metric.into(),
        caption: caption.into(),
        kind: ChartKind::Bars {
            // Port numbers, as on screen (service names are in ports.csv).
            labels: ports.ports.iter().map(|p| p.key.to_string()).collect(),
            values: ports.ports.iter().map(|p| p.counts[m] as f64).collect(),
            color: palette::BAR,
            horizontal: false,
        },
    }
}

/// The timeline chart: flows per bucket, stacked by action lane.
pub fn timeline_chart(tl: &Timeline, caption: &str) -> Chart {
    let lanes = [
        ("ACCEPT", palette::ACCEPT),
        ("REJECT", palette::REJECT),
        ("other", palette::OTHER),
    ];
    Chart {
        name: "timeline".into(),
        title: format!("Flows per {}, by action", bucket_text(tl.bucket_secs)),
        x_label: "time (UTC)".into(),
        y_label: "flows".into(),
        caption: caption.into(),
        kind: ChartKind::Stacked {
            labels: (0..tl.buckets.len())
                .map(|i| {
                    let s = format_epoch(tl.start + i as u64 * tl.bucket_secs);
                    s.get(5..16).unwrap_or(&s).replace('T', " ")
                })
                .collect(),
            series: lanes
                .iter()
                .enumerate()
                .map(|(lane, (name, color))| {
                    (
                        (*name).to_owned(),
                        *color,
                        tl.buckets
                            .iter()
                            .map(|b| b.get(lane).map_or(0.0, |c| c.flows() as f64))
                            .collect(),
                    )
                })
                .collect(),
        },
    }
}

/// The charts of a view, in the app's order and colours.
pub fn charts(views: &Views, opts: &ViewOptions, table: &FlowTable, caption: &str) -> Vec<Chart> {
    let m = opts.metric;
    let metric = metric_label(opts.metric);
    let mut out = vec![
        ports_chart(&views.ports, opts, caption),
        timeline_chart(&views.timeline, caption),
    ];
    out.push(Chart {
        name: "protocols".into(),
        title: format!("Protocols by {metric}"),
        x_label: "protocol".into(),
        y_label: metric.into(),
        caption: caption.into(),
        kind: ChartKind::Bars {
            labels: views
                .protocols
                .iter()
                .map(|p| protocol_name(p.key).map_or_else(|| p.key.to_string(), str::to_owned))
                .collect(),
            values: views.protocols.iter().map(|p| p.counts[m] as f64).collect(),
            color: palette::BAR,
            horizontal: false,
        },
    });
    out.push(Chart {
        name: "actions".into(),
        title: format!("Actions by {metric}"),
        x_label: "action".into(),
        y_label: metric.into(),
        caption: caption.into(),
        kind: ChartKind::Bars {
            labels: views.actions.iter().map(|a| a.key.clone()).collect(),
            values: views.actions.iter().map(|a| a.counts[m] as f64).collect(),
            color: palette::BAR,
            horizontal: false,
        },
    });
    out.push(Chart {
        name: "sources".into(),
        title: format!("Top sources by {metric}"),
        x_label: metric.into(),
        y_label: "source address".into(),
        caption: caption.into(),
        kind: ChartKind::Bars {
            labels: views
                .sources
                .iter()
                .map(|r| addr_text(table, r.key))
                .collect(),
            values: views.sources.iter().map(|r| r.counts[m] as f64).collect(),
            color: palette::BAR,
            horizontal: true,
        },
    });
    out
}
