//! The crate's layers, checked on its source text: every `crate::…` and `super::…` path of every
//! file under `src/` must point to its own layer or one below it (ARCHITECTURE.md, "Layers");
//! no file may pass 600 lines and no function 120 lines.

use std::path::{Path, PathBuf};

/// The layers, lowest first. Layers of the same rank may not use each other.
const LAYERS: &[(&str, u32)] = &[
    ("fmt", 0),
    ("model", 1),
    ("ingest", 2),
    ("query", 3),
    ("report", 4),
    ("sample", 4),
    ("cloud", 4),
    ("state", 5),
    ("ui", 6),
    ("app", 7),
    ("cli", 8),
];

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 120;

fn rank(layer: &str) -> Option<u32> {
    LAYERS.iter().find(|(l, _)| *l == layer).map(|(_, r)| *r)
}

/// The text with comments removed and string and char literals emptied, so that a path in a
/// doc comment or a message is not taken for an import.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i += 2;
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' && b.get(i + 2) == Some(&b'\'') {
            i += 3;
            out.push_str("' '");
        } else if c == b'\'' && b.get(i + 1) == Some(&b'\\') {
            i += 2;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c as char);
            i += 1;
        }
    }
    out
}

/// The module path of a source file (`src/query/views/acc.rs` → `[query, views, acc]`; a
/// `mod.rs` is its folder).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// Every layer-crossing reference of one file: (line, what it names, the layer it points to).
fn references(rel: &Path, text: &str) -> Vec<(usize, String, String)> {
    let module = module_path(rel);
    let mut found = Vec::new();
    for (n, line) in code_only(text).lines().enumerate() {
        let bytes = line.as_bytes();
        for (at, c) in line.char_indices() {
            if !matches!(c, 'c' | 's' | '$') {
                continue;
            }
            let word_start = at == 0 || {
                let prev = bytes[at - 1];
                !prev.is_ascii_alphanumeric() && prev != b'_' && prev != b'$'
            };
            if !word_start {
                continue;
            }
            let tail = &line[at..];
            let target = if let Some(p) = tail
                .strip_prefix("crate::")
                .or(tail.strip_prefix("$crate::"))
            {
                p.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .map(str::to_owned)
            } else if tail.starts_with("super::") {
                let mut up = 0;
                let mut p = tail;
                while let Some(r) = p.strip_prefix("super::") {
                    up += 1;
                    p = r;
                }
                let base = module.len().saturating_sub(up);
                match module.get(..base) {
                    Some([first, ..]) => Some(first.clone()),
                    // `super` of a top-level layer file is the crate root: name the item.
                    _ => p
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .map(str::to_owned),
                }
            } else {
                None
            };
            if let Some(t) = target {
                found.push((n + 1, tail.chars().take(60).collect(), t));
            }
        }
    }
    found
}

/// The violations of one file: references from its layer to a higher one, to a sibling of the
/// same rank, or to something that is no layer.
fn violations(rel: &Path, text: &str) -> Vec<String> {
    let module = module_path(rel);
    let Some(own) = module.first() else {
        return Vec::new(); // lib.rs and main.rs sit above every layer
    };
    let Some(own_rank) = rank(own) else {
        return vec![format!(
            "{}: `{own}` is not a layer (add it to LAYERS and ARCHITECTURE.md)",
            rel.display()
        )];
    };
    references(rel, text)
        .into_iter()
        .filter_map(|(line, what, target)| {
            if target == *own {
                return None;
            }
            let why = match rank(&target) {
                None => "a name outside every layer".to_owned(),
                Some(r) if r > own_rank => format!("layer `{target}` is above `{own}`"),
                Some(r) if r == own_rank => format!("`{target}` is a sibling of `{own}`"),
                Some(_) => return None,
            };
            Some(format!("{}:{line}: `{what}`: {why}", rel.display()))
        })
        .collect()
}

/// Functions longer than [`MAX_FN_LINES`]: a `fn` line to the `}` at its indentation.
fn long_functions(rel: &Path, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let sig = trimmed
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("const ")
            .trim_start_matches("unsafe ");
        if !sig.starts_with("fn ") || line.trim_end().ends_with(';') {
            continue;
        }
        let close = " ".repeat(indent) + "}";
        if let Some(len) = lines[i + 1..]
            .iter()
            .position(|l| l.trim_end() == close)
            .map(|p| p + 2)
            && len > MAX_FN_LINES
        {
            let name: String = sig[3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(format!(
                "{}:{}: fn {name} has {len} lines",
                rel.display(),
                i + 1
            ));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn sources(folder: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no sources under {}", root.display());
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.strip_prefix(&root).unwrap().to_path_buf(), text)
        })
        .collect()
}

#[test]
fn every_import_points_down_the_layers() {
    let mut bad = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (rel, text) in sources("src") {
        if let Some(top) = module_path(&rel).first() {
            seen.insert(top.clone());
        }
        bad.extend(violations(&rel, &text));
    }
    assert!(
        bad.is_empty(),
        "imports against the layers:\n{}",
        bad.join("\n")
    );
    // Every layer exists: a renamed folder must be renamed here too.
    for (layer, _) in LAYERS {
        assert!(seen.contains(*layer), "no folder src/{layer}");
    }
}

#[test]
fn files_and_functions_stay_small() {
    let mut bad = Vec::new();
    for folder in ["src", "tests"] {
        for (rel, text) in sources(folder) {
            let n = text.lines().count();
            if n > MAX_FILE_LINES {
                bad.push(format!("{folder}/{}: {n} lines", rel.display()));
            }
            bad.extend(
                long_functions(&rel, &text)
                    .into_iter()
                    .map(|l| format!("{folder}/{l}")),
            );
        }
    }
    assert!(bad.is_empty(), "too large:\n{}", bad.join("\n"));
}

/// The checker itself finds what it must (so a green run means something).
#[test]
fn the_checker_catches_upward_imports() {
    let rel = Path::new("model/table.rs");
    let ok = "use super::skip::SkipReport;\nuse crate::fmt::human_count;\n/// see crate::app\n";
    assert_eq!(violations(rel, ok), Vec::<String>::new());
    let up = "use crate::query::Selection;\nfn f() { let _ = \"crate::ui\"; }\n";
    let found = violations(rel, up);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("layer `query` is above `model`"),
        "{found:?}"
    );
    // `super::super` out of a nested module resolves to the layer it lands in.
    let nested = Path::new("query/views/acc.rs");
    assert!(violations(nested, "use super::super::block::Block;\n").is_empty());
    let from_ui = violations(
        Path::new("state/mod.rs"),
        "fn f() { crate::ui::theme::BAR; }\n",
    );
    assert_eq!(from_ui.len(), 1, "{from_ui:?}");
    let sibling = violations(Path::new("report/x.rs"), "use crate::sample::generate;\n");
    assert!(sibling[0].contains("sibling"), "{sibling:?}");
    let macro_path = violations(rel, "$crate::query::X\n");
    assert_eq!(macro_path.len(), 1, "{macro_path:?}");
    let long = format!("fn f() {{\n{}}}\n", "    x();\n".repeat(130));
    assert_eq!(long_functions(rel, &long).len(), 1);
}
