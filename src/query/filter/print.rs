//! The canonical text of a filter (it parses back to the same filter).

use std::fmt;

use super::Filter;
use crate::fmt::format_size;
use crate::model::names::protocol_name;
use crate::model::schema::{self, Kind};

// ---------------------------------------------------------------------------------------------
// Printer

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(self, f, 0)
    }
}

fn quote(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '/' | '@'))
        && !["and", "or", "not", "in", "is"].contains(&s.to_ascii_lowercase().as_str());
    if bare {
        s.to_owned()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn write_set<T>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    show: impl Fn(&T) -> String,
) -> fmt::Result {
    if let [one] = items {
        write!(f, "{}", show(one))
    } else {
        let parts: Vec<String> = items.iter().map(show).collect();
        write!(f, "{{{}}}", parts.join(", "))
    }
}

/// Precedence: 0 = top, 1 = inside `or`, 2 = inside `and`, 3 = inside `not`.
fn write_filter(filter: &Filter, f: &mut fmt::Formatter<'_>, prec: u8) -> fmt::Result {
    match filter {
        Filter::All => Ok(()),
        Filter::Or(parts) => write_joined(f, parts, " or ", 1, prec),
        Filter::And(parts) => write_joined(f, parts, " and ", 2, prec),
        Filter::Not(inner) => {
            f.write_str("not ")?;
            write_filter(inner, f, 3)
        }
        Filter::Addr { field, nets } => {
            write!(f, "{} ", field.name())?;
            if nets.len() == 1
                && nets
                    .first()
                    .is_some_and(|n| n.prefix_len() == n.max_prefix_len())
            {
                write!(
                    f,
                    "== {}",
                    nets.first()
                        .map(|n| n.addr().to_string())
                        .unwrap_or_default()
                )
            } else {
                f.write_str("in ")?;
                write_set(f, nets, |n| n.to_string())
            }
        }
        Filter::Port { field, ranges } => {
            write!(f, "{} ", field.name())?;
            if let [(lo, hi)] = ranges.as_slice()
                && lo == hi
            {
                return write!(f, "== {lo}");
            }
            f.write_str("in ")?;
            write_set(f, ranges, |(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}..{hi}")
                }
            })
        }
        Filter::Protocol(ps) => {
            let show = |p: &u8| protocol_name(*p).map_or_else(|| p.to_string(), str::to_owned);
            if let [p] = ps.as_slice() {
                write!(f, "protocol == {}", show(p))
            } else {
                f.write_str("protocol in ")?;
                write_set(f, ps, show)
            }
        }
        Filter::Num { field, op, value } => {
            let kind = schema::lookup(field).map_or(Kind::U64, |d| d.kind);
            let v = if kind == Kind::Time {
                crate::fmt::format_epoch(*value)
            } else if field == "bytes" {
                format_size(*value)
            } else {
                value.to_string()
            };
            write!(f, "{field} {} {v}", op.symbol())
        }
        Filter::Str { field, values } => {
            if let [v] = values.as_slice() {
                write!(f, "{field} == {}", quote(v))
            } else {
                write!(f, "{field} in ")?;
                write_set(f, values, |v| quote(v))
            }
        }
        Filter::Regex { field, pattern } => {
            write!(
                f,
                "{field} ~ \"{}\"",
                pattern.replace('\\', "\\\\").replace('"', "\\\"")
            )
        }
        Filter::Class { side, class } => write!(f, "{} is {}", side.name(), class.name()),
        Filter::Direction(d) => write!(f, "direction == {}", d.name()),
    }
}

/// `a or b …` at precedence `level`, parenthesised when the context binds tighter.
fn write_joined(
    f: &mut fmt::Formatter<'_>,
    parts: &[Filter],
    sep: &str,
    level: u8,
    prec: u8,
) -> fmt::Result {
    if prec > level {
        f.write_str("(")?;
    }
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_filter(p, f, level)?;
    }
    if prec > level {
        f.write_str(")")?;
    }
    Ok(())
}
