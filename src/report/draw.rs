//! Charts drawn by plotters: SVG keeps text as text, PNG is drawn at a scale factor. The font is
//! the one egui embeds, so no system font, window or GPU is needed.

use std::io;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::ReportError;
use super::charts::{Chart, ChartKind, Series};
use super::palette::Rgb;
use crate::fmt::short_number;

fn rgb(c: Rgb) -> RGBColor {
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

/// A plotters error as text.
fn err(e: &dyn std::fmt::Display) -> String {
    e.to_string()
}

/// The font at `size` points, scaled by `s`.
fn font(size: u32, s: u32) -> FontDesc<'static> {
    ("sans-serif", size * s).into_font()
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
    ensure_font()?;
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (_, h) = root.dim_in_pixel();
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
    match &chart.kind {
        ChartKind::Bars {
            labels,
            values,
            color,
            horizontal,
        } => {
            let bars = Bars {
                labels,
                values,
                color: *color,
            };
            if *horizontal {
                horizontal_bars(&plot, chart, &bars, s)?;
            } else {
                vertical_bars(&plot, chart, &bars, s)?;
            }
        }
        ChartKind::Stacked { labels, series } => stacked_bars(&plot, chart, labels, series, s)?,
    }
    root.present().map_err(|e| err(&e))
}

/// The data of a bar chart.
struct Bars<'a> {
    labels: &'a [String],
    values: &'a [f64],
    color: Rgb,
}

impl Bars<'_> {
    /// The bar slots (at least `min`, so one bar does not fill the whole chart, as on screen)
    /// and the top of the value axis.
    fn axes(&self, min: usize) -> (usize, f64) {
        let max = self.values.iter().copied().fold(0.0, f64::max).max(1.0) * 1.12;
        (self.values.len().max(min), max)
    }
}

/// Bars along the y axis, labelled on the left (top sources).
fn horizontal_bars<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    chart: &Chart,
    bars: &Bars<'_>,
    s: u32,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let (w, _) = plot.dim_in_pixel();
    let font = |size| font(size, s);
    let (n, max) = bars.axes(5);
    let Bars {
        labels,
        values,
        color,
    } = *bars;
    let label_w = labels.iter().map(String::len).max().unwrap_or(4) as u32 * 8 * s + 20 * s;
    let mut c = ChartBuilder::on(plot)
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
            SegmentValue::CenterOf(i) => labels.get(n - 1 - *i).cloned().unwrap_or_default(),
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
            rgb(color).filled(),
        );
        bar.set_margin(3 * s, 3 * s, 0, 0);
        bar
    }))
    .map_err(|e| err(&e))?;
    Ok(())
}

/// Bars along the x axis, labelled below (ports, protocols, actions).
fn vertical_bars<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    chart: &Chart,
    bars: &Bars<'_>,
    s: u32,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let font = |size| font(size, s);
    let (n, max) = bars.axes(10);
    let Bars {
        labels,
        values,
        color,
    } = *bars;
    let mut c = ChartBuilder::on(plot)
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
            rgb(color).filled(),
        );
        bar.set_margin(0, 0, 3 * s, 3 * s);
        bar
    }))
    .map_err(|e| err(&e))?;
    Ok(())
}

/// Stacked bars with a legend (the timeline by action).
fn stacked_bars<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    chart: &Chart,
    labels: &[String],
    series: &[Series],
    s: u32,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let font = |size| font(size, s);
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
    let mut c = ChartBuilder::on(plot)
        .caption(&chart.title, font(20))
        .margin(10 * s)
        .x_label_area_size(40 * s)
        .y_label_area_size(60 * s)
        .build_cartesian_2d(0f64..n as f64, 0f64..max)
        .map_err(|e| err(&e))?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(8)
        .x_label_formatter(&|v| labels.get(v.max(0.0) as usize).cloned().unwrap_or_default())
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
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(font(12))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|e| err(&e))?;
    Ok(())
}

/// The chart as SVG text (fonts referenced by name, text kept as text).
pub fn render_svg(chart: &Chart, size: (u32, u32)) -> Result<String, ReportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(root, chart, 1).map_err(|e| ReportError::Draw(chart.name.clone(), e))?;
    }
    Ok(out)
}

/// The chart as PNG bytes of `size × scale` pixels (scale 2 is crisp on high-density screens).
pub fn render_png(chart: &Chart, size: (u32, u32), scale: u32) -> Result<Vec<u8>, ReportError> {
    let scale = scale.max(1);
    let (w, h) = (size.0 * scale, size.1 * scale);
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw(root, chart, scale).map_err(|e| ReportError::Draw(chart.name.clone(), e))?;
    }
    let img = image::RgbImage::from_raw(w, h, buf)
        .ok_or_else(|| ReportError::Draw(chart.name.clone(), "bad buffer size".into()))?;
    let mut png = Vec::new();
    img.write_to(&mut io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| ReportError::Draw(chart.name.clone(), e.to_string()))?;
    Ok(png)
}
