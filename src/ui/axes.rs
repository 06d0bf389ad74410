//! Chart axes that read at any width: time ticks on round times (every 5 minutes … every week),
//! as many as fit without overlapping, none so close to an edge that its label is clipped;
//! labels with the date (and year) where the range spans days, the time zone in the caption;
//! count ticks on whole numbers with thousands separators.

use egui_plot::{GridInput, GridMark};

use crate::fmt::{civil_from_days, human_count, zone_name};

/// Round steps for time ticks, in seconds.
const TIME_STEPS: [u64; 14] = [
    60,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10_800,
    21_600,
    43_200,
    86_400,
    2 * 86_400,
    7 * 86_400,
    28 * 86_400,
];

/// Room for one time label, in points (the widest is `2024-03-01`).
const TIME_LABEL: f32 = 84.0;

/// The ticks of a time axis whose x value `v` is the time `start + v * bucket` (epoch seconds),
/// for a plot `width` points wide: the smallest round step (round in the zone `offset` seconds
/// east of UTC) whose labels do not touch; marks half a label from either edge left out.
pub(super) fn time_marks(
    input: GridInput,
    start: u64,
    bucket: u64,
    width: f32,
    offset: i64,
) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if hi <= lo || hi.is_nan() || lo.is_nan() || bucket == 0 || width <= 0.0 {
        return Vec::new();
    }
    let secs_per_point = (hi - lo) * bucket as f64 / f64::from(width);
    let need = f64::from(TIME_LABEL + 24.0) * secs_per_point;
    let step = TIME_STEPS
        .iter()
        .copied()
        .find(|s| *s as f64 >= need)
        .unwrap_or_else(|| (need / 86_400.0).ceil() as u64 * 86_400);
    let margin = f64::from(TIME_LABEL / 2.0) * secs_per_point / bucket as f64;
    let t_lo = start as f64 + lo * bucket as f64;
    let t_hi = start as f64 + hi * bucket as f64;
    // Round times in the zone: local = t + offset is a multiple of the step.
    let local_lo = (t_lo.max(0.0) as i64 + offset).max(0) as u64;
    let first = local_lo.div_ceil(step) * step;
    let step_units = step as f64 / bucket as f64;
    let mut marks = Vec::new();
    let mut t = first as i64 - offset;
    while (t as f64) <= t_hi && marks.len() < 400 {
        let v = (t as f64 - start as f64) / bucket as f64;
        if v - lo >= margin && hi - v >= margin {
            marks.push(GridMark {
                value: v,
                step_size: step_units,
            });
        }
        t += step as i64;
    }
    marks
}

/// The label of a time tick: the date (with year) at midnight or when ticks are a day or more
/// apart, the time of day otherwise (the caption names the day and the time zone).
pub(super) fn time_label(mark: GridMark, start: u64, bucket: u64, offset: i64) -> String {
    if mark.value < 0.0 {
        return String::new();
    }
    let t = (start + (mark.value * bucket as f64).round() as u64) as i64 + offset;
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    if secs == 0 || mark.step_size * bucket as f64 >= 86_400.0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
    }
}

/// Count ticks: whole numbers 1, 2 or 5 × 10^k apart, at least one besides 0.
pub(super) fn count_marks(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let top = hi.max(1.0);
    let raw = (top / 4.0).max(1.0);
    let pow = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * pow)
        .find(|s| *s >= raw)
        .unwrap_or(raw)
        .max(1.0);
    let mut marks = Vec::new();
    let mut v = (lo.max(0.0) / step).ceil() * step;
    while v <= hi && marks.len() < 50 {
        marks.push(GridMark {
            value: v,
            step_size: step,
        });
        v += step;
    }
    marks
}

/// A count label with separators (`12,000`); nothing for fractions or negatives.
pub(super) fn count_label(mark: GridMark) -> String {
    if mark.value < 0.0 || mark.value.fract() != 0.0 {
        return String::new();
    }
    human_count(mark.value as u64)
}

/// The caption of a time axis: the range's first and last day, and the time zone.
pub(super) fn time_caption(first: u64, last: u64, offset: i64) -> String {
    let day_of = |t: u64| (t as i64 + offset).div_euclid(86_400);
    let day = |t: u64| {
        let (y, m, d) = civil_from_days(day_of(t));
        format!("{y:04}-{m:02}-{d:02}")
    };
    let zone = zone_name(offset);
    if day_of(first) == day_of(last) {
        format!("{} ({zone})", day(first))
    } else {
        format!("{} – {} ({zone})", day(first), day(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(lo: f64, hi: f64) -> GridInput {
        GridInput {
            bounds: (lo, hi),
            base_step_size: 1.0,
        }
    }

    #[test]
    fn time_ticks_never_crowd_and_stay_off_the_edges() {
        // A day in 96 buckets of 15 minutes, at 600 and 1800 points wide.
        let start = 1_709_251_200;
        for width in [600.0, 1000.0, 1800.0] {
            let marks = time_marks(input(-0.5, 95.5), start, 900, width, 0);
            assert!(marks.len() >= 3, "{width}: {}", marks.len());
            let points_per_unit = f64::from(width) / 96.0;
            for w in marks.windows(2) {
                let gap = (w[1].value - w[0].value) * points_per_unit;
                assert!(gap >= f64::from(TIME_LABEL), "{width}: {gap}");
            }
            for m in &marks {
                let from_edge = (m.value + 0.5).min(95.5 - m.value) * points_per_unit;
                assert!(
                    from_edge >= f64::from(TIME_LABEL / 2.0) - 0.01,
                    "{from_edge}"
                );
            }
        }
        let m = GridMark {
            value: 0.0,
            step_size: 4.0,
        };
        assert_eq!(time_label(m, start, 900, 0), "2024-03-01");
        let m = GridMark {
            value: 58.0,
            step_size: 4.0,
        };
        assert_eq!(time_label(m, start, 900, 0), "14:30");
        // An hour east of UTC: the same tick reads 15:30, and ticks fall on local round times.
        assert_eq!(time_label(m, start, 900, 3600), "15:30");
        let marks = time_marks(input(-0.5, 95.5), start, 900, 1000.0, 1800);
        for m in &marks {
            let local = start as i64 + (m.value * 900.0).round() as i64 + 1800;
            assert_eq!(local % 3600, 0, "{}", m.value);
        }
    }

    #[test]
    fn count_ticks_are_whole_and_separated() {
        let marks = count_marks(input(0.0, 3.0));
        assert!(marks.iter().any(|m| m.value >= 1.0));
        assert!(marks.iter().all(|m| m.value.fract() == 0.0));
        let marks = count_marks(input(0.0, 12_500.0));
        let labels: Vec<String> = marks.into_iter().map(count_label).collect();
        assert!(labels.contains(&"10,000".to_owned()), "{labels:?}");
    }
}
