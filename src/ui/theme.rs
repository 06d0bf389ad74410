//! The only place colours are defined.

use eframe::egui::Color32;

/// Histogram bars.
pub const BAR: Color32 = Color32::from_rgb(86, 156, 214);
/// ACCEPT flows.
pub const ACCEPT: Color32 = Color32::from_rgb(78, 170, 110);
/// REJECT flows.
pub const REJECT: Color32 = Color32::from_rgb(214, 88, 78);
/// NODATA / SKIPDATA / no action.
pub const OTHER: Color32 = Color32::from_rgb(140, 140, 140);
/// A range being selected.
pub const SELECTION: Color32 = Color32::from_rgba_premultiplied(60, 90, 140, 60);
