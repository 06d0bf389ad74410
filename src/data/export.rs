//! Export for reports: charts as SVG (text as text) and PNG (any size, crisp at 2x), tables as
//! CSV, and a report folder with an index in Markdown and HTML.
//!
//! Charts are drawn with plotters from the same [`Views`] the app shows, in the same order and
//! colours, with no window, GPU or system font (the font is the one egui embeds). Every file is
//! written atomically (a temporary file, then a rename) and never replaces an existing file
//! unless asked to.

use std::fmt::Write as _;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use sha2::Digest as _;

use super::filter::{Filter, protocol_name};
use super::query::{Metric, QueryContext, ViewOptions, Views, addr_text};
use super::services::service_name;
use super::summary::format_epoch;
use super::table::FlowTable;

/// The colours charts use, shared with the app's theme.
pub mod palette {
    /// Histogram bars.
    pub const BAR: (u8, u8, u8) = (86, 156, 214);
    /// ACCEPT.
    pub const ACCEPT: (u8, u8, u8) = (78, 170, 110);
    /// REJECT.
    pub const REJECT: (u8, u8, u8) = (214, 88, 78);
    /// NODATA, SKIPDATA, no action.
    pub const OTHER: (u8, u8, u8) = (140, 140, 140);
}

/// Why an export failed (the path is always part of the message).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The file exists and overwriting was not allowed.
    #[error("{0} already exists (use --force to replace it)")]
    Exists(PathBuf),
    /// Writing failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Drawing failed.
    #[error("drawing {0}: {1}")]
    Draw(String, String),
}

/// One stacked series: name, colour, value per bucket.
pub type Series = (String, (u8, u8, u8), Vec<f64>);

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
        color: (u8, u8, u8),
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
        views.totals.counts[0]
    )
}

/// The charts of a view, in the app's order and colours.
pub fn charts(views: &Views, opts: &ViewOptions, table: &FlowTable, caption: &str) -> Vec<Chart> {
    let m = opts.metric.index();
    let metric = metric_label(opts.metric);
    let side = match opts.port_side {
        super::query::PortSide::Src => "source",
        super::query::PortSide::Dst => "destination",
        super::query::PortSide::Either => "source or destination",
    };
    let mut out = vec![Chart {
        name: "ports".into(),
        title: format!("Top {side} ports by {metric}"),
        x_label: format!("{side} port"),
        y_label: metric.into(),
        caption: caption.into(),
        kind: ChartKind::Bars {
            // Port numbers, as on screen (service names are in ports.csv).
            labels: views
                .ports
                .ports
                .iter()
                .map(|p| p.key.to_string())
                .collect(),
            values: views
                .ports
                .ports
                .iter()
                .map(|p| p.counts[m] as f64)
                .collect(),
            color: palette::BAR,
            horizontal: false,
        },
    }];
    let tl = &views.timeline;
    let lanes = [
        ("ACCEPT", palette::ACCEPT),
        ("REJECT", palette::REJECT),
        ("other", palette::OTHER),
    ];
    out.push(Chart {
        name: "timeline".into(),
        title: format!(
            "Flows per {}, by action",
            super::query::bucket_text(tl.bucket_secs)
        ),
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
                            .map(|b| b.get(lane).map_or(0.0, |c| c[0] as f64))
                            .collect(),
                    )
                })
                .collect(),
        },
    });
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

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Registers the embedded font under "sans-serif" (once).
fn ensure_font() -> Result<(), String> {
    static FONT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        )
        .map_err(|_| "the embedded font could not be loaded".to_owned())
    })
    .clone()
}

fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// Draws a chart on any plotters backend; `s` scales sizes (2 for a 2x PNG).
fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    chart: &Chart,
    s: u32,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let err = |e: &dyn std::fmt::Display| e.to_string();
    ensure_font()?;
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (w, h) = root.dim_in_pixel();
    let (plot, footer) = root.split_vertically(h.saturating_sub(28 * s));
    footer
        .draw_text(
            &chart.caption,
            &("sans-serif", 12 * s)
                .into_font()
                .color(&RGBColor(90, 90, 90)),
            (10 * s as i32, 6 * s as i32),
        )
        .map_err(|e| err(&e))?;
    let font = |size: u32| ("sans-serif", size * s).into_font();
    match &chart.kind {
        ChartKind::Bars {
            labels,
            values,
            color,
            horizontal,
        } => {
            // At least a few slots, so one bar does not fill the whole chart (as on screen).
            let n = values.len().max(if *horizontal { 5 } else { 10 });
            let max = values.iter().copied().fold(0.0, f64::max).max(1.0) * 1.12;
            if *horizontal {
                let label_w =
                    labels.iter().map(String::len).max().unwrap_or(4) as u32 * 8 * s + 20 * s;
                let mut c = ChartBuilder::on(&plot)
                    .caption(&chart.title, font(20))
                    .margin(10 * s)
                    .x_label_area_size(40 * s)
                    .y_label_area_size(label_w.min(w / 2))
                    .build_cartesian_2d(0f64..max, (0..n).into_segmented())
                    .map_err(|e| err(&e))?;
                c.configure_mesh()
                    .disable_y_mesh()
                    .y_labels(n)
                    .y_label_formatter(&|v| match v {
                        SegmentValue::CenterOf(i) => {
                            labels.get(n - 1 - *i).cloned().unwrap_or_default()
                        }
                        _ => String::new(),
                    })
                    .x_label_formatter(&|v| short_number(*v))
                    .x_desc(chart.x_label.as_str())
                    .label_style(font(12))
                    .axis_desc_style(font(13))
                    .draw()
                    .map_err(|e| err(&e))?;
                c.draw_series(values.iter().enumerate().map(|(i, v)| {
                    let row = n - 1 - i;
                    let mut bar = Rectangle::new(
                        [
                            (0.0, SegmentValue::Exact(row)),
                            (*v, SegmentValue::Exact(row + 1)),
                        ],
                        rgb(*color).filled(),
                    );
                    bar.set_margin(3 * s, 3 * s, 0, 0);
                    bar
                }))
                .map_err(|e| err(&e))?;
            } else {
                let mut c = ChartBuilder::on(&plot)
                    .caption(&chart.title, font(20))
                    .margin(10 * s)
                    .x_label_area_size(44 * s)
                    .y_label_area_size(60 * s)
                    .build_cartesian_2d((0..n).into_segmented(), 0f64..max)
                    .map_err(|e| err(&e))?;
                c.configure_mesh()
                    .disable_x_mesh()
                    .x_labels(n)
                    .x_label_formatter(&|v| match v {
                        SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                        _ => String::new(),
                    })
                    .y_label_formatter(&|v| short_number(*v))
                    .x_desc(chart.x_label.as_str())
                    .y_desc(chart.y_label.as_str())
                    .label_style(font(11))
                    .axis_desc_style(font(13))
                    .draw()
                    .map_err(|e| err(&e))?;
                c.draw_series(values.iter().enumerate().map(|(i, v)| {
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), 0.0),
                            (SegmentValue::Exact(i + 1), *v),
                        ],
                        rgb(*color).filled(),
                    );
                    bar.set_margin(0, 0, 3 * s, 3 * s);
                    bar
                }))
                .map_err(|e| err(&e))?;
            }
        }
        ChartKind::Stacked { labels, series } => {
            let n = labels.len().max(1);
            let totals: Vec<f64> = (0..n)
                .map(|i| {
                    series
                        .iter()
                        .map(|(_, _, v)| v.get(i).copied().unwrap_or(0.0))
                        .sum()
                })
                .collect();
            let max = totals.iter().copied().fold(0.0, f64::max).max(1.0) * 1.12;
            let mut c = ChartBuilder::on(&plot)
                .caption(&chart.title, font(20))
                .margin(10 * s)
                .x_label_area_size(40 * s)
                .y_label_area_size(60 * s)
                .build_cartesian_2d(0f64..n as f64, 0f64..max)
                .map_err(|e| err(&e))?;
            c.configure_mesh()
                .disable_x_mesh()
                .x_labels(8)
                .x_label_formatter(&|v| {
                    labels.get(v.max(0.0) as usize).cloned().unwrap_or_default()
                })
                .y_label_formatter(&|v| short_number(*v))
                .x_desc(chart.x_label.as_str())
                .y_desc(chart.y_label.as_str())
                .label_style(font(12))
                .axis_desc_style(font(13))
                .draw()
                .map_err(|e| err(&e))?;
            let mut base = vec![0.0; n];
            for (name, color, values) in series {
                let bars: Vec<Rectangle<(f64, f64)>> = values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0.0)
                    .map(|(i, v)| {
                        let b = base.get(i).copied().unwrap_or(0.0);
                        Rectangle::new(
                            [(i as f64, b), (i as f64 + 0.9, b + v)],
                            rgb(*color).filled(),
                        )
                    })
                    .collect();
                for (i, v) in values.iter().enumerate() {
                    if let Some(b) = base.get_mut(i) {
                        *b += v;
                    }
                }
                let color = rgb(*color);
                c.draw_series(bars)
                    .map_err(|e| err(&e))?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                    });
            }
            c.configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(font(12))
                .position(SeriesLabelPosition::UpperLeft)
                .draw()
                .map_err(|e| err(&e))?;
        }
    }
    root.present().map_err(|e| err(&e))
}

/// The chart as SVG text (fonts referenced by name, text kept as text).
pub fn render_svg(chart: &Chart, size: (u32, u32)) -> Result<String, ExportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(root, chart, 1).map_err(|e| ExportError::Draw(chart.name.clone(), e))?;
    }
    Ok(out)
}

/// The chart as PNG bytes of `size × scale` pixels (scale 2 is crisp on high-density screens).
pub fn render_png(chart: &Chart, size: (u32, u32), scale: u32) -> Result<Vec<u8>, ExportError> {
    let scale = scale.max(1);
    let (w, h) = (size.0 * scale, size.1 * scale);
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw(root, chart, scale).map_err(|e| ExportError::Draw(chart.name.clone(), e))?;
    }
    let img = image::RgbImage::from_raw(w, h, buf)
        .ok_or_else(|| ExportError::Draw(chart.name.clone(), "bad buffer size".into()))?;
    let mut png = Vec::new();
    img.write_to(&mut io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| ExportError::Draw(chart.name.clone(), e.to_string()))?;
    Ok(png)
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename); an
/// existing file is replaced only when `force` is set.
pub fn write_atomic(path: &Path, bytes: &[u8], force: bool) -> Result<(), ExportError> {
    let io_err = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !force && path.exists() {
        return Err(ExportError::Exists(path.to_path_buf()));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    result.map_err(io_err)
}

fn csv_row(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|c| super::output::csv_escape(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// The tables of a view as CSV files: (file name, contents).
pub fn tables(views: &Views, table: &FlowTable) -> Vec<(String, String)> {
    let n = |v: u64| v.to_string();
    let mut out = Vec::new();
    let mut ports = csv_row(&["port", "service", "flows", "packets", "bytes"].map(String::from));
    for p in &views.ports.ports {
        let svc = service_name(p.key).unwrap_or("").to_owned();
        ports += &csv_row(&[
            p.key.to_string(),
            svc,
            n(p.counts[0]),
            n(p.counts[1]),
            n(p.counts[2]),
        ]);
    }
    let o = views.ports.other;
    ports += &csv_row(&["other".into(), String::new(), n(o[0]), n(o[1]), n(o[2])]);
    out.push(("ports.csv".to_owned(), ports));
    for (name, rows) in [
        ("sources.csv", &views.sources),
        ("destinations.csv", &views.destinations),
    ] {
        let mut t = csv_row(&["address", "flows", "packets", "bytes"].map(String::from));
        for r in rows {
            t += &csv_row(&[
                addr_text(table, r.key),
                n(r.counts[0]),
                n(r.counts[1]),
                n(r.counts[2]),
            ]);
        }
        out.push((name.to_owned(), t));
    }
    let mut conv =
        csv_row(&["source", "destination", "flows", "packets", "bytes"].map(String::from));
    for r in &views.conversations {
        conv += &csv_row(&[
            addr_text(table, r.key.0),
            addr_text(table, r.key.1),
            n(r.counts[0]),
            n(r.counts[1]),
            n(r.counts[2]),
        ]);
    }
    out.push(("conversations.csv".to_owned(), conv));
    let mut protos = csv_row(&["protocol", "name", "flows", "packets", "bytes"].map(String::from));
    for p in &views.protocols {
        let name = protocol_name(p.key).unwrap_or("").to_owned();
        protos += &csv_row(&[
            p.key.to_string(),
            name,
            n(p.counts[0]),
            n(p.counts[1]),
            n(p.counts[2]),
        ]);
    }
    out.push(("protocols.csv".to_owned(), protos));
    let mut actions = csv_row(&["action", "flows", "packets", "bytes"].map(String::from));
    for a in &views.actions {
        actions += &csv_row(&[
            a.key.clone(),
            n(a.counts[0]),
            n(a.counts[1]),
            n(a.counts[2]),
        ]);
    }
    out.push(("actions.csv".to_owned(), actions));
    let tl = &views.timeline;
    let mut timeline = csv_row(&["bucket_start", "accept", "reject", "other"].map(String::from));
    for (i, b) in tl.buckets.iter().enumerate() {
        timeline += &csv_row(&[
            format_epoch(tl.start + i as u64 * tl.bucket_secs),
            n(b[0][0]),
            n(b[1][0]),
            n(b[2][0]),
        ]);
    }
    out.push(("timeline.csv".to_owned(), timeline));
    out
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// What a report is about.
pub struct ReportInput<'a> {
    /// The loaded flows.
    pub table: &'a FlowTable,
    /// The filter.
    pub filter: &'a Filter,
    /// The views of the filter.
    pub views: &'a Views,
    /// How they were computed.
    pub options: &'a ViewOptions,
    /// VPC CIDRs (for the SQL).
    pub context: &'a QueryContext,
    /// When it was made (epoch seconds).
    pub now_secs: u64,
    /// Chart size in points (PNGs are `size × scale` pixels).
    pub chart_size: (u32, u32),
    /// PNG scale factor (2 = crisp on high-density screens and in print).
    pub png_scale: u32,
}

/// Writes the report folder: every chart as PNG and SVG, the tables as CSV, `index.md` and
/// `index.html`. Returns the files written.
pub fn write_report(
    dir: &Path,
    input: &ReportInput<'_>,
    force: bool,
) -> Result<Vec<PathBuf>, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let index = dir.join("index.html");
    if !force && index.exists() {
        return Err(ExportError::Exists(index));
    }
    let cap = caption(input.filter, input.views, input.table.len());
    let charts = charts(input.views, input.options, input.table, &cap);
    let mut written = Vec::new();
    for c in &charts {
        let p = dir.join(format!("{}.svg", c.name));
        write_atomic(&p, render_svg(c, input.chart_size)?.as_bytes(), force)?;
        written.push(p);
        let p = dir.join(format!("{}.png", c.name));
        write_atomic(
            &p,
            &render_png(c, input.chart_size, input.png_scale)?,
            force,
        )?;
        written.push(p);
    }
    let tables = tables(input.views, input.table);
    for (name, text) in &tables {
        let p = dir.join(name);
        write_atomic(&p, text.as_bytes(), force)?;
        written.push(p);
    }
    // Inputs with sizes and hashes.
    let mut inputs = Vec::new();
    for f in &input.table.files {
        let hash = sha256_file(&f.path).unwrap_or_else(|e| format!("unreadable: {e}"));
        inputs.push((
            f.path.display().to_string(),
            f.bytes,
            hash,
            f.records,
            f.skipped.count,
        ));
    }
    let sql = super::translate::athena_sql(
        input.filter,
        &["dstport".to_owned()],
        input.options.metric,
        input.options.top_n,
        input.context,
    );
    let filter_text = if *input.filter == Filter::All {
        "(none: all flows)".to_owned()
    } else {
        input.filter.to_string()
    };
    let t = &input.views.totals;
    let made = format_epoch(input.now_secs);
    let skipped: u64 = input.table.skipped();
    // Markdown.
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# flowlens report\n\nMade {made}.\n\n## Filter\n\n```\n{filter_text}\n```\n"
    );
    let _ = writeln!(
        md,
        "Athena SQL (the same question, by destination port):\n\n```sql\n{sql}\n```\n"
    );
    let _ = writeln!(
        md,
        "## Totals\n\n| flows | packets | bytes | accepted | rejected | sources | destinations |\n|---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} | {} |\n",
        t.counts[0], t.counts[1], t.counts[2], t.accept, t.reject, t.distinct_src, t.distinct_dst
    );
    let _ = writeln!(md, "{cap}\n\n## Charts\n");
    for c in &charts {
        let _ = writeln!(md, "![{}]({}.png)\n", c.title, c.name);
    }
    let _ = writeln!(md, "## Tables\n");
    for (name, _) in &tables {
        let _ = writeln!(md, "- [{name}]({name})");
    }
    let _ = writeln!(
        md,
        "\n## Inputs\n\n{} records loaded, {skipped} lines skipped.\n\n| file | bytes | SHA-256 | records | skipped |\n|---|---|---|---|---|",
        input.table.len()
    );
    for (p, b, h, r, s) in &inputs {
        let _ = writeln!(md, "| {p} | {b} | `{h}` | {r} | {s} |");
    }
    let p = dir.join("index.md");
    write_atomic(&p, md.as_bytes(), force)?;
    written.push(p);
    // HTML.
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>flowlens report</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}pre{background:#f4f4f4;padding:.8em;overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}img{max-width:100%}</style></head><body>",
    );
    let _ = write!(
        html,
        "<h1>flowlens report</h1><p>Made {made}.</p><h2>Filter</h2><pre>{}</pre>",
        esc(&filter_text)
    );
    let _ = write!(
        html,
        "<p>Athena SQL (the same question, by destination port):</p><pre>{}</pre>",
        esc(&sql)
    );
    let _ = write!(
        html,
        "<h2>Totals</h2><table><tr><th>flows</th><th>packets</th><th>bytes</th><th>accepted</th><th>rejected</th><th>sources</th><th>destinations</th></tr><tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table><p>{}</p><h2>Charts</h2>",
        t.counts[0],
        t.counts[1],
        t.counts[2],
        t.accept,
        t.reject,
        t.distinct_src,
        t.distinct_dst,
        esc(&cap)
    );
    for c in &charts {
        let _ = write!(
            html,
            "<figure><img src=\"{}.svg\" alt=\"{}\"></figure>",
            c.name,
            esc(&c.title)
        );
    }
    html.push_str("<h2>Tables</h2><ul>");
    for (name, _) in &tables {
        let _ = write!(html, "<li><a href=\"{name}\">{name}</a></li>");
    }
    let _ = write!(
        html,
        "</ul><h2>Inputs</h2><p>{} records loaded, {skipped} lines skipped.</p><table><tr><th>file</th><th>bytes</th><th>SHA-256</th><th>records</th><th>skipped</th></tr>",
        input.table.len()
    );
    for (p, b, h, r, s) in &inputs {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{b}</td><td><code>{h}</code></td><td>{r}</td><td>{s}</td></tr>",
            esc(p)
        );
    }
    html.push_str("</table></body></html>\n");
    write_atomic(&index, html.as_bytes(), force)?;
    written.push(index);
    Ok(written)
}
