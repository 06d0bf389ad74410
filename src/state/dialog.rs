//! flowlens's own file dialog, for desktops where no native one answers (no file-chooser portal,
//! no zenity: a bare X session, many tiling window managers, remote desktops). The app lists the
//! folders; the view only shows them and sends commands.

use std::path::PathBuf;

use super::ExportTarget;

/// What the dialog is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogPurpose {
    /// Open files, or a folder.
    Open {
        /// Pick a folder instead of files.
        folder: bool,
    },
    /// Where to write an export (a folder for the report).
    Save(ExportTarget),
}

/// One entry of the folder shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialogEntry {
    /// File or folder name.
    pub name: String,
    /// A folder.
    pub is_dir: bool,
    /// Size in bytes (files).
    pub bytes: u64,
}

/// The in-app file dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDialog {
    /// What it is for.
    pub purpose: DialogPurpose,
    /// The folder shown.
    pub dir: PathBuf,
    /// Its entries, folders first, by name.
    pub entries: Vec<DialogEntry>,
    /// Files picked (opening files).
    pub selected: Vec<PathBuf>,
    /// The file name (saving a file).
    pub file_name: String,
    /// The path field's text (typed to jump to a folder).
    pub path_text: String,
    /// Why the folder could not be listed.
    pub error: Option<String>,
    /// Why this dialog rather than the system's.
    pub note: String,
}

impl FileDialog {
    /// The title of its window.
    pub fn title(&self) -> &'static str {
        match &self.purpose {
            DialogPurpose::Open { folder: false } => "Open files",
            DialogPurpose::Open { folder: true } => "Open a folder",
            DialogPurpose::Save(ExportTarget::Report) => "Folder for the report",
            DialogPurpose::Save(_) => "Save as",
        }
    }

    /// The paths the dialog answers with, if it can answer now.
    pub fn answer(&self) -> Option<Vec<PathBuf>> {
        match &self.purpose {
            DialogPurpose::Open { folder: false } => {
                (!self.selected.is_empty()).then(|| self.selected.clone())
            }
            DialogPurpose::Open { folder: true } | DialogPurpose::Save(ExportTarget::Report) => {
                Some(vec![self.dir.clone()])
            }
            DialogPurpose::Save(_) => {
                let name = self.file_name.trim();
                (!name.is_empty()).then(|| vec![self.dir.join(name)])
            }
        }
    }
}
