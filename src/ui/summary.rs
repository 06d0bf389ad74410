//! The left panel's totals, actions and protocols (click to filter).

use eframe::egui;

use super::widgets::{click_command, filter_line};
use crate::fmt::{format_epoch_at, human_bytes, human_count, zone_name};
use crate::model::names::protocol_name;
use crate::query::filter::Filter;
use crate::state::{Command, Commands, ExportTarget, Settings, Shown};

/// Left panel: totals, actions and protocols (click to filter).
pub(super) fn summary_ui(
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    shown: &Shown,
    settings: &Settings,
) {
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
            row("Flows", human_count(t.counts.flows()));
            row("Packets", human_count(t.counts.packets()));
            row("Bytes", human_bytes(t.counts.bytes()));
            row("Accepted", human_count(t.accept));
            row("Rejected", human_count(t.reject));
            row("Sources", human_count(t.distinct_src));
            row("Destinations", human_count(t.distinct_dst));
            if let (Some(a), Some(b)) = (t.first_start, t.last_end) {
                // The zone in the label, so the times fit the panel.
                for (what, t) in [("From", a), ("To", b)] {
                    let offset = settings.time_offset(t);
                    let text = format_epoch_at(t, offset);
                    let time = text.rsplit_once(' ').map_or(text.as_str(), |(t, _)| t);
                    row(&format!("{what} ({})", zone_name(offset)), time.to_owned());
                }
            }
        });
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.heading("Actions");
        if ui.small_button("Export…").clicked() {
            cmds.push(Command::Export(ExportTarget::Chart("actions".into())));
        }
    });
    for a in &shown.views.actions {
        // Records without an action are the NODATA and SKIPDATA ones.
        let (name, cond) = if a.key == "-" {
            (
                "no action (NODATA, SKIPDATA)",
                Filter::Str {
                    field: "log_status".into(),
                    values: vec!["NODATA".into(), "SKIPDATA".into()],
                },
            )
        } else {
            (
                a.key.as_str(),
                Filter::Str {
                    field: "action".into(),
                    values: vec![a.key.clone()],
                },
            )
        };
        let text = format!("{name}  {}", human_count(a.counts.flows()));
        let explain = match a.key.as_str() {
            "REJECT" => Some((
                "Why?",
                "Why were these rejected: the deciding rule of each",
                false,
            )),
            "ACCEPT" => Some(("Rules?", "Which rules allowed these", true)),
            _ => None,
        };
        ui.horizontal(|ui| {
            if filter_line(ui, text).clicked() {
                cmds.push(click_command(ui, cond));
            }
            if let Some((label, hint, accepted)) = explain
                && ui.small_button(label).on_hover_text(hint).clicked()
            {
                cmds.push(Command::Explain {
                    condition: Filter::All,
                    accepted,
                });
            }
        });
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.heading("Protocols");
        if ui.small_button("Export…").clicked() {
            cmds.push(Command::Export(ExportTarget::Chart("protocols".into())));
        }
    });
    for p in &shown.views.protocols {
        let name =
            protocol_name(p.key).map_or_else(|| p.key.to_string(), |n| format!("{n} ({})", p.key));
        let r = filter_line(ui, format!("{name}  {}", human_count(p.counts.flows())));
        if r.clicked() {
            cmds.push(click_command(ui, Filter::Protocol(vec![p.key])));
        }
    }
}
