//! The filtered records, virtualized: only the visible rows are read from the frame.

use eframe::egui;

use super::widgets::bottom_tabs_ui;
use crate::fmt::{format_epoch_at, human_count};
use crate::model::FlowTable;
use crate::model::names::protocol_name;
use crate::query::labels::{Labels, ip_key, label_column_name};
use crate::state::{Command, Commands, ExportTarget, Settings, Shown, State};

/// The filtered records, virtualized: only the visible rows are read from the frame.
pub(super) fn records_ui(
    state: &mut State,
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    shown: &Shown,
    table: &FlowTable,
) {
    use egui_extras::{Column as TableColumn, TableBuilder};
    ui.horizontal(|ui| {
        bottom_tabs_ui(state, ui);
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
            cmds.push(Command::Export(ExportTarget::Records));
        }
    });
    let labels = state.query_context.labels.as_ref().map(|l| l.0.clone());
    // With context, a name column after each address and interface column.
    let mut columns: Vec<Shows<'_>> = Vec::new();
    for c in table.df.columns() {
        columns.push(Shows::Field(c));
        if labels.is_some()
            && let Some(name) = label_column_name(c.name().as_str())
        {
            columns.push(Shows::Name(c, name));
        }
    }
    let n = shown.selection.count as usize;
    let settings = state.settings.clone();
    // Wider than the panel: the table scrolls sideways (each column keeps a readable width).
    egui::ScrollArea::horizontal()
        .id_salt("records_h")
        .show(ui, |ui| {
            let mut builder = TableBuilder::new(ui)
                .striped(true)
                .resizable(true)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
            for c in &columns {
                let w = match c {
                    Shows::Field(c) => column_width(c.name().as_str()),
                    Shows::Name(..) => 190.0,
                };
                builder = builder.column(TableColumn::initial(w).at_least(30.0).clip(true));
            }
            builder
                .header(20.0, |mut header| {
                    for c in &columns {
                        header.col(|ui| {
                            ui.strong(match c {
                                Shows::Field(c) => c.name().as_str(),
                                Shows::Name(_, name) => name,
                            });
                        });
                    }
                })
                .body(|body| {
                    body.rows(18.0, n, |mut row| {
                        let Some(r) = shown.rows.nth(&shown.selection, row.index() as u64) else {
                            return;
                        };
                        for c in &columns {
                            row.col(|ui| match c {
                                Shows::Field(c) => {
                                    ui.monospace(cell_text(c, r, &settings));
                                }
                                Shows::Name(c, _) => {
                                    let text = cell_text(c, r, &settings);
                                    let name = labels.as_deref().and_then(|l| name_of(l, &text));
                                    ui.label(name.unwrap_or_default());
                                }
                            });
                        }
                    });
                });
        });
}

/// A column of the records table: a field of the frame, or the name of a field's value.
enum Shows<'a> {
    Field(&'a polars::prelude::Column),
    Name(&'a polars::prelude::Column, &'static str),
}

/// The name of an address or interface id, from the context.
fn name_of(labels: &Labels, text: &str) -> Option<String> {
    if text.starts_with("eni-") {
        return labels.interface(text).map(|r| r.label.clone());
    }
    let ip: std::net::IpAddr = text.parse().ok()?;
    labels.addr_label(ip_key(ip)).map(|c| c.into_owned())
}

/// A column's starting width: its longest usual value in monospace, and at least its name.
fn column_width(name: &str) -> f32 {
    let chars = match name {
        "srcaddr" | "dstaddr" | "pkt_srcaddr" | "pkt_dstaddr" => 16,
        "interface_id" | "vpc_id" | "instance_id" | "tgw_id" | "tgw_attachment_id" => 22,
        "subnet_id" | "ecs_cluster_arn" | "ecs_task_arn" => 25,
        "start" | "end" => 21,
        "account_id" | "packets" | "bytes" => 13,
        "protocol" => 12,
        "log_status" => 9,
        "srcport" | "dstport" | "action" => 7,
        _ => 10,
    };
    (chars.max(name.len() + 1) as f32) * 7.5 + 10.0
}

/// The text of a cell: times as UTC dates, protocols by name, `-` for null.
fn cell_text(c: &polars::prelude::Column, r: usize, settings: &Settings) -> String {
    let v = match c.get(r) {
        Ok(polars::prelude::AnyValue::Null) | Err(_) => return "-".to_owned(),
        Ok(v) => v,
    };
    match c.name().as_str() {
        "start" | "end" => v.extract::<u64>().map_or_else(
            || v.to_string(),
            |t| format_epoch_at(t, settings.time_offset(t)),
        ),
        "protocol" => match v.extract::<u8>() {
            Some(p) => protocol_name(p).map_or_else(|| p.to_string(), |n| format!("{n} ({p})")),
            None => v.to_string(),
        },
        _ => v.get_str().map_or_else(|| v.to_string(), str::to_owned),
    }
}
