//! The first screen: drop target text, Open, the bundled sample, Recent.

use eframe::egui;

use crate::sample::sample_path;
use crate::state::{Command, Commands, State};

pub(super) fn welcome_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading("Drop VPC Flow Log files or folders here");
        ui.label(
            "Text, gzip, zstd, bzip2, Snappy, ZIP, Parquet and CloudWatch Logs exports; nothing \
             leaves this machine.",
        );
        ui.weak(
            "Add the account's aws ec2 describe-* JSON, ip-ranges.json or a cidr,label CSV to name \
             every address and explain every REJECT.",
        );
        ui.add_space(16.0);
        if ui.button("Open files…").on_hover_text("Ctrl+O").clicked() {
            cmds.push(Command::OpenDialog { folder: false });
        }
        if ui.button("Open folder…").clicked() {
            cmds.push(Command::OpenDialog { folder: true });
        }
        if ui.button("Open from S3…").clicked() {
            cmds.push(Command::ShowS3(None));
        }
        if ui.button("Explore sample data").clicked() {
            cmds.push(Command::Open(vec![sample_path()]));
        }
        if !state.settings.recent.is_empty() {
            ui.add_space(16.0);
            ui.label("Recent");
            for p in state.settings.recent.clone() {
                if ui.link(p.display().to_string()).clicked() {
                    cmds.push(Command::Open(vec![p]));
                }
            }
        }
    });
}
