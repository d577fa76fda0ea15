//! Embeds `cases/` and `specs/` into the binary so `oauth-conformance` runs from any directory;
//! `--suite DIR` reads them from disk instead.
use std::{env, fs, path::Path};

fn collect(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, root, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("toml" | "json" | "md")) {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push(format!(
                "    ({rel:?}, include_str!({abs:?})),\n",
                abs = path.canonicalize().unwrap().to_string_lossy()
            ));
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut rows = Vec::new();
    for dir in ["cases", "specs"] {
        println!("cargo:rerun-if-changed={dir}");
        collect(&root.join(dir), root, &mut rows);
    }
    let code = format!("pub(crate) static FILES: &[(&str, &str)] = &[\n{}];\n", rows.concat());
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("embedded.rs"), code).unwrap();
}
