//! The filtered records, virtualized: only the visible rows are read from the frame.

use eframe::egui;

use super::widgets::bottom_tabs_ui;
use crate::fmt::{format_epoch, human_count};
use crate::model::FlowTable;
use crate::state::{Command, Commands, ExportTarget, Shown, State};

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
