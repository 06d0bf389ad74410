//! Modal questions: replace an existing export, the log format of a headerless file.

use eframe::egui;

use crate::model::schema::parse_log_format;
use crate::state::{Command, Commands, ExportTarget, State};

/// Asks before replacing an existing export.
pub(super) fn confirm_replace_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    let Some((target, path)) = state.confirm_replace.clone() else {
        return;
    };
    let what = match target {
        ExportTarget::Report => {
            format!("{} already holds a flowlens report.", path.display())
        }
        _ => format!("{} already exists.", path.display()),
    };
    egui::Window::new("Replace it?")
        .collapsible(false)
        .show(ui.ctx(), |ui| {
            ui.label(what);
            ui.horizontal(|ui| {
                if ui.button("Replace").clicked() {
                    cmds.push(Command::Replace(target.clone(), path.clone()));
                }
                if ui.button("Cancel").clicked() {
                    state.confirm_replace = None;
                }
            });
        });
}

/// Asks for the log format of a headerless file that does not fit the default layout.
pub(super) fn format_prompt_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    let Some(prompt) = &mut state.format_prompt else {
        return;
    };
    let mut command = None;
    egui::Window::new("Which log format does this file use?")
        .collapsible(false)
        .default_width(640.0)
        .show(ui.ctx(), |ui| {
            ui.label(format!(
                "{} has no header line and its lines do not fit the default format.",
                prompt.path.display()
            ));
            ui.label("First lines:");
            for line in &prompt.preview {
                ui.monospace(line);
            }
            ui.add_space(6.0);
            let label = ui.label("Log format (AWS ${field} string or field names):");
            ui.add(
                egui::TextEdit::multiline(&mut prompt.text)
                    .font(egui::TextStyle::Monospace)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            let parsed = parse_log_format(&prompt.text);
            match &parsed {
                Ok(cols) => ui.label(format!("{} fields", cols.len())),
                Err(e) => ui.colored_label(ui.visuals().error_fg_color, e.to_string()),
            };
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(parsed.is_ok(), egui::Button::new("Reload with this format"))
                    .clicked()
                    && let Ok(cols) = parsed
                {
                    command = Some(Command::ReloadWithFormat(cols));
                }
                if ui.button("Dismiss").clicked() {
                    command = Some(Command::DismissFormatPrompt);
                }
            });
        });
    if let Some(c) = command {
        cmds.push(c);
    }
}
