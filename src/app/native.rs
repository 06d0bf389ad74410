//! The native window, and the settings eframe persists for it.

use std::path::PathBuf;
use std::process::ExitCode;

use eframe::egui;

use crate::state::Command;

use super::FlowApp;
use crate::state::Settings;

/// Key under which settings are persisted.
const SETTINGS_KEY: &str = "flowlens-settings";

/// The saved settings; corrupt ones fall back to the defaults with a warning to show.
pub fn load_settings(storage: Option<&dyn eframe::Storage>) -> (Settings, Option<String>) {
    match storage {
        Some(storage) if storage.get_string(SETTINGS_KEY).is_some() => {
            match eframe::get_value(storage, SETTINGS_KEY) {
                Some(s) => (s, None),
                None => (
                    Settings::default(),
                    Some("The saved settings could not be read; the defaults are used".into()),
                ),
            }
        }
        _ => (Settings::default(), None),
    }
}

/// Saves the settings.
pub(super) fn save_settings(storage: &mut dyn eframe::Storage, settings: &Settings) {
    eframe::set_value(storage, SETTINGS_KEY, settings);
}

/// Opens the window; `paths` start loading at once.
pub fn run_native(paths: Vec<PathBuf>, s3: crate::state::S3Form) -> ExitCode {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("flowlens")
            .with_inner_size([1280.0, 800.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    let result = eframe::run_native(
        "flowlens",
        options,
        Box::new(move |cc| {
            let (settings, warning) = load_settings(cc.storage);
            cc.egui_ctx.set_theme(if settings.light {
                egui::Theme::Light
            } else {
                egui::Theme::Dark
            });
            // An s3:// path opens the S3 window with the command line's range and picks, and
            // lists at once when a range was given.
            let list = paths
                .iter()
                .any(|p| p.to_string_lossy().starts_with("s3://"))
                && !(s3.from.is_empty() && s3.to.is_empty());
            let mut app = FlowApp::new(settings, paths);
            app.state.s3 = s3;
            if list {
                app.command(Command::ListS3);
            }
            if let Some(w) = warning {
                eprintln!("flowlens: {w}");
                app.state.notifications.push(w);
            }
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flowlens: cannot open the window: {e}");
            ExitCode::FAILURE
        }
    }
}
