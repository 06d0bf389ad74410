//! egui views. Functions that take `&mut egui::Ui` are named `ui` or `*_ui`; they read the app
//! state and push [`Command`]s, and never open files or start threads.

use eframe::egui;

use crate::app::{Command, FlowApp, sample_path};
use crate::data::summary::format_epoch;

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
    egui::CentralPanel::default_margins().show(ui, |ui| {
        if let Some((frac, label)) = app.progress() {
            progress_ui(app, ui, frac, &label);
            ui.add_space(12.0);
        }
        if app.loaded.is_some() {
            overview_ui(app, ui);
        } else if !app.is_loading() {
            welcome_ui(app, ui);
        }
    });
    skipped_window_ui(app, ui);
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

fn overview_ui(app: &mut FlowApp, ui: &mut egui::Ui) {
    let Some(loaded) = &app.loaded else { return };
    let s = &loaded.summary;
    ui.heading("Totals");
    egui::Grid::new("totals")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |k: &str, v: String| {
                ui.label(k);
                ui.label(v);
                ui.end_row();
            };
            row("Flows", human_count(s.records));
            row(
                "Packets",
                human_count(s.packets.min(u128::from(u64::MAX)) as u64),
            );
            row(
                "Bytes",
                human_bytes(s.bytes.min(u128::from(u64::MAX)) as u64),
            );
            row("Accepted", human_count(s.accept));
            row("Rejected", human_count(s.reject));
            row(
                "No data / skipped data",
                format!("{} / {}", human_count(s.nodata), human_count(s.skipdata)),
            );
            let span = match (s.first_start, s.last_end) {
                (Some(a), Some(b)) => format!("{} – {}", format_epoch(a), format_epoch(b)),
                _ => "–".into(),
            };
            row("Time span", span);
            row("Load time", format!("{:.2} s", loaded.table.load_secs));
        });
    ui.add_space(12.0);
    ui.heading("Files");
    egui::ScrollArea::vertical()
        .max_height(240.0)
        .show(ui, |ui| {
            egui::Grid::new("files")
                .num_columns(5)
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("File");
                    ui.strong("Format");
                    ui.strong("Size");
                    ui.strong("Records");
                    ui.strong("Skipped");
                    ui.end_row();
                    for f in &loaded.table.files {
                        let name = f.path.file_name().map_or_else(
                            || f.path.display().to_string(),
                            |n| n.to_string_lossy().into_owned(),
                        );
                        ui.label(name).on_hover_text(f.path.display().to_string());
                        ui.label(&f.format);
                        ui.label(human_bytes(f.bytes));
                        ui.label(human_count(f.records));
                        match &f.error {
                            Some(e) => ui.colored_label(
                                ui.visuals().error_fg_color,
                                format!("{} · {e}", f.skipped.count),
                            ),
                            None => ui.label(human_count(f.skipped.count)),
                        };
                        ui.end_row();
                    }
                });
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
