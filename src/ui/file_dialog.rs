//! flowlens's own file dialog (where no native one answers): the folder's entries, a path field
//! to jump anywhere, files to tick (open) or a file name to type (save). The app lists the
//! folders; this view edits the picks and sends commands.

use eframe::egui;

use crate::fmt::human_bytes;
use crate::state::{Command, Commands, DialogPurpose, State};

/// The dialog's window, while one is open.
pub(super) fn file_dialog_ui(state: &mut State, cmds: &mut Commands, ctx: &egui::Context) {
    let Some(d) = &mut state.file_dialog else {
        return;
    };
    let mut open = true;
    egui::Window::new(d.title())
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_size([620.0, 440.0])
        .show(ctx, |ui| {
            ui.weak(&d.note);
            ui.horizontal(|ui| {
                if ui.button("Up").on_hover_text("The parent folder").clicked()
                    && let Some(parent) = d.dir.parent()
                {
                    cmds.push(Command::DialogGo(parent.to_path_buf()));
                }
                let r = ui.add(
                    egui::TextEdit::singleline(&mut d.path_text)
                        .desired_width(f32::INFINITY)
                        .hint_text("a folder"),
                );
                if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    cmds.push(Command::DialogGo(d.path_text.clone().into()));
                }
            });
            if let Some(e) = &d.error {
                ui.colored_label(ui.visuals().warn_fg_color, e);
            }
            let opening_files = d.purpose == DialogPurpose::Open { folder: false };
            let saving_file = matches!(&d.purpose, DialogPurpose::Save(t) if *t != crate::state::ExportTarget::Report);
            egui::ScrollArea::vertical()
                .id_salt("file_dialog_entries")
                .max_height(ui.available_height() - 70.0)
                .show(ui, |ui| {
                    for e in &d.entries {
                        let path = d.dir.join(&e.name);
                        if e.is_dir {
                            if ui.button(format!("{}/", e.name)).clicked() {
                                cmds.push(Command::DialogGo(path));
                            }
                            continue;
                        }
                        let text = format!("{}  {}", e.name, human_bytes(e.bytes));
                        if opening_files {
                            let mut on = d.selected.contains(&path);
                            if ui.checkbox(&mut on, text).changed() {
                                if on {
                                    d.selected.push(path);
                                } else {
                                    d.selected.retain(|p| *p != path);
                                }
                            }
                        } else if saving_file {
                            if ui.button(text).clicked() {
                                d.file_name = e.name.clone();
                            }
                        } else {
                            ui.weak(text);
                        }
                    }
                });
            ui.separator();
            ui.horizontal(|ui| {
                if saving_file {
                    ui.label("File name");
                    ui.add(egui::TextEdit::singleline(&mut d.file_name).desired_width(240.0));
                }
                let accept = match &d.purpose {
                    DialogPurpose::Open { folder: false } => match d.selected.len() {
                        1 => "Open 1 file".to_owned(),
                        n => format!("Open {n} files"),
                    },
                    DialogPurpose::Open { folder: true } => "Open this folder".to_owned(),
                    DialogPurpose::Save(crate::state::ExportTarget::Report) => {
                        "Write the report here".to_owned()
                    }
                    DialogPurpose::Save(_) => "Save".to_owned(),
                };
                if ui.add_enabled(d.answer().is_some(), egui::Button::new(accept)).clicked() {
                    cmds.push(Command::DialogAccept);
                }
                if ui.button("Cancel").clicked() {
                    cmds.push(Command::DialogCancel);
                }
            });
        });
    if !open {
        cmds.push(Command::DialogCancel);
    }
}
