//! What the central panel says when there is nothing to draw: no record loaded from the files
//! (with the reasons one click away), or no record matching the filter (with a way back).

use eframe::egui;

use crate::fmt::{escape_control, human_count};
use crate::model::FlowTable;
use crate::state::{Command, Commands, Shown, State};

/// No record came out of the loaded files.
pub(super) fn no_records_ui(state: &mut State, ui: &mut egui::Ui, table: &FlowTable) {
    ui.vertical_centered(|ui| {
        ui.add_space(40.0);
        ui.heading("No records were loaded from these files");
        ui.add_space(8.0);
        ui.label(
            "flowlens reads VPC Flow Logs: lines of the default or a headed format (text, gzip, \
             zstd, bzip2, Snappy or ZIP), Parquet, and CloudWatch Logs exports.",
        );
    });
    ui.add_space(12.0);
    egui::Grid::new("empty_files")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for f in &table.files {
                ui.label(escape_control(&f.path.display().to_string()));
                ui.label(&f.format);
                let why = match &f.error {
                    Some(e) => escape_control(e).into_owned(),
                    None if f.skipped.count > 0 => format!(
                        "{} lines skipped, none a flow record",
                        human_count(f.skipped.count)
                    ),
                    None => "empty".to_owned(),
                };
                ui.label(why);
                ui.end_row();
            }
        });
    if table.skipped() > 0 {
        ui.add_space(8.0);
        if ui.button("Show the skipped lines").clicked() {
            state.show_skipped = true;
        }
    }
}

/// The filter matches no record: say so, show it, offer the way back.
pub(super) fn no_match_ui(state: &State, cmds: &mut Commands, ui: &mut egui::Ui, shown: &Shown) {
    ui.vertical_centered(|ui| {
        ui.add_space(40.0);
        ui.heading("No record matches this filter");
        ui.add_space(8.0);
        let text = shown.filter.to_string();
        let cut: String = text.chars().take(300).collect();
        ui.monospace(if cut.len() < text.len() {
            format!("{cut}…")
        } else {
            cut
        });
        ui.add_space(8.0);
        let conditions = state.filter.condition_list().len();
        ui.horizontal(|ui| {
            if conditions > 0 && ui.button("Undo last condition").clicked() {
                cmds.push(Command::RemoveCondition(conditions - 1));
            }
            if ui.button("Clear the filter").clicked() {
                cmds.push(Command::SetFilter(crate::query::filter::Filter::All));
            }
        });
    });
}
