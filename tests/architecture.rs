//! The shape of `src/`, checked from the source text: no two library modules import each other
//! (directly or through others), neither do the stage folders, and no file, function or error type
//! drifts past the limits CONTRIBUTING.md states.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files of the binary, not of the library (`crate::` there means the binary).
const BINARY: &[&str] = &["main.rs", "cli.rs", "commands.rs"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` → `a::b`, `src/a/mod.rs` → `a`.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts.join("::")
}

/// The library's modules and the text of each, test modules cut off (tests may import anything).
fn library() -> BTreeMap<String, String> {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix("src").unwrap().to_path_buf();
        if rel.components().count() == 1 && BINARY.contains(&rel.to_string_lossy().as_ref()) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let code: String = code.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
        out.insert(module_of(&rel), code);
    }
    out
}

/// Every path the code names: `crate::a::b`, `super::c`, with `prefix::{x, y::z}` groups expanded.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut at = 0;
        while let Some(i) = code[at..].find(start) {
            let i = at + i;
            at = i + start.len();
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':') {
                continue;
            }
            let rest = &code[i..];
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            let head = rest[..end].trim_end_matches(':').to_string();
            if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
                let group = &rest[end + 1..rest[end..].find('}').map_or(rest.len(), |j| end + j)];
                for item in group.split(',') {
                    let item = item.split_whitespace().next().unwrap_or("");
                    if item.is_empty() || item == "self" {
                        out.push(head.clone());
                    } else {
                        out.push(format!("{head}::{item}"));
                    }
                }
            } else {
                out.push(head);
            }
        }
    }
    out
}

/// Whether `code` names `name::…` on its own (not as the tail of a longer path, not `mod name;`).
fn names_bare(code: &str, name: &str) -> bool {
    let needle = format!("{name}::");
    code.match_indices(&needle).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

/// The module a path lands in: the longest prefix that is a module (after `super` is resolved).
fn resolve(path: &str, from: &str, modules: &BTreeMap<String, String>) -> Option<String> {
    let mut segs: Vec<&str> = Vec::new();
    let mut rest = path.split("::").peekable();
    match rest.next()? {
        "crate" => {}
        "super" => {
            // `super` is the parent of the module, whether its file is `a/b.rs` or `a/b/mod.rs`.
            let mut base: Vec<&str> = if from.is_empty() { vec![] } else { from.split("::").collect() };
            base.pop();
            segs.extend(base);
            while rest.peek() == Some(&"super") {
                rest.next();
                segs.pop();
            }
        }
        _ => return None,
    }
    segs.extend(rest);
    (1..=segs.len()).rev().map(|n| segs[..n].join("::")).find(|m| modules.contains_key(m))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = library();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, code) in &modules {
        let set = edges.entry(m.clone()).or_default();
        // A module names its own children without a prefix: `chromium::Chromium` in `login`.
        let children = modules.keys().filter_map(|k| k.strip_prefix(&format!("{m}::")).filter(|c| !c.contains("::")).map(|c| (c.to_string(), k.clone())));
        for (child, full) in children.collect::<Vec<_>>() {
            if names_bare(code, &child) {
                set.insert(full);
            }
        }
        for p in paths(code) {
            if let Some(to) = resolve(&p, m, &modules)
                && to != *m
                && !to.is_empty()
            {
                set.insert(to);
            }
        }
    }
    edges
}

/// A cycle in `edges`, as the list of nodes around it, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(n: &str, edges: &BTreeMap<String, BTreeSet<String>>, state: &mut BTreeMap<String, u8>, stack: &mut Vec<String>) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for next in edges.get(n).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == next).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if state.get(n).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, edges, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// Every edge a → b where b leads back to a: the imports to undo.
fn back_edges(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<(String, String)> {
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(n) = todo.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                todo.extend(edges.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    edges.iter().flat_map(|(a, bs)| bs.iter().filter(|b| reaches(b, a)).map(move |b| (a.clone(), b.clone()))).collect()
}

#[test]
fn no_two_library_modules_import_each_other() {
    let edges = graph();
    assert!(edges.len() > 40, "expected the library's modules, got {}", edges.len());
    if let Some(cycle) = find_cycle(&edges) {
        let back: Vec<String> = back_edges(&edges).iter().map(|(a, b)| format!("{a} → {b}")).collect();
        panic!("import cycle among modules: {}\nevery import that closes a cycle:\n{}", cycle.join(" → "), back.join("\n"));
    }
}

#[test]
fn the_stage_folders_import_downwards_only() {
    let top = |m: &str| m.split("::").next().unwrap_or(m).to_string();
    let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph() {
        let set = folders.entry(top(&from)).or_default();
        set.extend(tos.iter().map(|t| top(t)).filter(|t| *t != top(&from)));
    }
    for stage in ["model", "transport", "jose", "check", "suite", "target", "login", "run", "report", "reference"] {
        assert!(folders.contains_key(stage), "expected a stage folder src/{stage}/");
    }
    if let Some(cycle) = find_cycle(&folders) {
        panic!("the stage folders import each other: {}", cycle.join(" → "));
    }
    // The reference server is reached over HTTP only: it never imports the runner or the checks.
    let reference = &folders["reference"];
    for far in ["run", "check", "login", "report", "target", "suite"] {
        assert!(!reference.contains(far), "reference/ imports {far}/: the reference server must know nothing of the suite");
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.entry("a".into()).or_default().insert("b".into());
    edges.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&edges), None);
    edges.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&edges), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}

#[test]
fn paths_are_read_from_groups_and_super() {
    let code = "use crate::model::level::Level;\nuse super::{consent::Choice, DriveError};\nlet x = crate::transport::http::excerpt(s);";
    assert_eq!(paths(code), vec!["crate::model::level::Level", "crate::transport::http::excerpt", "super::consent::Choice", "super::DriveError"]);
    let mut modules = BTreeMap::new();
    for m in ["login", "login::consent", "login::chromium", "model::level", "model"] {
        modules.insert(m.to_string(), String::new());
    }
    assert_eq!(resolve("super::consent::Choice", "login::chromium", &modules).as_deref(), Some("login::consent"));
    assert_eq!(resolve("super::DriveError", "login::chromium", &modules).as_deref(), Some("login"));
    assert_eq!(resolve("crate::model::level::Level", "x", &modules).as_deref(), Some("model::level"));
}

/// The binary has no unit-test harness (Cargo.toml: `test = false`, a link saved on every
/// build): a test written in its modules would never run, so none may be.
#[test]
fn the_binary_holds_no_unit_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(manifest.contains("path = \"src/main.rs\"\n") && manifest.contains("test = false"), "Cargo.toml no longer turns the binary's harness off: this test can go");
    for file in ["main.rs", "cli.rs", "commands.rs"] {
        let code = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(!code.contains("#[test]") && !code.contains("cfg(test)"), "src/{file} holds a unit test, which would never run: put it in the library or in tests/cli.rs");
    }
}
