//! Input discovery: files and folders (walked recursively, links followed once) → the files to
//! read, largest first; what cannot be read becomes a file report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::model::FileReport;
use crate::model::skip::SkipReport;

/// Expands folders (recursively, hidden entries skipped, symlink loops cut) and drops files seen
/// twice. Returns the files with their sizes and reports for paths that cannot be read.
pub fn discover(paths: &[PathBuf]) -> (Vec<(PathBuf, u64)>, Vec<FileReport>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen_files = HashSet::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        visit(
            p,
            &mut files,
            &mut errors,
            &mut seen_files,
            &mut seen_dirs,
            true,
        );
    }
    (files, errors)
}

/// Identity of a file or folder: device and inode on Unix, the canonical path elsewhere.
fn identity(path: &Path, meta: &std::fs::Metadata) -> (u64, u64, Option<PathBuf>) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let _ = path;
        (meta.dev(), meta.ino(), None)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (0, 0, std::fs::canonicalize(path).ok())
    }
}

fn visit(
    path: &Path,
    files: &mut Vec<(PathBuf, u64)>,
    errors: &mut Vec<FileReport>,
    seen_files: &mut HashSet<(u64, u64, Option<PathBuf>)>,
    seen_dirs: &mut HashSet<(u64, u64, Option<PathBuf>)>,
    given: bool,
) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            // A dangling link found while walking is not worth an error; a path the user gave is.
            if given || std::fs::symlink_metadata(path).is_err() {
                errors.push(unreadable(path, format!("cannot read: {e}")));
            }
            return;
        }
    };
    if meta.is_dir() {
        if !seen_dirs.insert(identity(path, &meta)) {
            return; // symlink loop or the same folder twice
        }
        let entries = match std::fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) => {
                errors.push(unreadable(path, format!("cannot list folder: {e}")));
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        children.sort();
        for child in children {
            visit(&child, files, errors, seen_files, seen_dirs, false);
        }
    } else if meta.is_file() {
        if seen_files.insert(identity(path, &meta)) {
            files.push((path.to_path_buf(), meta.len()));
        }
    } else if given {
        errors.push(unreadable(path, "not a regular file or folder".into()));
    }
}

fn unreadable(path: &Path, error: String) -> FileReport {
    FileReport {
        path: path.to_path_buf(),
        error: Some(error),
        skipped: SkipReport::default(),
        ..FileReport::default()
    }
}
