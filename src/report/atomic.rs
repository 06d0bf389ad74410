//! Files written to a temporary name in the same folder and renamed into place, so a reader
//! never sees half a file; nothing is replaced unless asked.

use std::io::{self, Write};
use std::path::Path;

use super::ReportError;

/// Writes `bytes` to `path` atomically; an existing file is replaced only when `force` is set.
pub fn write_atomic(path: &Path, bytes: &[u8], force: bool) -> Result<(), ReportError> {
    write_atomic_with(path, force, |f| f.write_all(bytes))
}

/// Writes what `write` produces to `path` atomically (streamed, not held in memory); an
/// existing file is replaced only when `force` is set.
pub fn write_atomic_with(
    path: &Path,
    force: bool,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
) -> Result<(), ReportError> {
    if !force && path.exists() {
        return Err(ReportError::Exists(path.to_path_buf()));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        write(&mut f)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    result.map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
