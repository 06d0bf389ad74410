//! Records given as typed cells, one per field (Parquet rows): integers are checked against
//! the field's kind as they are, with no text round trip; text goes through the same token
//! rules as a line's.

use super::{MILLIS_THRESHOLD, NULL, RecordParser, parse_value};
use crate::model::schema::Kind;
use crate::model::skip::SkipReason;

/// One field's value in a record given as cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'t> {
    /// No value (a Parquet null): null in every kind, like `-`.
    Null,
    /// An integer, for a field of a number kind (`U8`, `U16`, `U64`, `Time`).
    Int(i64),
    /// A token, read as a line's token of the field's kind (`-` is null).
    Text(&'t [u8]),
}

/// The value of the integer `n` in a field of `kind`, by the rules of [`parse_value`] for its
/// decimal text: negative or above the kind's range is invalid, a time in milliseconds is
/// turned into seconds. `None` for a string or address kind (their values are text).
fn int_value(kind: Kind, n: i64) -> Option<u128> {
    if matches!(kind, Kind::Str | Kind::Addr) {
        return None;
    }
    let v = u64::try_from(n).ok()?;
    let v = if kind == Kind::Time && v >= MILLIS_THRESHOLD {
        v / 1000
    } else {
        v
    };
    (v <= kind.max_value()).then_some(u128::from(v))
}

impl RecordParser {
    /// Parses one record given as cells (`cell(k)` for field `k`, `count` of them), appending
    /// it when every value is valid; otherwise nothing is appended and the reason is returned.
    pub fn cells_record<'t>(
        &mut self,
        cell: impl Fn(usize) -> Cell<'t>,
        count: usize,
    ) -> Result<(), SkipReason> {
        let n = self.kinds.len();
        if count != n {
            return Err(SkipReason::FieldCount {
                expected: n,
                found: count,
            });
        }
        self.scratch.clear();
        for (k, &kind) in self.kinds.iter().enumerate() {
            let value = match cell(k) {
                Cell::Null => Some(NULL),
                Cell::Int(i) => int_value(kind, i),
                Cell::Text(tok) => parse_value(kind, tok),
            };
            match value {
                Some(v) => self.scratch.push(v),
                None => {
                    return Err(match cell(k) {
                        Cell::Int(i) => self.value_error(k, i.to_string().as_bytes()),
                        Cell::Text(tok) => self.value_error(k, tok),
                        Cell::Null => self.value_error(k, b"-"),
                    });
                }
            }
        }
        // Only string and address values are read from the text (the others are in `scratch`).
        self.commit(|k| match cell(k) {
            Cell::Text(tok) => tok,
            Cell::Null | Cell::Int(_) => b"",
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_the_text_rules() {
        for (kind, n) in [
            (Kind::U8, 0),
            (Kind::U8, 255),
            (Kind::U8, 256),
            (Kind::U16, 65_535),
            (Kind::U16, 65_536),
            (Kind::U16, -1),
            (Kind::U64, i64::MAX),
            (Kind::Time, 1_709_251_201),
            (Kind::Time, 1_709_251_201_123),
            (Kind::Time, i64::from(u32::MAX) + 1),
            (Kind::Time, MILLIS_THRESHOLD as i64 - 1),
        ] {
            let text = n.to_string();
            assert_eq!(
                int_value(kind, n),
                parse_value(kind, text.as_bytes()),
                "{kind:?} {n}"
            );
        }
        assert_eq!(int_value(Kind::Str, 5), None);
        assert_eq!(int_value(Kind::Addr, 5), None);
    }
}
