//! The port histogram with its controls; every bar hovers, clicks and has its own menu.

use eframe::egui;
use egui_plot::{Bar, BarChart, Plot, PlotPoint, PlotResponse, Text};

use super::axes;
use super::theme;
use super::widgets::{click_command, metric_text};
use crate::model::Metric;
use crate::model::names::service_name;
use crate::query::click::port_field;
use crate::query::filter::{Filter, PortField};
use crate::query::{PortSide, ViewOptions};
use crate::state::{Command, Commands, ExportTarget, Shown, State};

/// Port histogram with its controls.
pub(super) fn ports_ui(
    state: &mut State,
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    shown: &Shown,
    height: f32,
) {
    controls_ui(state, cmds, ui);
    let log = state.view_options.log_scale;
    let response = chart_ui(ui, shown, height, log);
    bars_ui(cmds, ui, shown, &response);
}

/// Side, metric, Export, top N and log scale.
fn controls_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    let mut opts: ViewOptions = state.view_options.clone();
    ui.horizontal(|ui| {
        ui.heading("Ports");
        ui.separator();
        ui.selectable_value(&mut opts.port_side, PortSide::Dst, "Destination");
        ui.selectable_value(&mut opts.port_side, PortSide::Src, "Source");
        ui.selectable_value(&mut opts.port_side, PortSide::Either, "Either");
        ui.separator();
        ui.selectable_value(&mut opts.metric, Metric::Flows, "Flows");
        ui.selectable_value(&mut opts.metric, Metric::Packets, "Packets");
        ui.selectable_value(&mut opts.metric, Metric::Bytes, "Bytes");
        ui.separator();
        if ui
            .button("Export…")
            .on_hover_text("Save this chart as PNG or SVG")
            .clicked()
        {
            cmds.push(Command::Export(ExportTarget::Chart("ports".into())));
        }
        ui.separator();
        let top = ui.label("Top");
        ui.add(egui::DragValue::new(&mut opts.top_n).range(5..=100))
            .labelled_by(top.id);
        ui.checkbox(&mut opts.log_scale, "Log scale");
    });
    if opts != state.view_options {
        cmds.push(Command::SetViewOptions(opts));
    }
}

/// The histogram itself, with a port label on every bar.
fn chart_ui(ui: &mut egui::Ui, shown: &Shown, height: f32, log: bool) -> PlotResponse<()> {
    let (ports, metric) = (&shown.views.ports.ports, shown.options.metric);
    port_chart_ui(ui, "ports", ports, metric, height, log)
}

/// A port histogram (the local views' or Athena's), with a port label on every bar.
pub(super) fn port_chart_ui(
    ui: &mut egui::Ui,
    id: &str,
    ports: &[crate::query::views::Ranked<u16>],
    metric: crate::model::Metric,
    height: f32,
    log: bool,
) -> PlotResponse<()> {
    let m = metric;
    let height_of = |v: u64| {
        if log {
            (v as f64 + 1.0).log10()
        } else {
            v as f64
        }
    };
    let bars: Vec<Bar> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let label = match service_name(p.key) {
                Some(s) => format!("{} {s}", p.key),
                None => p.key.to_string(),
            };
            Bar::new(i as f64, height_of(p.counts[m]))
                .name(label)
                .width(0.8)
        })
        .collect();
    let labels: Vec<String> = ports.iter().map(|p| p.key.to_string()).collect();
    let tops: Vec<f64> = ports.iter().map(|p| height_of(p.counts[m])).collect();
    let tops_max = tops.iter().copied().fold(0.0, f64::max);
    let slots = ports.len().max(10) as f64;
    // A label only where it fits its bar's slot (5-digit ports at 1024 points wide do not).
    let slot_points = (ui.available_width() - 60.0).max(100.0) / slots as f32;
    Plot::new(id)
        .height(height)
        .include_x(-0.6)
        .include_x(slots - 0.4)
        .include_y(tops_max * 1.08)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_grid([false, true])
        .show_axes([false, true])
        .y_grid_spacer(move |input| {
            if log {
                egui_plot::log_grid_spacer(10)(input)
            } else {
                axes::count_marks(input)
            }
        })
        .y_axis_formatter(move |mark, _| {
            let v = if log {
                10f64.powf(mark.value) - 1.0
            } else {
                mark.value
            };
            if v < 0.0 {
                String::new()
            } else {
                metric_text(metric, v.round() as u64)
            }
        })
        .label_formatter(|_| None)
        .show(ui, |plot| {
            // The tooltip below replaces the chart's own hover label.
            plot.bar_chart(
                BarChart::new("ports", bars)
                    .color(theme::BAR)
                    .allow_hover(false),
            );
            // Port labels on top of the bars (the x axis has no room for one per bar).
            for (i, (label, top)) in labels.iter().zip(&tops).enumerate() {
                if label.len() as f32 * 7.0 + 4.0 > slot_points {
                    continue;
                }
                let text = egui::RichText::new(label.as_str()).size(12.0);
                plot.text(
                    Text::new("port", PlotPoint::new(i as f64, *top), text)
                        .anchor(egui::Align2::CENTER_BOTTOM),
                );
            }
        })
}

/// The hover text of each bar: port, service, value and share.
fn hover_texts(shown: &Shown) -> Vec<String> {
    let metric = shown.options.metric;
    let m = metric;
    let ports = &shown.views.ports.ports;
    let total: u64 = ports.iter().map(|p| p.counts[m]).sum::<u64>() + shown.views.ports.other[m];
    ports
        .iter()
        .map(|p| {
            let share = if total > 0 {
                p.counts[m] as f64 * 100.0 / total as f64
            } else {
                0.0
            };
            format!(
                "port {}{}\n{}: {} ({share:.1}%)",
                p.key,
                service_name(p.key)
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default(),
                metric.name(),
                metric_text(metric, p.counts[m])
            )
        })
        .collect()
}

/// One interactive column per bar, the plot's full height: it hovers, clicks and opens its own
/// menu, and is an AccessKit node named after its port (screen readers, tests).
fn bars_ui(cmds: &mut Commands, ui: &mut egui::Ui, shown: &Shown, response: &PlotResponse<()>) {
    let side = shown.options.port_side;
    let hover = hover_texts(shown);
    let frame = *response.transform.frame();
    for (i, p) in shown.views.ports.ports.iter().enumerate() {
        let x = |dx: f64| response.transform.position_from_point_x(i as f64 + dx);
        let rect = egui::Rect::from_x_y_ranges(x(-0.45)..=x(0.45), frame.y_range());
        let text = hover.get(i).cloned().unwrap_or_default();
        let name = text.lines().next().unwrap_or_default().to_owned();
        let bar = ui.interact(
            rect,
            response.response.id.with(("bar", i)),
            egui::Sense::click(),
        );
        bar.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
        let bar = bar.on_hover_text_at_pointer(text);
        if bar.clicked() {
            let cond = Filter::Port {
                field: port_field(side),
                ranges: vec![(p.key, p.key)],
            };
            cmds.push(click_command(ui, cond));
        }
        bar.context_menu(|ui| port_menu_ui(cmds, ui, p.key, port_field(side)));
    }
}

/// The context menu of a port bar; `field` is the histogram's side.
fn port_menu_ui(cmds: &mut Commands, ui: &mut egui::Ui, port: u16, field: PortField) {
    let one = |field| Filter::Port {
        field,
        ranges: vec![(port, port)],
    };
    if ui
        .button(format!("Filter on port {port} (either side)"))
        .clicked()
    {
        cmds.push(Command::AddCondition(one(PortField::Either)));
        ui.close();
    }
    if ui.button("Only as destination port").clicked() {
        cmds.push(Command::AddCondition(one(PortField::Dst)));
        ui.close();
    }
    if ui.button("Only as source port").clicked() {
        cmds.push(Command::AddCondition(one(PortField::Src)));
        ui.close();
    }
    let side = match field {
        PortField::Src => "as source port",
        PortField::Dst => "as destination port",
        PortField::Either => "on either side",
    };
    if ui.button(format!("Exclude ({side})")).clicked() {
        cmds.push(Command::Exclude(one(field)));
        ui.close();
    }
    if ui.button("Why rejected?").clicked() {
        cmds.push(Command::Explain {
            condition: one(field),
            accepted: false,
        });
        ui.close();
    }
    if ui.button("Copy").clicked() {
        ui.ctx().copy_text(port.to_string());
        ui.close();
    }
}
