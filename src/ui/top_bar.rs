//! The top bar (open, close, theme) and the load progress with Cancel.

use eframe::egui;

use crate::state::{Command, Commands, State};

pub(super) fn top_bar_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.heading("flowlens");
        ui.separator();
        if ui.button("Open files…").on_hover_text("Ctrl+O").clicked() {
            cmds.push(Command::OpenDialog { folder: false });
        }
        if ui.button("Open folder…").clicked() {
            cmds.push(Command::OpenDialog { folder: true });
        }
        if ui
            .button("Open from S3…")
            .on_hover_text("s3://bucket/prefix with a date range; the AWS credential chain")
            .clicked()
        {
            cmds.push(Command::ShowS3(None));
        }
        if ui
            .button("Run on Athena…")
            .on_hover_text("The current question on the whole archive, in Athena")
            .clicked()
        {
            cmds.push(Command::ShowAthena);
        }
        if state.loaded.is_some() && ui.button("Close all").clicked() {
            cmds.push(Command::CloseAll);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("Help")
                .on_hover_text("Keyboard shortcuts (F1)")
                .clicked()
            {
                state.show_help = !state.show_help;
            }
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
            // No spinner: an animation repaints every frame, and with software rendering those
            // frames take CPU from the parse workers (the load ran 1.7x slower than headless).
            ui.label("Loading");
            if ui.button("Cancel").clicked() {
                cmds.push(Command::CancelLoad);
            }
        });
        ui.add(egui::ProgressBar::new(frac).show_percentage());
        ui.label(label);
    });
}

/// The keyboard shortcuts, as the help window lists them.
pub(super) const SHORTCUTS: [(&str, &str); 7] = [
    ("Ctrl+O", "Open files"),
    ("Ctrl+L", "Go to the filter bar"),
    ("Enter", "Apply the filter being typed"),
    ("Alt+Left / Alt+Right", "Previous / next filter"),
    (
        "Shift+click",
        "Exclude what is clicked instead of filtering on it",
    ),
    ("Esc", "Cancel the load"),
    ("F1", "This list"),
];

/// The keyboard shortcuts (F1 or the Help button).
pub(super) fn help_ui(state: &mut State, ui: &mut egui::Ui) {
    if ui.input(|i| i.key_pressed(egui::Key::F1)) {
        state.show_help = !state.show_help;
    }
    let mut open = state.show_help;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ui.ctx(), |ui| {
            egui::Grid::new("shortcuts")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (keys, what) in SHORTCUTS {
                        ui.strong(keys);
                        ui.label(what);
                        ui.end_row();
                    }
                });
        });
    state.show_help = open;
}
