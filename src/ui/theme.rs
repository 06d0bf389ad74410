//! The app's colours: the chart colours of the one palette (`report::palette`), as egui colours,
//! and the few colours only the app uses.

use eframe::egui::Color32;

use crate::report::palette::{self, Rgb};

const fn egui(c: Rgb) -> Color32 {
    Color32::from_rgb(c.0, c.1, c.2)
}

/// Histogram bars.
pub const BAR: Color32 = egui(palette::BAR);
/// ACCEPT flows.
pub const ACCEPT: Color32 = egui(palette::ACCEPT);
/// REJECT flows.
pub const REJECT: Color32 = egui(palette::REJECT);
/// NODATA / SKIPDATA / no action.
pub const OTHER: Color32 = egui(palette::OTHER);
/// A range being selected.
pub const SELECTION: Color32 = Color32::from_rgba_premultiplied(60, 90, 140, 60);
