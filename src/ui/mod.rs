//! Layer 6: the egui views. One file per panel or view; each function that takes `&mut egui::Ui`
//! is named `ui` or `*_ui`, reads and edits the [`State`] and pushes [`Commands`]; none opens a
//! file, starts a thread or sees the app (`crate::app`).
//!
//! May use: every layer below, through [`crate::state`] for what the app knows.

mod axes;
mod cloud;
mod dialogs;
mod empty;
mod file_dialog;
mod files;
mod filter_bar;
mod pickers;
mod ports;
mod quick_filters;
mod records;
mod rules;
mod status_bar;
mod summary;
mod talkers;
pub mod theme;
mod timeline;
mod top_bar;
mod welcome;
mod why;
mod widgets;

use eframe::egui;

use crate::state::{Commands, State};

/// The whole window.
pub fn window_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    egui::Panel::top("top_bar").show(ui, |ui| top_bar::top_bar_ui(state, cmds, ui));
    egui::Panel::bottom("status_bar").show(ui, |ui| status_bar::status_bar_ui(state, ui));
    if let Some((frac, label)) = state.status.progress.clone() {
        egui::Panel::top("progress").show(ui, |ui| top_bar::progress_ui(cmds, ui, frac, &label));
    }
    let shown = state.shown.clone();
    let table = state.loaded.as_ref().map(|l| l.table.clone());
    match (shown, table) {
        (Some(shown), Some(table)) => {
            egui::Panel::top("filter_bar")
                .show(ui, |ui| filter_bar::filter_bar_ui(state, cmds, ui));
            egui::Panel::left("summary")
                .resizable(true)
                .default_size(230.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        egui::CollapsingHeader::new("Quick filters")
                            .default_open(true)
                            .show(ui, |ui| quick_filters::quick_filters_ui(state, cmds, ui));
                        pickers::pickers_ui(state, cmds, ui, &shown);
                        ui.add_space(6.0);
                        summary::summary_ui(cmds, ui, &shown, &state.settings);
                        ui.add_space(8.0);
                        egui::CollapsingHeader::new("Files")
                            .show(ui, |ui| files::files_ui(state, ui));
                    });
                });
            egui::CentralPanel::default_margins().show(ui, |ui| {
                if table.is_empty() {
                    empty::no_records_ui(state, ui, &table);
                    return;
                }
                if shown.views.totals.counts.flows() == 0 {
                    empty::no_match_ui(state, cmds, ui, &shown);
                    return;
                }
                let h = ui.available_height();
                ports::ports_ui(state, cmds, ui, &shown, (h * 0.32).max(120.0));
                ui.separator();
                timeline::timeline_ui(state, cmds, ui, &shown, (h * 0.2).max(90.0));
                ui.separator();
                if state.show_records {
                    records::records_ui(state, cmds, ui, &shown, &table);
                } else {
                    talkers::talkers_ui(state, cmds, ui, &shown, &table);
                }
            });
        }
        _ => {
            egui::CentralPanel::default_margins().show(ui, |ui| {
                if state.loaded.is_some() {
                    ui.weak("Computing the views…");
                } else if !state.status.loading {
                    welcome::welcome_ui(state, cmds, ui);
                }
            });
        }
    }
    files::skipped_window_ui(state, ui);
    top_bar::help_ui(state, ui);
    drop_target_ui(ui);
    dialogs::format_prompt_ui(state, cmds, ui);
    dialogs::confirm_replace_ui(state, cmds, ui);
    why::why_ui(state, cmds, ui.ctx());
    file_dialog::file_dialog_ui(state, cmds, ui.ctx());
    cloud::s3_window_ui(state, cmds, ui.ctx());
    cloud::athena_window_ui(state, cmds, ui.ctx());
}

/// While files are dragged over the window: the whole window is the drop target.
fn drop_target_ui(ui: &egui::Ui) {
    let ctx = ui.ctx();
    let count = ctx.input(|i| i.raw.hovered_files.len());
    if count == 0 {
        return;
    }
    let layer = egui::LayerId::new(egui::Order::Foreground, egui::Id::unique("drop_target"));
    let painter = ctx.layer_painter(layer);
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(170));
    painter.rect_stroke(
        rect.shrink(12.0),
        12.0,
        egui::Stroke::new(3.0, theme::BAR),
        egui::StrokeKind::Inside,
    );
    let text = if count == 1 {
        "Drop to open this file or folder".to_owned()
    } else {
        format!("Drop to open these {count} files")
    };
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        text,
        egui::TextStyle::Heading.resolve(ui.style()),
        egui::Color32::WHITE,
    );
}
