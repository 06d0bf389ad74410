//! The investigation views: filter bar with chips and history, totals and breakdowns, port
//! histogram, timeline and top talkers. Every bar and row filters on click; shift-click or the
//! context menu excludes.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Plot, PlotPoint, Text};

use super::theme;
use super::{human_bytes, human_count};
use crate::app::{Command, ExportTarget, FlowApp, Shown};
use crate::data::filter::{AddrField, Filter, PortField, protocol_name};
use crate::data::query::{
    ConversationMode, Counts, Metric, PortSide, ViewOptions, addr_filter, addr_text, port_field,
};
use crate::data::recipes::{RECIPES, TalkersTab};
use crate::data::services::service_name;
use crate::data::summary::format_epoch;
use crate::data::table::FlowTable;

/// A metric value as text (`1.2 GB` for bytes).
fn metric_text(metric: Metric, v: u64) -> String {
    match metric {
        Metric::Bytes => human_bytes(v),
        _ => human_count(v),
    }
}

/// The views' tables, as the Export menu offers them (names from `data::export::tables`).
const VIEW_TABLES: [&str; 7] = [
    "ports.csv",
    "sources.csv",
    "destinations.csv",
    "conversations.csv",
    "protocols.csv",
    "actions.csv",
    "timeline.csv",
];

/// Click = filter on it, shift-click = exclude it.
fn click_command(ui: &egui::Ui, cond: Filter) -> Command {
    if ui.input(|i| i.modifiers.shift) {
        Command::Exclude(cond)
    } else {
        Command::AddCondition(cond)
    }
}

/// The filter bar: history, the editable text with inline errors, recipes, and the chips.
pub fn filter_bar_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let (back, forward) = app.can_go();
        if ui
            .add_enabled(back, egui::Button::new("Back"))
            .on_hover_text("Previous filter (Alt+Left)")
            .clicked()
        {
            app.command(Command::Back);
        }
        if ui
            .add_enabled(forward, egui::Button::new("Forward"))
            .on_hover_text("Next filter (Alt+Right)")
            .clicked()
        {
            app.command(Command::Forward);
        }
        ui.label("Filter");
        let edit = egui::TextEdit::singleline(&mut app.filter_text)
            .id_salt("filter_bar")
            .hint_text("e.g. srcaddr in 10.0.0.0/16 and dstport in {22, 3389}")
            .desired_width(ui.available_width() - 330.0)
            .font(egui::TextStyle::Monospace);
        let response = ui.add(edit);
        if ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::L)) {
            response.request_focus();
        }
        if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            app.command(Command::ApplyFilterText);
        }
        if ui.button("Apply").clicked() {
            app.command(Command::ApplyFilterText);
        }
        if ui.button("Clear").clicked() {
            app.command(Command::SetFilter(Filter::All));
        }
        ui.menu_button("Export", |ui| {
            let mut picked: Option<Command> = None;
            let mut item = |ui: &mut egui::Ui, label: &str, cmd: Command| {
                if ui.button(label).clicked() {
                    picked = Some(cmd);
                    ui.close();
                }
            };
            item(ui, "Export report…", Command::Export(ExportTarget::Report));
            item(
                ui,
                "Export records…",
                Command::Export(ExportTarget::Records),
            );
            ui.separator();
            for (label, name) in [
                ("Ports chart…", "ports"),
                ("Timeline chart…", "timeline"),
                ("Protocols chart…", "protocols"),
                ("Actions chart…", "actions"),
                ("Top sources chart…", "sources"),
            ] {
                item(ui, label, Command::Export(ExportTarget::Chart(name.into())));
            }
            ui.separator();
            for name in VIEW_TABLES {
                item(
                    ui,
                    &format!("{name}…"),
                    Command::Export(ExportTarget::Table(name.into())),
                );
            }
            ui.separator();
            ui.menu_button("Copy a table as CSV", |ui| {
                for name in VIEW_TABLES {
                    if ui.button(name).clicked() {
                        copy_table(ui, app, name);
                        ui.close();
                    }
                }
            });
            ui.horizontal(|ui| {
                let (mut w, mut h) = app.chart_size();
                let l = ui.label("Chart size");
                ui.add(egui::DragValue::new(&mut w).range(200..=8000))
                    .labelled_by(l.id);
                let x = ui.label("x");
                ui.add(egui::DragValue::new(&mut h).range(200..=8000))
                    .labelled_by(x.id);
                app.settings.chart_size = (w, h);
            });
            ui.separator();
            item(
                ui,
                "Copy as Athena SQL",
                Command::CopyQuery { insights: false },
            );
            item(
                ui,
                "Copy as Logs Insights",
                Command::CopyQuery { insights: true },
            );
            if let Some(c) = picked {
                app.command(c);
            }
        });
        ui.menu_button("Recipes", |ui| {
            for r in RECIPES {
                if ui.button(r.title).on_hover_text(r.filter).clicked() {
                    app.command(Command::Recipe(r));
                    ui.close();
                }
            }
        });
    });
    if let Some(err) = &app.filter_error {
        ui.colored_label(ui.visuals().error_fg_color, format!("Invalid filter {err}"));
    }
    let conditions = app.filter.conditions();
    if !conditions.is_empty() {
        ui.horizontal_wrapped(|ui| {
            for (i, c) in conditions.iter().enumerate() {
                let chip = egui::Button::new(format!("{c}   x")).corner_radius(10.0);
                if ui
                    .add(chip)
                    .on_hover_text("Remove this condition")
                    .clicked()
                {
                    app.command(Command::RemoveCondition(i));
                }
            }
        });
    }
}

/// Copies one of the current view's tables (as CSV) to the clipboard.
fn copy_table(ui: &egui::Ui, app: &FlowApp, name: &str) {
    let (Some(shown), Some(loaded)) = (&app.shown, &app.loaded) else {
        return;
    };
    let text = crate::data::export::tables(&shown.views, &loaded.table)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t)
        .unwrap_or_default();
    ui.ctx().copy_text(text);
}

/// Quick filters: VPC CIDRs, CIDR include/exclude, port ranges, toggles (validated as typed).
pub fn quick_filters_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    let inside = ui.label("Inside the VPC (CIDRs)");
    let vpc = crate::app::parse_cidr_list(&app.panel.vpc_text);
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut app.panel.vpc_text)
                .hint_text("RFC 1918 when empty")
                .desired_width(150.0),
        )
        .labelled_by(inside.id);
        if ui
            .add_enabled(vpc.is_ok(), egui::Button::new("Set"))
            .clicked()
            && let Ok(nets) = &vpc
        {
            app.command(Command::SetVpc(nets.clone()));
        }
    });
    if let Err(e) = &vpc {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    ui.add_space(6.0);
    let addresses = ui.label("Addresses");
    let nets = crate::app::parse_cidr_list(&app.panel.cidr_text);
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("cidr_side")
            .width(70.0)
            .selected_text(match app.panel.cidr_field {
                AddrField::Src => "source",
                AddrField::Dst => "destination",
                _ => "either",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut app.panel.cidr_field, AddrField::Either, "either");
                ui.selectable_value(&mut app.panel.cidr_field, AddrField::Src, "source");
                ui.selectable_value(&mut app.panel.cidr_field, AddrField::Dst, "destination");
            })
            .response
            .labelled_by(addresses.id);
        ui.add(
            egui::TextEdit::singleline(&mut app.panel.cidr_text)
                .hint_text("10.0.1.0/24, …")
                .desired_width(110.0),
        )
        .labelled_by(addresses.id);
    });
    let valid = matches!(&nets, Ok(n) if !n.is_empty());
    ui.horizontal(|ui| {
        let field = app.panel.cidr_field;
        let cond = || Filter::Addr {
            field,
            nets: nets.clone().unwrap_or_default(),
        };
        if ui
            .add_enabled(valid, egui::Button::new("Include"))
            .clicked()
        {
            app.command(Command::AddCondition(cond()));
        }
        if ui
            .add_enabled(valid, egui::Button::new("Exclude"))
            .clicked()
        {
            app.command(Command::Exclude(cond()));
        }
    });
    if let Err(e) = &nets {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    ui.add_space(6.0);
    let ports_label = ui.label("Ports");
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("port_side")
            .width(70.0)
            .selected_text(match app.panel.port_field {
                PortField::Src => "source",
                PortField::Dst => "destination",
                PortField::Either => "either",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut app.panel.port_field, PortField::Dst, "destination");
                ui.selectable_value(&mut app.panel.port_field, PortField::Src, "source");
                ui.selectable_value(&mut app.panel.port_field, PortField::Either, "either");
            })
            .response
            .labelled_by(ports_label.id);
        ui.add(egui::DragValue::new(&mut app.panel.port_from))
            .labelled_by(ports_label.id);
        let to = ui.label("to");
        ui.add(egui::DragValue::new(&mut app.panel.port_to))
            .labelled_by(to.id);
    });
    let (lo, hi) = (app.panel.port_from, app.panel.port_to);
    ui.horizontal(|ui| {
        let cond = Filter::Port {
            field: app.panel.port_field,
            ranges: vec![(lo.min(hi), lo.max(hi))],
        };
        if ui.button("Include").clicked() {
            app.command(Command::AddCondition(cond.clone()));
        }
        if ui.button("Exclude").clicked() {
            app.command(Command::Exclude(cond));
        }
    });
    ui.add_space(6.0);
    ui.label("Action, class and direction");
    ui.horizontal_wrapped(|ui| {
        for (label, cond) in [
            (
                "ACCEPT",
                Filter::Str {
                    field: "action".into(),
                    values: vec!["ACCEPT".into()],
                },
            ),
            (
                "REJECT",
                Filter::Str {
                    field: "action".into(),
                    values: vec!["REJECT".into()],
                },
            ),
            (
                "no data",
                Filter::Str {
                    field: "log_status".into(),
                    values: vec!["NODATA".into(), "SKIPDATA".into()],
                },
            ),
            (
                "from internet",
                Filter::Class {
                    side: crate::data::filter::Side::Src,
                    class: crate::data::filter::AddrClass::Public,
                },
            ),
            (
                "to internet",
                Filter::Class {
                    side: crate::data::filter::Side::Dst,
                    class: crate::data::filter::AddrClass::Public,
                },
            ),
            (
                "outbound",
                Filter::Direction(crate::data::filter::Direction::Outbound),
            ),
            (
                "inbound",
                Filter::Direction(crate::data::filter::Direction::Inbound),
            ),
            (
                "internal",
                Filter::Direction(crate::data::filter::Direction::Internal),
            ),
        ] {
            let active = app.filter.conditions().contains(&cond);
            if ui.selectable_label(active, label).clicked() {
                match app.filter.conditions().iter().position(|c| *c == cond) {
                    Some(i) => app.command(Command::RemoveCondition(i)),
                    None => app.command(click_command(ui, cond)),
                }
            }
        }
    });
}

/// Left panel: totals, actions and protocols (click to filter).
pub fn summary_ui(app: &mut FlowApp, ui: &mut egui::Ui, shown: &Shown) {
    let t = &shown.views.totals;
    ui.heading("Totals");
    egui::Grid::new("totals")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |k: &str, v: String| {
                ui.label(k);
                ui.label(v);
                ui.end_row();
            };
            row("Flows", human_count(t.counts[0]));
            row("Packets", human_count(t.counts[1]));
            row("Bytes", human_bytes(t.counts[2]));
            row("Accepted", human_count(t.accept));
            row("Rejected", human_count(t.reject));
            row("Sources", human_count(t.distinct_src));
            row("Destinations", human_count(t.distinct_dst));
            if let (Some(a), Some(b)) = (t.first_start, t.last_end) {
                row("From", format_epoch(a));
                row("To", format_epoch(b));
            }
        });
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.heading("Actions");
        if ui.small_button("Export…").clicked() {
            app.command(Command::Export(ExportTarget::Chart("actions".into())));
        }
    });
    for a in &shown.views.actions {
        let text = format!("{}  {}", a.key, human_count(a.counts[0]));
        let r = ui.add(egui::Button::new(text).frame(false));
        if r.clicked() && a.key != "-" {
            app.command(click_command(
                ui,
                Filter::Str {
                    field: "action".into(),
                    values: vec![a.key.clone()],
                },
            ));
        }
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.heading("Protocols");
        if ui.small_button("Export…").clicked() {
            app.command(Command::Export(ExportTarget::Chart("protocols".into())));
        }
    });
    for p in &shown.views.protocols {
        let name =
            protocol_name(p.key).map_or_else(|| p.key.to_string(), |n| format!("{n} ({})", p.key));
        let r =
            ui.add(egui::Button::new(format!("{name}  {}", human_count(p.counts[0]))).frame(false));
        if r.clicked() {
            app.command(click_command(ui, Filter::Protocol(vec![p.key])));
        }
    }
}

/// Port histogram with its controls.
pub fn ports_ui(app: &mut FlowApp, ui: &mut egui::Ui, shown: &Shown, height: f32) {
    let mut opts: ViewOptions = app.view_options.clone();
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
            app.command(Command::Export(ExportTarget::Chart("ports".into())));
        }
        ui.separator();
        let top = ui.label("Top");
        ui.add(egui::DragValue::new(&mut opts.top_n).range(5..=100))
            .labelled_by(top.id);
        ui.checkbox(&mut opts.log_scale, "Log scale");
    });
    if opts != app.view_options {
        app.command(Command::SetViewOptions(opts));
    }
    let side = shown.options.port_side;
    let metric = shown.options.metric;
    let m = metric.index();
    let ports = &shown.views.ports.ports;
    let total: u64 = ports.iter().map(|p| p.counts[m]).sum::<u64>() + shown.views.ports.other[m];
    let log = app.view_options.log_scale;
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
    let hover: Vec<String> = ports
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
        .collect();
    let slots = ports.len().max(10) as f64;
    let response = Plot::new("ports")
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
                plot.text(
                    Text::new("port", PlotPoint::new(i as f64, *top), label.as_str())
                        .anchor(egui::Align2::CENTER_BOTTOM),
                );
            }
        });
    // One interactive column per bar, the plot's full height: it hovers, clicks and opens its
    // own menu, and is an AccessKit node named after its port (screen readers, tests).
    let frame = *response.transform.frame();
    for (i, p) in ports.iter().enumerate() {
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
            app.command(click_command(ui, cond));
        }
        bar.context_menu(|ui| port_menu_ui(app, ui, p.key, port_field(side)));
    }
}

/// The context menu of a port bar; `field` is the histogram's side.
fn port_menu_ui(app: &mut FlowApp, ui: &mut egui::Ui, port: u16, field: PortField) {
    let one = |field| Filter::Port {
        field,
        ranges: vec![(port, port)],
    };
    if ui
        .button(format!("Filter on port {port} (either side)"))
        .clicked()
    {
        app.command(Command::AddCondition(one(PortField::Either)));
        ui.close();
    }
    if ui.button("Only as destination port").clicked() {
        app.command(Command::AddCondition(one(PortField::Dst)));
        ui.close();
    }
    if ui.button("Only as source port").clicked() {
        app.command(Command::AddCondition(one(PortField::Src)));
        ui.close();
    }
    let side = match field {
        PortField::Src => "as source port",
        PortField::Dst => "as destination port",
        PortField::Either => "on either side",
    };
    if ui.button(format!("Exclude ({side})")).clicked() {
        app.command(Command::Exclude(one(field)));
        ui.close();
    }
    if ui.button("Copy").clicked() {
        ui.ctx().copy_text(port.to_string());
        ui.close();
    }
}

/// Timeline of flows split by action; drag across it to select a time range.
pub fn timeline_ui(app: &mut FlowApp, ui: &mut egui::Ui, shown: &Shown, height: f32) {
    let tl = &shown.views.timeline;
    ui.horizontal(|ui| {
        ui.heading("Timeline");
        ui.label(format!(
            "flows per {}",
            crate::data::query::bucket_text(tl.bucket_secs)
        ));
        ui.weak("drag to select a time range");
        if ui
            .button("Export…")
            .on_hover_text("Save this chart as PNG or SVG")
            .clicked()
        {
            app.command(Command::Export(ExportTarget::Chart("timeline".into())));
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
            .map(|(i, b)| Bar::new(i as f64, b.get(lane).map_or(0, |c| c[0]) as f64).width(1.0))
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
                    op: crate::data::filter::CmpOp::Ge,
                    value: from,
                },
                Filter::Num {
                    field: "start".into(),
                    op: crate::data::filter::CmpOp::Lt,
                    value: to,
                },
            ]);
            for c in cond.conditions() {
                app.command(Command::AddCondition(c));
            }
        }
    }
}

/// The "Top talkers | Records" switch over the bottom table.
fn bottom_tabs_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    for (records, label) in [(false, "Top talkers"), (true, "Records")] {
        ui.selectable_value(
            &mut app.show_records,
            records,
            egui::RichText::new(label).heading(),
        );
    }
}

/// Top talkers: sources, destinations and conversations, with share bars.
pub fn talkers_ui(app: &mut FlowApp, ui: &mut egui::Ui, shown: &Shown, table: &FlowTable) {
    let mut tab = app.talkers_tab;
    let mut opts = app.view_options.clone();
    ui.horizontal(|ui| {
        bottom_tabs_ui(app, ui);
        ui.separator();
        ui.selectable_value(&mut tab, TalkersTab::Sources, "Sources");
        ui.selectable_value(&mut tab, TalkersTab::Destinations, "Destinations");
        ui.selectable_value(&mut tab, TalkersTab::Conversations, "Conversations");
        if tab == TalkersTab::Conversations {
            ui.separator();
            ui.selectable_value(
                &mut opts.conversations,
                ConversationMode::Directed,
                "A to B",
            );
            ui.selectable_value(
                &mut opts.conversations,
                ConversationMode::Undirected,
                "A and B",
            );
        }
        ui.separator();
        let table_name = match tab {
            TalkersTab::Sources => "sources.csv",
            TalkersTab::Destinations => "destinations.csv",
            TalkersTab::Conversations => "conversations.csv",
        };
        if ui.button("Export CSV…").clicked() {
            app.command(Command::Export(ExportTarget::Table(table_name.into())));
        }
        if ui
            .button("Copy")
            .on_hover_text("Copy the table as CSV")
            .clicked()
        {
            let text = crate::data::export::tables(&shown.views, table)
                .into_iter()
                .find(|(n, _)| n == table_name)
                .map(|(_, t)| t)
                .unwrap_or_default();
            ui.ctx().copy_text(text);
        }
    });
    if tab != app.talkers_tab {
        app.set_talkers_tab(tab);
    }
    if opts != app.view_options {
        app.command(Command::SetViewOptions(opts));
    }
    let metric = shown.options.metric;
    let m = metric.index();
    let total = shown.views.totals.counts[m].max(1);
    // (what a click filters on: side and address id, the row's text, its counts)
    type Row = (Vec<(AddrField, u32)>, String, Counts);
    let addresses = |side: AddrField, list: &[crate::data::query::Ranked<u32>]| -> Vec<Row> {
        list.iter()
            .map(|r| (vec![(side, r.key)], addr_text(table, r.key), r.counts))
            .collect()
    };
    let mut rows: Vec<Row> = match app.talkers_tab {
        TalkersTab::Sources => addresses(AddrField::Src, &shown.views.sources),
        TalkersTab::Destinations => addresses(AddrField::Dst, &shown.views.destinations),
        TalkersTab::Conversations => {
            let arrow = if shown.options.conversations == ConversationMode::Undirected {
                "<->"
            } else {
                "->"
            };
            shown
                .views
                .conversations
                .iter()
                .map(|r| {
                    let text = format!(
                        "{} {arrow} {}",
                        addr_text(table, r.key.0),
                        addr_text(table, r.key.1)
                    );
                    let fields = if shown.options.conversations == ConversationMode::Undirected {
                        vec![(AddrField::Either, r.key.0), (AddrField::Either, r.key.1)]
                    } else {
                        vec![(AddrField::Src, r.key.0), (AddrField::Dst, r.key.1)]
                    };
                    (fields, text, r.counts)
                })
                .collect()
        }
    };
    if app.talkers_tab == TalkersTab::Conversations
        && shown.views.conversations.is_empty()
        && app.is_querying()
    {
        ui.weak("updating…");
    }
    if app.talkers_by_address {
        // Address ids follow the address order (the dictionary is sorted by value).
        rows.sort_by_key(|(fields, _, _)| fields.iter().map(|(_, id)| *id).collect::<Vec<_>>());
    }
    egui::ScrollArea::vertical()
        .id_salt("talkers")
        .show(ui, |ui| {
            egui::Grid::new("talkers_grid")
                .num_columns(5)
                .striped(true)
                .show(ui, |ui| {
                    // Headers sort: by address, or rank by that metric (the top N change).
                    // The active sort shows selected (no arrow glyph: the default fonts lack one).
                    let header = |ui: &mut egui::Ui, label: &str, active: bool| {
                        let what = format!("Sort by {}", label.to_lowercase());
                        let r = ui.add(egui::Button::selectable(
                            active,
                            egui::RichText::new(label).strong(),
                        ));
                        r.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::Role::Button, true, &what)
                        });
                        r.on_hover_text(&what).clicked()
                    };
                    if header(ui, "Address", app.talkers_by_address) {
                        app.talkers_by_address = true;
                    }
                    for (mt, label) in [
                        (Metric::Flows, "Flows"),
                        (Metric::Packets, "Packets"),
                        (Metric::Bytes, "Bytes"),
                    ] {
                        if header(ui, label, !app.talkers_by_address && mt == metric) {
                            app.talkers_by_address = false;
                            if mt != app.view_options.metric {
                                let mut o = app.view_options.clone();
                                o.metric = mt;
                                app.command(Command::SetViewOptions(o));
                            }
                        }
                    }
                    ui.strong(format!("Share of {}", metric.name()));
                    ui.end_row();
                    for (fields, text, counts) in &rows {
                        let r = ui.add(
                            egui::Button::new(egui::RichText::new(text).monospace()).frame(false),
                        );
                        let cond = || {
                            fields
                                .iter()
                                .filter_map(|(f, id)| {
                                    table.addrs.get(*id as usize).map(|k| addr_filter(*f, *k))
                                })
                                .fold(Filter::All, Filter::and)
                        };
                        if r.clicked() {
                            app.command(click_command(ui, cond()));
                        }
                        r.context_menu(|ui| {
                            if ui.button("Filter on this").clicked() {
                                app.command(Command::AddCondition(cond()));
                                ui.close();
                            }
                            if ui.button("Exclude").clicked() {
                                app.command(Command::Exclude(cond()));
                                ui.close();
                            }
                            if let [(_, id)] = fields.as_slice()
                                && let Some(k) = table.addrs.get(*id as usize)
                            {
                                if ui.button("Only as source").clicked() {
                                    app.command(Command::AddCondition(addr_filter(
                                        AddrField::Src,
                                        *k,
                                    )));
                                    ui.close();
                                }
                                if ui.button("Only as destination").clicked() {
                                    app.command(Command::AddCondition(addr_filter(
                                        AddrField::Dst,
                                        *k,
                                    )));
                                    ui.close();
                                }
                            }
                            if ui.button("Copy").clicked() {
                                ui.ctx().copy_text(text.clone());
                                ui.close();
                            }
                        });
                        ui.label(human_count(counts[0]));
                        ui.label(human_count(counts[1]));
                        ui.label(human_bytes(counts[2]));
                        let share = counts[m] as f32 / total as f32;
                        ui.add(
                            egui::ProgressBar::new(share)
                                .desired_width(140.0)
                                .text(format!("{:.1}%", share * 100.0)),
                        );
                        ui.end_row();
                    }
                });
        });
}

/// The filtered records, virtualized: only the visible rows are read from the frame.
pub fn records_ui(app: &mut FlowApp, ui: &mut egui::Ui, shown: &Shown, table: &FlowTable) {
    use egui_extras::{Column as TableColumn, TableBuilder};
    ui.horizontal(|ui| {
        bottom_tabs_ui(app, ui);
        ui.separator();
        ui.label(format!(
            "{} matching flows",
            human_count(shown.selection.count)
        ));
        if ui
            .button("Export…")
            .on_hover_text("CSV, JSON lines or Parquet")
            .clicked()
        {
            app.command(Command::Export(ExportTarget::Records));
        }
    });
    let columns = table.df.columns();
    let n = shown.selection.count as usize;
    let mut builder = TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    for c in columns {
        let w = match c.name().as_str() {
            "srcaddr" | "dstaddr" | "pkt_srcaddr" | "pkt_dstaddr" => 150.0,
            "interface_id" | "account_id" | "start" | "end" => 110.0,
            _ => 60.0,
        };
        builder = builder.column(TableColumn::initial(w).at_least(30.0).clip(true));
    }
    builder
        .header(20.0, |mut header| {
            for c in columns {
                header.col(|ui| {
                    ui.strong(c.name().as_str());
                });
            }
        })
        .body(|body| {
            body.rows(18.0, n, |mut row| {
                let Some(r) = shown.rows.nth(&shown.selection, row.index() as u64) else {
                    return;
                };
                for c in columns {
                    row.col(|ui| {
                        let text = match c.get(r) {
                            Ok(polars::prelude::AnyValue::Null) | Err(_) => "-".to_owned(),
                            Ok(v) => match c.name().as_str() {
                                "start" | "end" => v
                                    .extract::<u64>()
                                    .map_or_else(|| v.to_string(), format_epoch),
                                _ => v.get_str().map_or_else(|| v.to_string(), str::to_owned),
                            },
                        };
                        ui.monospace(text);
                    });
                }
            });
        });
}

/// Interface, account, VPC and subnet pickers: flows per value in the current selection, with a
/// search box; click filters on a value, shift-click excludes it.
pub fn pickers_ui(app: &mut FlowApp, ui: &mut egui::Ui, shown: &Shown) {
    let response = egui::CollapsingHeader::new("Interfaces, accounts, VPCs, subnets")
        .default_open(false)
        .show(ui, |ui| {
            if shown.views.pickers.is_empty() {
                ui.weak("counting…");
            }
            for (i, picker) in shown.views.pickers.iter().enumerate() {
                let title = match picker.column.as_str() {
                    "interface_id" => "Interfaces",
                    "account_id" => "Accounts",
                    "vpc_id" => "VPCs",
                    _ => "Subnets",
                };
                let label = ui.strong(format!("{title} ({})", picker.values.len()));
                let Some(search) = app.panel.picker_search.get_mut(i) else {
                    continue;
                };
                ui.add(
                    egui::TextEdit::singleline(search)
                        .hint_text("search")
                        .desired_width(180.0),
                )
                .labelled_by(label.id);
                let needle = search.to_ascii_lowercase();
                egui::ScrollArea::vertical()
                    .id_salt(("picker", i))
                    .max_height(140.0)
                    .show(ui, |ui| {
                        for (value, flows) in picker
                            .values
                            .iter()
                            .filter(|(v, _)| {
                                needle.is_empty() || v.to_ascii_lowercase().contains(&needle)
                            })
                            .take(200)
                        {
                            let r = ui.add(
                                egui::Button::new(format!("{value}  {}", human_count(*flows)))
                                    .frame(false),
                            );
                            if r.clicked() {
                                let cond = Filter::Str {
                                    field: picker.column.clone(),
                                    values: vec![value.clone()],
                                };
                                app.command(click_command(ui, cond));
                            }
                        }
                    });
                ui.add_space(4.0);
            }
        });
    let open = response.body_returned.is_some();
    if open != app.view_options.with_pickers {
        let mut opts = app.view_options.clone();
        opts.with_pickers = open;
        app.command(Command::SetViewOptions(opts));
    }
}
