//! Skipped lines: why each was skipped, and the per-file report (all counted, a few kept).

/// How many skipped lines a file keeps as examples (all are counted).
pub const MAX_SKIP_EXAMPLES: usize = 20;

/// Longest line text kept in a skip example.
const MAX_EXAMPLE_BYTES: usize = 300;

/// Why a line was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The line does not have as many fields as the layout.
    FieldCount {
        /// Fields in the active layout.
        expected: usize,
        /// Fields on the line.
        found: usize,
    },
    /// A numeric field is not a number or out of range.
    BadNumber {
        /// Column name.
        field: String,
        /// The token (truncated).
        value: String,
    },
    /// An address field is not an IPv4 or IPv6 address.
    BadAddress {
        /// Column name.
        field: String,
        /// The token (truncated).
        value: String,
    },
    /// An IPv4 address with a leading zero in an octet (`010.0.0.1`): octal to some tools.
    AmbiguousAddress {
        /// Column name.
        field: String,
        /// The token (truncated).
        value: String,
    },
    /// A line longer than the limit (skipped without being held in memory).
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// JSON that is not a flow-log wrapper, or not valid.
    BadJson(String),
    /// The file ended in the middle of a line (truncated or broken file).
    Truncated,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::FieldCount { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            SkipReason::BadNumber { field, value } => {
                write!(f, "field `{field}`: `{value}` is not a valid number")
            }
            SkipReason::BadAddress { field, value } => {
                write!(
                    f,
                    "field `{field}`: `{value}` is not an IPv4 or IPv6 address"
                )
            }
            SkipReason::AmbiguousAddress { field, value } => write!(
                f,
                "field `{field}`: `{value}` has a leading zero (octal to some tools; AWS never writes one)"
            ),
            SkipReason::TooLong { limit } => write!(f, "line longer than {limit} bytes"),
            SkipReason::BadJson(msg) => write!(f, "{msg}"),
            SkipReason::Truncated => write!(f, "incomplete last line (file ends mid-record)"),
        }
    }
}

/// One skipped line kept as an example for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedLine {
    /// 1-based line number in the (decompressed) text, or the JSON value/event ordinal.
    pub line: u64,
    /// Why it was skipped.
    pub reason: SkipReason,
    /// The line itself (lossy UTF-8, truncated).
    pub text: String,
}

/// Skipped lines of one file: all counted, the first [`MAX_SKIP_EXAMPLES`] kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkipReport {
    /// Number of skipped lines.
    pub count: u64,
    /// The first examples.
    pub examples: Vec<SkippedLine>,
}

impl SkipReport {
    /// Records a skipped line.
    pub fn push(&mut self, line: u64, reason: SkipReason, text: &[u8]) {
        self.count += 1;
        if self.examples.len() < MAX_SKIP_EXAMPLES {
            let cut = &text[..text.len().min(MAX_EXAMPLE_BYTES)];
            self.examples.push(SkippedLine {
                line,
                reason,
                text: String::from_utf8_lossy(cut).into_owned(),
            });
        }
    }
}
