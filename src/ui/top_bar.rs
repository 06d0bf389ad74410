//! The top bar (open, close, theme) and the load progress with Cancel.

use eframe::egui;

use crate::state::{Command, Commands, State};

pub(super) fn top_bar_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.heading("flowlens");
        ui.separator();
        if ui.button("Open files…").clicked() {
            cmds.push(Command::OpenDialog { folder: false });
        }
        if ui.button("Open folder…").clicked() {
            cmds.push(Command::OpenDialog { folder: true });
        }
        if state.loaded.is_some() && ui.button("Close all").clicked() {
            cmds.push(Command::CloseAll);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let label = if state.settings.light {
                "Dark theme"
            } else {
                "Light theme"
            };
            if ui.button(label).clicked() {
                state.settings.light = !state.settings.light;
                ui.ctx().set_theme(if state.settings.light {
                    egui::Theme::Light
                } else {
                    egui::Theme::Dark
                });
            }
        });
    });
}

pub(super) fn progress_ui(cmds: &mut Commands, ui: &mut egui::Ui, frac: f32, label: &str) {
    ui.group(|ui| {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Loading");
            if ui.button("Cancel").clicked() {
                cmds.push(Command::CancelLoad);
            }
        });
        ui.add(egui::ProgressBar::new(frac).show_percentage());
        ui.label(label);
    });
}
