//! Where the suite's data (case tables and specs) comes from: the copy embedded at build time,
//! or a directory given with `--suite`.
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// A source of suite files, addressed by paths like `cases/citi-pl/token_cc.toml`.
#[derive(Debug, Clone)]
pub enum Suite {
    Embedded,
    Dir(PathBuf),
}

impl Suite {
    /// Files under `prefix` (e.g. `cases/citi-pl/`), sorted, as (path for messages, text).
    pub fn files(&self, prefix: &str) -> std::io::Result<Vec<(String, String)>> {
        match self {
            Suite::Embedded => Ok(embedded::FILES
                .iter()
                .filter(|(p, _)| p.starts_with(prefix))
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect()),
            Suite::Dir(root) => {
                let dir = root.join(prefix);
                let mut out = Vec::new();
                if dir.is_dir() {
                    let mut paths: Vec<_> =
                        std::fs::read_dir(&dir)?.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
                    paths.sort();
                    for p in paths {
                        out.push((p.display().to_string(), std::fs::read_to_string(&p)?));
                    }
                }
                Ok(out)
            }
        }
    }

    /// One file's text, if it exists.
    pub fn file(&self, path: &str) -> std::io::Result<Option<(String, String)>> {
        match self {
            Suite::Embedded => Ok(embedded::FILES.iter().find(|(p, _)| *p == path).map(|(p, t)| (p.to_string(), t.to_string()))),
            Suite::Dir(root) => {
                let p: PathBuf = root.join(path);
                if p.is_file() { Ok(Some((p.display().to_string(), std::fs::read_to_string(&p)?))) } else { Ok(None) }
            }
        }
    }

    /// Profiles this suite has specs for (directories under `specs/` with a `profile.toml`).
    pub fn profiles(&self) -> Vec<String> {
        let mut names: Vec<String> = match self {
            Suite::Embedded => embedded::FILES
                .iter()
                .filter_map(|(p, _)| p.strip_prefix("specs/")?.strip_suffix("/profile.toml").map(str::to_string))
                .collect(),
            Suite::Dir(root) => std::fs::read_dir(root.join("specs"))
                .map(|rd| {
                    rd.flatten()
                        .filter(|e| e.path().join("profile.toml").is_file())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default(),
        };
        names.sort();
        names
    }

    pub fn describe(&self) -> String {
        match self {
            Suite::Embedded => "embedded suite".into(),
            Suite::Dir(p) => Path::new(p).display().to_string(),
        }
    }
}
