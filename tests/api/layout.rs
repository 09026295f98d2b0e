//! The floors only point down (ARCHITECTURE.md): what a floor may not import, checked over the
//! source, so an arrow back up fails here rather than in review.

use std::path::{Path, PathBuf};

/// Each floor, and the paths its files may not name.
const RULES: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "crate::repo",
            "crate::service",
            "crate::http",
            "crate::db",
            "crate::state",
            "axum",
        ],
    ),
    (
        "db",
        &[
            "crate::repo",
            "crate::service",
            "crate::http",
            "crate::state",
            "axum",
        ],
    ),
    (
        "repo",
        &[
            "crate::service",
            "crate::http",
            "crate::state",
            "crate::auth",
            "axum",
        ],
    ),
    ("service", &["crate::http", "axum", "StatusCode"]),
    ("auth", &["crate::service", "crate::http"]),
    ("tenancy", &["crate::service", "crate::http"]),
];

#[test]
fn no_floor_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences = Vec::new();
    for (floor, forbidden) in RULES {
        for file in rust_files(&src.join(floor)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for path in *forbidden {
                    if code.contains(path) {
                        offences.push(format!("{}:{} names {path}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "arrows back up:\n{}",
        offences.join("\n")
    );
}

/// `state.rs` holds parts; it calls no use case.
#[test]
fn state_is_built_from_parts_that_import_no_service() {
    let state = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/state.rs");
    let text = std::fs::read_to_string(state).unwrap();
    assert!(
        !text.contains("crate::service"),
        "state.rs imports a service"
    );
    assert!(!text.contains("crate::http"), "state.rs imports http");
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    if dir.with_extension("rs").is_file() {
        found.push(dir.with_extension("rs"));
    }
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found
}
