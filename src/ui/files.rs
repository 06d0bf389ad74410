//! The loaded files, and the window of skipped lines and file errors.

use eframe::egui;

use crate::fmt::{escape_control, human_bytes, human_count};
use crate::state::State;

pub(super) fn files_ui(state: &mut State, ui: &mut egui::Ui) {
    let Some(loaded) = &state.loaded else { return };
    egui::Grid::new("files")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for f in &loaded.table.files {
                let name = f.path.file_name().map_or_else(
                    || f.path.display().to_string(),
                    |n| escape_control(&n.to_string_lossy()).into_owned(),
                );
                let short: String = name.chars().take(28).collect();
                let notes: String = f
                    .notes
                    .iter()
                    .map(|n| format!("\nNote: {}", escape_control(n)))
                    .collect();
                ui.label(short).on_hover_text(format!(
                    "{}\n{} · {} · {} records · {} skipped{notes}",
                    escape_control(&f.path.display().to_string()),
                    f.format,
                    human_bytes(f.bytes),
                    human_count(f.records),
                    f.skipped.count
                ));
                ui.label(human_count(f.records));
                match &f.error {
                    Some(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, "error")
                            .on_hover_text(escape_control(e));
                    }
                    None => {
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
}

pub(super) fn skipped_window_ui(state: &mut State, ui: &mut egui::Ui) {
    let mut open = state.show_skipped;
    if !open {
        return;
    }
    let Some(loaded) = &state.loaded else { return };
    let table = loaded.table.clone();
    egui::Window::new("Skipped lines and file errors")
        .open(&mut open)
        .default_size([760.0, 400.0])
        .show(ui.ctx(), |ui| {
            egui::ScrollArea::both().show(ui, |ui| {
                egui::Grid::new("skipped")
                    .num_columns(4)
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong("File");
                        ui.strong("Line");
                        ui.strong("Reason");
                        ui.strong("Text");
                        ui.end_row();
                        for f in &table.files {
                            // Input text shows its control characters visibly.
                            let name = escape_control(&f.path.display().to_string()).into_owned();
                            if let Some(e) = &f.error {
                                ui.label(&name);
                                ui.label("–");
                                ui.label(escape_control(e));
                                ui.label("");
                                ui.end_row();
                            }
                            for ex in &f.skipped.examples {
                                ui.label(&name);
                                ui.label(ex.line.to_string());
                                ui.label(escape_control(&ex.reason.to_string()));
                                ui.monospace(escape_control(&ex.text));
                                ui.end_row();
                            }
                            let hidden = f.skipped.count - f.skipped.examples.len() as u64;
                            if hidden > 0 {
                                ui.label(&name);
                                ui.label("");
                                ui.label(format!("… {hidden} more not shown"));
                                ui.label("");
                                ui.end_row();
                            }
                        }
                    });
            });
        });
    state.show_skipped = open;
}
