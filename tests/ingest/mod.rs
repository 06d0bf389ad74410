//! Every input the loader takes, and how it fails.

mod failures;
mod files;
mod formats;
pub(crate) mod hostile;

pub(crate) fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}
