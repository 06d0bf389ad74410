//! The local cache of downloaded objects: the platform's cache directory (`$XDG_CACHE_HOME` or
//! `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows, then
//! `flowlens/s3`; `FLOWLENS_CACHE_DIR` overrides it), one file per object keyed by bucket, key
//! and ETag (a changed object is a new entry), least recently used entries removed past the size
//! limit (`FLOWLENS_CACHE_LIMIT`, default 4 GB).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest as _, Sha256};

/// Default size limit.
pub const DEFAULT_LIMIT: u64 = 4_000_000_000;

/// The object cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache {
    /// Where the entries are.
    pub dir: PathBuf,
    /// Bytes the entries may take after a load.
    pub limit: u64,
}

impl Cache {
    /// The cache at its usual place, or `FLOWLENS_CACHE_DIR`.
    pub fn standard() -> Cache {
        let dir = std::env::var_os("FLOWLENS_CACHE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| platform_cache_dir().join("flowlens").join("s3"));
        let limit = std::env::var("FLOWLENS_CACHE_LIMIT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(DEFAULT_LIMIT);
        Cache { dir, limit }
    }

    /// The entry of one object version.
    pub fn entry(&self, bucket: &str, key: &str, etag: &str) -> PathBuf {
        let mut h = Sha256::new();
        for part in [bucket, key, etag] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let hex: String = h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("{hex}.obj"))
    }

    /// The entry if it is cached (and marks it used).
    pub fn hit(&self, bucket: &str, key: &str, etag: &str) -> Option<PathBuf> {
        let p = self.entry(bucket, key, etag);
        let file = std::fs::File::options().append(true).open(&p).ok()?;
        file.set_modified(SystemTime::now()).ok();
        Some(p)
    }

    /// Entries and their total size.
    pub fn usage(&self) -> (u64, u64) {
        let entries = self.entries();
        (entries.len() as u64, entries.iter().map(|e| e.1).sum())
    }

    /// Removes the least recently used entries until the cache fits its limit.
    pub fn trim(&self) {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        entries.sort_by_key(|e| e.2);
        for (path, size, _) in entries {
            if total <= self.limit {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
            }
        }
    }

    /// Removes every entry; returns how many and their bytes.
    pub fn clear(&self) -> std::io::Result<(u64, u64)> {
        let (mut n, mut bytes) = (0, 0);
        for (path, size, _) in self.entries() {
            std::fs::remove_file(&path)?;
            n += 1;
            bytes += size;
        }
        Ok((n, bytes))
    }

    /// (path, size, last used) of every entry.
    fn entries(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        rd.filter_map(Result::ok)
            .filter(|e| is_entry(&e.path()))
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((e.path(), m.len(), m.modified().ok()?))
            })
            .collect()
    }
}

fn is_entry(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "obj" || x == "part")
}

/// The platform's directory for caches.
fn platform_cache_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(target_os = "windows") {
        return env("LOCALAPPDATA").unwrap_or_else(std::env::temp_dir);
    }
    let home = env("HOME").unwrap_or_else(std::env::temp_dir);
    if cfg!(target_os = "macos") {
        return home.join("Library").join("Caches");
    }
    env("XDG_CACHE_HOME").unwrap_or_else(|| home.join(".cache"))
}
