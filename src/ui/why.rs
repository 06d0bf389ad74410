//! The "Why rejected?" window: for the flows asked about, the verdict of each group (source,
//! destination, port, protocol, interface) and the sentence naming the deciding rule.

use eframe::egui;

use super::theme;
use crate::fmt::human_count;
use crate::state::{Command, Commands, State};

/// The window, while `state.why` is set.
pub(super) fn why_ui(state: &State, cmds: &mut Commands, ctx: &egui::Context) {
    let Some(why) = &state.why else { return };
    let mut open = true;
    let title = if why.title.starts_with("ACCEPT") {
        "Which rules allowed it?"
    } else {
        "Why rejected?"
    };
    // A list of hundreds of groups: on a large screen the window takes its room (at 2560x1400
    // a fixed 760x460 showed two of them).
    let screen = ctx.content_rect();
    let size = [
        (screen.width() * 0.6).clamp(760.0, 1400.0),
        (screen.height() * 0.6).clamp(460.0, 900.0),
    ];
    egui::Window::new(title)
        .open(&mut open)
        .default_size(size)
        .resizable(true)
        .collapsible(false)
        .show(ctx, |ui| {
            ui.label(egui::RichText::new(&why.title).monospace());
            if why.pending {
                // A still line, not a spinner (an animation repaints every frame).
                ui.label("Evaluating the security groups and network ACLs…");
                return;
            }
            if why.rows.is_empty() {
                ui.label("No such flows under this filter.");
                return;
            }
            for line in &why.summary {
                ui.label(line);
            }
            if why.groups > why.rows.len() {
                ui.weak(format!(
                    "The {} groups with the most flows of {}.",
                    why.rows.len(),
                    human_count(why.groups as u64)
                ));
            }
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("why_rows")
                .show(ui, |ui| {
                    for row in &why.rows {
                        ui.horizontal(|ui| {
                            let color = match row.verdict.as_str() {
                                "allowed" => theme::ACCEPT,
                                "no_context" => theme::OTHER,
                                _ => theme::REJECT,
                            };
                            ui.colored_label(color, egui::RichText::new(&row.verdict).strong());
                            ui.label(format!("{} flows", human_count(row.flows)));
                            ui.monospace(&row.flow);
                        });
                        ui.add(egui::Label::new(&row.reason).wrap());
                        if !row.rule.is_empty() {
                            ui.weak(format!("rule: {}", row.rule));
                        }
                        ui.add_space(6.0);
                    }
                });
        });
    if !open {
        cmds.push(Command::CloseExplain);
    }
}
