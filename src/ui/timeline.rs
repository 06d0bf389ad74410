//! The timeline of flows split by action; a drag selects a time range.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::axes;
use super::theme;
use crate::fmt::bucket_text;
use crate::query::filter::{CmpOp, Filter};
use crate::state::{Command, Commands, ExportTarget, Shown, State};

/// Timeline of flows split by action; drag across it to select a time range.
pub(super) fn timeline_ui(
    state: &mut State,
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    shown: &Shown,
    height: f32,
) {
    let tl = &shown.views.timeline;
    // The zone of the labels: UTC, or the local zone's offset at the range's start (a change of
    // offset inside the range, such as daylight saving, is not followed).
    let offset = state.settings.time_offset(tl.start);
    ui.horizontal(|ui| {
        ui.heading("Timeline");
        let last = tl.start + (tl.buckets.len() as u64).max(1) * tl.bucket_secs - 1;
        ui.label(format!(
            "flows per {} · {}",
            bucket_text(tl.bucket_secs),
            axes::time_caption(tl.start, last, offset)
        ));
        ui.selectable_value(&mut state.settings.local_time, false, "UTC")
            .on_hover_text("Times in UTC (as the logs have them)");
        ui.selectable_value(&mut state.settings.local_time, true, "local")
            .on_hover_text("Times in this computer's time zone");
        ui.weak("drag to select a time range");
        if ui
            .button("Export…")
            .on_hover_text("Save this chart as PNG or SVG")
            .clicked()
        {
            cmds.push(Command::Export(ExportTarget::Chart("timeline".into())));
        }
    });
    let response = timeline_chart_ui(ui, "timeline", tl, offset, height);
    let (start, bucket) = (tl.start, tl.bucket_secs);
    range_drag_ui(cmds, ui, &response, start, bucket);
}

/// A timeline (the local views' or Athena's): flows per bucket, stacked by action.
pub(super) fn timeline_chart_ui(
    ui: &mut egui::Ui,
    id: &str,
    tl: &crate::query::views::Timeline,
    offset: i64,
    height: f32,
) -> egui_plot::PlotResponse<()> {
    let lanes = [
        ("ACCEPT", theme::ACCEPT),
        ("REJECT", theme::REJECT),
        ("other", theme::OTHER),
    ];
    let mut charts: Vec<BarChart> = Vec::new();
    for (lane, (name, color)) in lanes.iter().enumerate() {
        let bars: Vec<Bar> = tl
            .buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                Bar::new(i as f64, b.get(lane).map_or(0, |c| c.flows()) as f64).width(1.0)
            })
            .collect();
        let mut chart = BarChart::new(*name, bars).color(*color);
        let below: Vec<&BarChart> = charts.iter().collect();
        if !below.is_empty() {
            chart = chart.stack_on(&below);
        }
        charts.push(chart);
    }
    let start = tl.start;
    let bucket = tl.bucket_secs;
    // The plot's width less its y axis: what the time ticks are spaced for.
    let width = (ui.available_width() - 50.0).max(100.0);
    // Headroom above the tallest bar for the legend.
    let tallest = tl
        .buckets
        .iter()
        .map(|b| b.iter().map(|c| c.flows()).sum::<u64>())
        .max()
        .unwrap_or(0);
    Plot::new(id)
        .height(height)
        .include_y(tallest as f64 * 1.3)
        .legend(Legend::default())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .x_grid_spacer(move |input| axes::time_marks(input, start, bucket, width, offset))
        .x_axis_formatter(move |mark, _| axes::time_label(mark, start, bucket, offset))
        .y_grid_spacer(axes::count_marks)
        .y_axis_formatter(|mark, _| axes::count_label(mark))
        .label_formatter(|_| None)
        .show(ui, |plot| {
            for c in charts {
                plot.bar_chart(c);
            }
        })
}

/// A drag across the timeline selects the range between where it started and where it ended.
fn range_drag_ui(
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    response: &egui_plot::PlotResponse<()>,
    start: u64,
    bucket: u64,
) {
    let r = &response.response;
    // A drag selects the range between where it started and where it ended.
    let drag_id = ui.scope_id().with("timeline_drag_start");
    if r.drag_started()
        && let Some(pos) = r.interact_pointer_pos()
    {
        let x = response.transform.value_from_position(pos).x;
        ui.ctx().data_mut(|d| d.insert_temp(drag_id, x));
    }
    if r.dragged()
        && let (Some(x0), Some(pos)) = (
            ui.ctx().data(|d| d.get_temp::<f64>(drag_id)),
            r.interact_pointer_pos(),
        )
    {
        let x1 = response.transform.value_from_position(pos).x;
        let a = response.transform.position_from_point_x(x0.min(x1));
        let b = response.transform.position_from_point_x(x0.max(x1));
        let rect = egui::Rect::from_x_y_ranges(a..=b, r.rect.y_range());
        ui.painter().rect_filled(rect, 0.0, theme::SELECTION);
    }
    if r.drag_stopped()
        && let (Some(x0), Some(pos)) = (
            ui.ctx().data(|d| d.get_temp::<f64>(drag_id)),
            r.interact_pointer_pos(),
        )
    {
        let x1 = response.transform.value_from_position(pos).x;
        let (lo, hi) = (x0.min(x1).max(0.0), x0.max(x1).max(0.0));
        if hi - lo >= 0.5 {
            let from = start + (lo * bucket as f64) as u64;
            let to = start + (hi * bucket as f64).ceil() as u64;
            let cond = Filter::And(vec![
                Filter::Num {
                    field: "start".into(),
                    op: CmpOp::Ge,
                    value: from,
                },
                Filter::Num {
                    field: "start".into(),
                    op: CmpOp::Lt,
                    value: to,
                },
            ]);
            for c in cond.conditions() {
                cmds.push(Command::AddCondition(c));
            }
        }
    }
}
