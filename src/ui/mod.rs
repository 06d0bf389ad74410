//! egui views. Functions that take `&mut egui::Ui` are named `ui` or `*_ui`; they read the app
//! state and push [`Command`]s, and never open files or start threads.

pub mod investigate;
pub mod theme;

use eframe::egui;

use crate::app::{Command, FlowApp, sample_path};

/// `1.2 GB`-style size.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `12,345,678`-style count.
pub fn human_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The whole window.
pub fn window_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    egui::Panel::top("top_bar").show(ui, |ui| top_bar_ui(app, ui));
    egui::Panel::bottom("status_bar").show(ui, |ui| status_bar_ui(app, ui));
    if let Some((frac, label)) = app.progress() {
        egui::Panel::top("progress").show(ui, |ui| progress_ui(app, ui, frac, &label));
    }
    let shown = app.shown.clone();
    let table = app.loaded.as_ref().map(|l| l.table.clone());
    match (shown, table) {
        (Some(shown), Some(table)) => {
            egui::Panel::top("filter_bar").show(ui, |ui| investigate::filter_bar_ui(app, ui));
            egui::Panel::left("summary")
                .resizable(true)
                .default_size(230.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        egui::CollapsingHeader::new("Quick filters")
                            .default_open(true)
                            .show(ui, |ui| investigate::quick_filters_ui(app, ui));
                        investigate::pickers_ui(app, ui, &shown);
                        ui.add_space(6.0);
                        investigate::summary_ui(app, ui, &shown);
                        ui.add_space(8.0);
                        egui::CollapsingHeader::new("Files").show(ui, |ui| files_ui(app, ui));
                    });
                });
            egui::CentralPanel::default_margins().show(ui, |ui| {
                let h = ui.available_height();
                investigate::ports_ui(app, ui, &shown, (h * 0.32).max(120.0));
                ui.separator();
                investigate::timeline_ui(app, ui, &shown, (h * 0.2).max(90.0));
                ui.separator();
                if app.show_records {
                    investigate::records_ui(app, ui, &shown, &table);
                } else {
                    investigate::talkers_ui(app, ui, &shown, &table);
                }
            });
        }
        _ => {
            egui::CentralPanel::default_margins().show(ui, |ui| {
                if app.loaded.is_some() {
                    ui.weak("Computing the views…");
                } else if !app.is_loading() {
                    welcome_ui(app, ui);
                }
            });
        }
    }
    skipped_window_ui(app, ui);
    format_prompt_ui(app, ui);
    confirm_replace_ui(app, ui);
}

/// Asks before replacing an existing export.
fn confirm_replace_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    let Some((target, path)) = app.confirm_replace.clone() else {
        return;
    };
    let what = match target {
        crate::app::ExportTarget::Report => {
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
                    app.command(Command::Replace(target.clone(), path.clone()));
                }
                if ui.button("Cancel").clicked() {
                    app.confirm_replace = None;
                }
            });
        });
}

/// Asks for the log format of a headerless file that does not fit the default layout.
fn format_prompt_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    let Some(prompt) = &mut app.format_prompt else {
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
            let parsed = crate::data::schema::parse_log_format(&prompt.text);
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
        app.command(c);
    }
}

fn top_bar_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.heading("flowlens");
        ui.separator();
        if ui.button("Open files…").clicked() {
            app.command(Command::OpenDialog { folder: false });
        }
        if ui.button("Open folder…").clicked() {
            app.command(Command::OpenDialog { folder: true });
        }
        if app.loaded.is_some() && ui.button("Close all").clicked() {
            app.command(Command::CloseAll);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let label = if app.settings.light {
                "Dark theme"
            } else {
                "Light theme"
            };
            if ui.button(label).clicked() {
                app.settings.light = !app.settings.light;
                ui.ctx().set_theme(if app.settings.light {
                    egui::Theme::Light
                } else {
                    egui::Theme::Dark
                });
            }
        });
    });
}

fn progress_ui(app: &mut FlowApp, ui: &mut egui::Ui, frac: f32, label: &str) {
    ui.group(|ui| {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Loading");
            if ui.button("Cancel").clicked() {
                app.command(Command::CancelLoad);
            }
        });
        ui.add(egui::ProgressBar::new(frac).show_percentage());
        ui.label(label);
    });
}

fn welcome_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading("Drop VPC Flow Log files or folders here");
        ui.label(
            "Plain text, gzip, Parquet and CloudWatch Logs exports; nothing leaves this machine.",
        );
        ui.add_space(16.0);
        if ui.button("Open files…").clicked() {
            app.command(Command::OpenDialog { folder: false });
        }
        if ui.button("Open folder…").clicked() {
            app.command(Command::OpenDialog { folder: true });
        }
        if ui.button("Explore sample data").clicked() {
            app.command(Command::Open(vec![sample_path()]));
        }
        if !app.settings.recent.is_empty() {
            ui.add_space(16.0);
            ui.label("Recent");
            for p in app.settings.recent.clone() {
                if ui.link(p.display().to_string()).clicked() {
                    app.command(Command::Open(vec![p]));
                }
            }
        }
    });
}

fn files_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    let Some(loaded) = &app.loaded else { return };
    egui::Grid::new("files")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for f in &loaded.table.files {
                let name = f.path.file_name().map_or_else(
                    || f.path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                let short: String = name.chars().take(28).collect();
                ui.label(short).on_hover_text(format!(
                    "{}\n{} · {} · {} records · {} skipped",
                    f.path.display(),
                    f.format,
                    human_bytes(f.bytes),
                    human_count(f.records),
                    f.skipped.count
                ));
                ui.label(human_count(f.records));
                match &f.error {
                    Some(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, "error")
                            .on_hover_text(e);
                    }
                    None => {
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
}

fn status_bar_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        if let Some(loaded) = &app.loaded {
            let s = &loaded.summary;
            ui.label(format!(
                "{} flows from {} files",
                human_count(s.records),
                s.files
            ));
            if let Some(shown) = &app.shown {
                ui.separator();
                ui.label(format!(
                    "{} selected in {:.0} ms",
                    human_count(shown.views.totals.counts[0]),
                    shown.millis
                ));
            }
            if app.is_querying() {
                // A still label, not a spinner: an animation repaints every frame, and with
                // software rendering that takes CPU from the query itself.
                ui.weak("updating…");
            }
            if s.skipped > 0 || s.broken_files > 0 {
                let text = format!(
                    "{} skipped lines, {} files with errors",
                    human_count(s.skipped),
                    s.broken_files
                );
                if ui.link(text).clicked() {
                    *app.show_skipped_mut() = true;
                }
            }
        } else {
            ui.label("No data loaded");
        }
        if let Some(msg) = app.notifications.last().cloned() {
            ui.separator();
            ui.colored_label(ui.visuals().warn_fg_color, msg.lines().next().unwrap_or(""))
                .on_hover_text(&msg);
            if ui.small_button("Dismiss").clicked() {
                app.notifications.pop();
            }
        }
    });
}

fn skipped_window_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    let mut open = *app.show_skipped_mut();
    if !open {
        return;
    }
    let Some(loaded) = &app.loaded else { return };
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
                            let name = f.path.display().to_string();
                            if let Some(e) = &f.error {
                                ui.label(&name);
                                ui.label("–");
                                ui.label(e);
                                ui.label("");
                                ui.end_row();
                            }
                            for ex in &f.skipped.examples {
                                ui.label(&name);
                                ui.label(ex.line.to_string());
                                ui.label(ex.reason.to_string());
                                ui.monospace(&ex.text);
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
    *app.show_skipped_mut() = open;
}
