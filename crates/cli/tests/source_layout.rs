//! The design rule that keeps every crate readable from its folder tree (docs/design.md §1): no two source
//! files import each other, directly or around a circle. A file's imports are its `crate::a::b` paths, each
//! an edge to the longest prefix that is a module of the crate (a folder's `mod.rs` is the folder); a
//! module naming its own parent is not an import (the parent declares it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`""` for the crate root, `a::b`) → source text, for every file under `src` but tests.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let rel = rel.to_string_lossy().replace('/', "::");
            if path.extension().is_none_or(|e| e != "rs") || rel.split("::").any(|p| p == "tests") {
                continue;
            }
            let name = rel.strip_suffix("::mod").or(rel.strip_suffix("mod")).unwrap_or(&rel);
            let name = if name == "lib" || name == "main" { "" } else { name };
            out.insert(name.to_string(), std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// Every `crate::x::y…` path in `text`, as `x::y…`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        if text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        out.push(rest[..end].trim_end_matches(':').to_string());
    }
    out
}

/// A circle of imports among `graph`'s modules, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(k) = path.iter().position(|p| p == n) {
            return Some(path[k..].to_vec());
        }
        if !done.insert(n.to_string()) {
            return None;
        }
        path.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, done, path) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut done, &mut Vec::new()))
}

#[test]
fn no_two_source_files_import_each_other() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let mods = modules(&src);
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (name, text) in &mods {
            for path in crate_paths(text) {
                let parts: Vec<&str> = path.split("::").collect();
                let target = (1..=parts.len()).rev().map(|k| parts[..k].join("::")).find(|m| mods.contains_key(m));
                if let Some(m) = target.filter(|m| m != name && !name.starts_with(&format!("{m}::"))) {
                    graph.entry(name.clone()).or_default().insert(m);
                }
            }
        }
        if let Some(c) = circle(&graph) {
            let name = src.parent().and_then(|p| p.file_name()).unwrap_or_default().to_string_lossy().into_owned();
            found.push(format!("crates/{name}: {}", c.join(" → ")));
        }
    }
    assert!(found.is_empty(), "source files importing each other:\n{}", found.join("\n"));
}

#[test]
fn the_check_finds_a_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .iter()
        .map(|(x, y)| (x.to_string(), [y.to_string()].into()))
        .collect();
    assert_eq!(circle(&graph).map(|c| c.len()), Some(3));
    assert_eq!(crate_paths("use crate::a::b::{C, D};\n x: $crate::Log, my_crate::z"), ["a::b"]);
}
