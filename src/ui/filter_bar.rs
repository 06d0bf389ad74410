//! The filter bar: history, the editable text with inline errors, Export and Recipes menus, and
//! the chips of the applied conditions.

use eframe::egui;

use super::widgets::{VIEW_TABLES, copy_table};
use crate::query::filter::Filter;
use crate::query::recipes::RECIPES;
use crate::state::{Command, Commands, ExportTarget, State};

/// The longest chip text (in characters) before it is cut.
const CHIP_CHARS: usize = 100;

/// The filter bar: history, the editable text with inline errors, recipes, and the chips.
pub(super) fn filter_bar_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let (back, forward) = (state.status.can_back, state.status.can_forward);
        if ui
            .add_enabled(back, egui::Button::new("Back"))
            .on_hover_text("Previous filter (Alt+Left)")
            .clicked()
        {
            cmds.push(Command::Back);
        }
        if ui
            .add_enabled(forward, egui::Button::new("Forward"))
            .on_hover_text("Next filter (Alt+Right)")
            .clicked()
        {
            cmds.push(Command::Forward);
        }
        ui.label("Filter");
        // The span a parse error points at is underlined while the text is unchanged.
        let error_at = state.filter_error_at.clone();
        let mut layouter = |ui: &egui::Ui, buf: &dyn egui::TextBuffer, _wrap: f32| {
            let text = buf.as_str();
            let font = egui::TextStyle::Monospace.resolve(ui.style());
            let color = ui.visuals().text_color();
            let mut job = egui::text::LayoutJob::default();
            let plain = egui::TextFormat::simple(font.clone(), color);
            match error_at
                .as_ref()
                .filter(|(t, r)| t == text && r.end <= text.len())
            {
                Some((_, r)) => {
                    let red = ui.visuals().error_fg_color;
                    let mut bad = egui::TextFormat::simple(font, red);
                    bad.underline = egui::Stroke::new(2.0, red);
                    job.append(&text[..r.start], 0.0, plain.clone());
                    job.append(&text[r.clone()], 0.0, bad);
                    job.append(&text[r.end..], 0.0, plain);
                }
                None => job.append(text, 0.0, plain),
            }
            ui.fonts_mut(|f| f.layout_job(job))
        };
        let edit = egui::TextEdit::singleline(&mut state.filter_text)
            .id_salt("filter_bar")
            .layouter(&mut layouter)
            .hint_text("e.g. srcaddr in 10.0.0.0/16 and dstport in {22, 3389}")
            .desired_width(ui.available_width() - 330.0)
            .font(egui::TextStyle::Monospace);
        let response = ui
            .add(edit)
            .on_hover_text("Ctrl+L goes here; Enter applies");
        if ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::L)) {
            response.request_focus();
        }
        if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            cmds.push(Command::ApplyFilterText);
        }
        if ui.button("Apply").clicked() {
            cmds.push(Command::ApplyFilterText);
        }
        if ui.button("Clear").clicked() {
            cmds.push(Command::SetFilter(Filter::All));
        }
        ui.menu_button("Export", |ui| export_menu_ui(state, cmds, ui));
        ui.menu_button("Recipes", |ui| {
            for r in RECIPES {
                if ui.button(r.title).on_hover_text(r.filter).clicked() {
                    cmds.push(Command::Recipe(r));
                    ui.close();
                }
            }
        });
    });
    if let Some(err) = &state.filter_error {
        ui.colored_label(ui.visuals().error_fg_color, format!("Invalid filter {err}"));
    }
    let conditions = state.filter.condition_list();
    // The chips' row is always there, so the views do not move when the first chip appears.
    ui.horizontal_wrapped(|ui| {
        ui.set_min_height(ui.spacing().interact_size.y);
        if conditions.is_empty() {
            ui.weak("No conditions: click a bar, a row or a line to filter on it");
        }
        for (i, c) in conditions.iter().enumerate() {
            // A pasted list of thousands of terms stays one short chip.
            let text = c.to_string();
            let (label, hover) = match text.char_indices().nth(CHIP_CHARS) {
                Some((cut, _)) => (
                    format!("{}…   x", &text[..cut]),
                    format!("Remove this condition ({} characters)", text.len()),
                ),
                None => (format!("{text}   x"), "Remove this condition".to_owned()),
            };
            let chip = egui::Button::new(label).corner_radius(10.0);
            if ui.add(chip).on_hover_text(hover).clicked() {
                cmds.push(Command::RemoveCondition(i));
            }
        }
    });
}

/// The Export menu: the report, the records, each chart and table, copy as CSV, the chart
/// size, and the question as Athena SQL or Logs Insights.
fn export_menu_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    let mut picked: Option<Command> = None;
    let mut item = |ui: &mut egui::Ui, label: &str, cmd: Command| {
        if ui.button(label).clicked() {
            picked = Some(cmd);
            ui.close();
        }
    };
    item(ui, "Export report…", Command::Export(ExportTarget::Report));
    item(
        ui,
        "Export records…",
        Command::Export(ExportTarget::Records),
    );
    ui.separator();
    for (label, name) in [
        ("Ports chart…", "ports"),
        ("Timeline chart…", "timeline"),
        ("Protocols chart…", "protocols"),
        ("Actions chart…", "actions"),
        ("Top sources chart…", "sources"),
    ] {
        item(ui, label, Command::Export(ExportTarget::Chart(name.into())));
    }
    ui.separator();
    for name in VIEW_TABLES {
        item(
            ui,
            &format!("{name}…"),
            Command::Export(ExportTarget::Table(name.into())),
        );
    }
    ui.separator();
    ui.menu_button("Copy a table as CSV", |ui| {
        for name in VIEW_TABLES {
            if ui.button(name).clicked() {
                copy_table(ui, state, name);
                ui.close();
            }
        }
    });
    ui.horizontal(|ui| {
        let (mut w, mut h) = state.settings.chart_size();
        let l = ui.label("Chart size");
        ui.add(egui::DragValue::new(&mut w).range(200..=8000))
            .labelled_by(l.id);
        let x = ui.label("x");
        ui.add(egui::DragValue::new(&mut h).range(200..=8000))
            .labelled_by(x.id);
        state.settings.chart_size = (w, h);
    });
    ui.separator();
    item(
        ui,
        "Copy as Athena SQL",
        Command::CopyQuery { insights: false },
    );
    item(
        ui,
        "Copy as Logs Insights",
        Command::CopyQuery { insights: true },
    );
    if let Some(c) = picked {
        cmds.push(c);
    }
}
