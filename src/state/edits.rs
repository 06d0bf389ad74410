//! Edit buffers and prompts: what the user is typing before it becomes a command.

use std::path::PathBuf;

use crate::model::FlowTable;
use crate::model::schema::guess_format;
use crate::model::skip::SkipReason;
use crate::query::filter::{AddrField, PortField};

/// What the quick-filter panel is editing.
#[derive(Clone, Debug)]
pub struct PanelEdits {
    /// VPC CIDRs being typed.
    pub vpc_text: String,
    /// CIDRs for an include/exclude condition.
    pub cidr_text: String,
    /// Which address the CIDRs apply to.
    pub cidr_field: AddrField,
    /// Port range being typed.
    pub port_from: u16,
    /// End of the port range.
    pub port_to: u16,
    /// Which port the range applies to.
    pub port_field: PortField,
    /// Search text of each picker (interface, account, VPC, subnet).
    pub picker_search: [String; 4],
}

/// The log-format question for headerless files in another layout.
#[derive(Clone, Debug)]
pub struct FormatPrompt {
    /// The file.
    pub path: PathBuf,
    /// Its first lines (as skipped).
    pub preview: Vec<String>,
    /// The format being typed (prefilled with a guess from the field count).
    pub text: String,
}

impl FormatPrompt {
    /// A prompt for the first file whose skipped lines are mostly field-count mismatches.
    pub fn for_table(table: &FlowTable) -> Option<FormatPrompt> {
        let f = table.files.iter().find(|f| {
            f.skipped.count > f.records
                && f.skipped
                    .examples
                    .iter()
                    .all(|e| matches!(e.reason, SkipReason::FieldCount { .. }))
        })?;
        let found = f.skipped.examples.iter().find_map(|e| match e.reason {
            SkipReason::FieldCount { found, .. } => Some(found),
            _ => None,
        })?;
        Some(FormatPrompt {
            path: f.path.clone(),
            preview: f
                .skipped
                .examples
                .iter()
                .take(3)
                .map(|e| e.text.clone())
                .collect(),
            text: guess_format(found).unwrap_or_default(),
        })
    }
}
