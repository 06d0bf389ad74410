//! The one palette: the colours of the charts, in the report and in the app (`ui::theme` turns
//! them into egui colours; nothing else defines a chart colour).

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

/// Histogram bars.
pub const BAR: Rgb = (86, 156, 214);
/// ACCEPT.
pub const ACCEPT: Rgb = (78, 170, 110);
/// REJECT.
pub const REJECT: Rgb = (214, 88, 78);
/// NODATA, SKIPDATA, no action.
pub const OTHER: Rgb = (140, 140, 140);
