//! The timeline of flows split by action; a drag selects a time range.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::theme;
use crate::fmt::{bucket_text, format_epoch};
use crate::query::filter::{CmpOp, Filter};
use crate::state::{Command, Commands, ExportTarget, Shown};

/// Timeline of flows split by action; drag across it to select a time range.
pub(super) fn timeline_ui(cmds: &mut Commands, ui: &mut egui::Ui, shown: &Shown, height: f32) {
    let tl = &shown.views.timeline;
    ui.horizontal(|ui| {
        ui.heading("Timeline");
        ui.label(format!("flows per {}", bucket_text(tl.bucket_secs)));
        ui.weak("drag to select a time range");
        if ui
            .button("Export…")
            .on_hover_text("Save this chart as PNG or SVG")
            .clicked()
        {
            cmds.push(Command::Export(ExportTarget::Chart("timeline".into())));
        }
    });
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
    let response = Plot::new("timeline")
        .height(height)
        .legend(Legend::default())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .x_axis_formatter(move |mark, _| {
            if mark.value < 0.0 {
                return String::new();
            }
            let t = start + (mark.value * bucket as f64) as u64;
            let s = format_epoch(t);
            s.get(5..16).unwrap_or(&s).replace('T', " ")
        })
        .label_formatter(|_| None)
        .show(ui, |plot| {
            for c in charts {
                plot.bar_chart(c);
            }
        });
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
