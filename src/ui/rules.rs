//! The Rules tab: every security-group rule and network ACL entry with the flows, bytes and
//! distinct peers it admitted under the current filter; unused rules and rules open to the
//! internet that the internet used stand out.

use eframe::egui;

use super::theme;
use crate::fmt::{human_bytes, human_count};
use crate::state::State;

/// The Rules tab's table.
pub(super) fn rules_ui(state: &State, ui: &mut egui::Ui) {
    let Some((_, usage)) = &state.rules else {
        ui.weak("Computing rule usage…");
        return;
    };
    if usage.is_empty() {
        ui.label("No security groups or network ACLs in the context files.");
        return;
    }
    let unused = usage.iter().filter(|u| u.is_unused()).count();
    let open = usage.iter().filter(|u| u.is_internet_used()).count();
    ui.label(format!(
        "{} rules · {unused} admitted nothing (candidates for removal) · {open} open to the internet and used from it",
        usage.len()
    ));
    egui::ScrollArea::both().id_salt("rules").show(ui, |ui| {
        egui::Grid::new("rules_grid")
            .num_columns(8)
            .striped(true)
            .show(ui, |ui| {
                for h in [
                    "Rule",
                    "Group / ACL",
                    "Direction",
                    "Flows",
                    "Bytes",
                    "Peers",
                    "Note",
                    "In AWS terms",
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for u in usage.iter() {
                    ui.monospace(&u.id);
                    ui.label(if u.owner_name.is_empty() {
                        u.kind.to_owned()
                    } else {
                        format!("{} ({})", u.owner_name, u.kind)
                    });
                    ui.label(u.direction);
                    ui.label(human_count(u.flows));
                    ui.label(human_bytes(u.bytes));
                    ui.label(human_count(u.peers));
                    if !u.covered {
                        ui.weak("no logs").on_hover_text(
                            "No interface this rule applies to has records in the loaded logs",
                        );
                    } else if u.flows == 0 {
                        ui.colored_label(theme::REJECT, "unused").on_hover_text(
                            "Admitted nothing in the loaded period: a candidate for removal",
                        );
                    } else if u.is_internet_used() {
                        ui.colored_label(theme::REJECT, "internet").on_hover_text(
                            "Open to 0.0.0.0/0 or ::/0 and used from public addresses",
                        );
                    } else {
                        ui.label("");
                    }
                    ui.label(&u.rule);
                    ui.end_row();
                }
            });
    });
}
