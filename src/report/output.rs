//! Where a rendered report goes. Enters: a path and the bytes to write; leaves: the file written
//! atomically (temp file + rename: a crash never leaves half a report), standard output for `-`,
//! or a `ReportError` naming the path.
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::load_error::io_message;

/// A report that could not be written. The I/O error is rendered in words (`io_message`) inside
/// the message, so it is not also a `#[source]` (the command line would print it twice).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Refused before the run: the path could not be written after it.
    #[error("{}: cannot write there: {}", path.display(), io_message(io))]
    Unwritable { path: PathBuf, io: std::io::Error },
    #[error("writing {}: {}", path.display(), io_message(io))]
    Write { path: PathBuf, io: std::io::Error },
}

/// Writes a report (or any file the tool leaves behind) where `write_output` puts it, the error
/// naming the path.
pub fn write_report(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_output(path, bytes).map_err(|io| ReportError::Write { path: path.to_path_buf(), io })
}

/// `check_writable`, the error naming the path.
pub fn ensure_writable(path: &Path) -> Result<(), ReportError> {
    check_writable(path).map_err(|io| ReportError::Unwritable { path: path.to_path_buf(), io })
}

/// Where a report goes: `-` is standard output; a path that exists and is not a regular file
/// (a device, a FIFO) is written in place, never renamed over; anything else atomically.
pub fn write_output(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return out.flush();
    }
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => std::fs::OpenOptions::new().write(true).open(path)?.write_all(bytes),
        _ => write_atomic(path, bytes),
    }
}

/// Refuses, before a run, an output path that could not be written after it: its directory
/// cannot be created or written, or it is a directory.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory")),
        // A device or FIFO: opening it now could block (a FIFO waits for its reader), or consume it.
        Ok(m) if !m.is_file() && m.permissions().readonly() => return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
        Ok(m) if !m.is_file() => return Ok(()),
        _ => {}
    }
    let dir = parent_dir(path);
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".oauth-conformance-probe.{}.tmp", std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(&probe)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("report");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The directory a file goes in; `.` for a bare file name.
fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "old, longer content").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(entries(dir.path()), vec!["report.json"]);
    }

    #[test]
    fn an_atomic_write_creates_missing_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/junit.xml");
        write_report(&path, b"<x/>").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "<x/>");
    }

    #[test]
    fn a_failed_rename_removes_its_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory cannot be renamed over.
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), "x").unwrap();
        assert!(write_atomic(&path, b"new").is_err());
        assert_eq!(entries(dir.path()), vec!["taken"]);
    }

    #[test]
    fn a_directory_is_refused_before_the_run_with_its_path_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let err = ensure_writable(dir.path()).unwrap_err();
        assert_eq!(err.to_string(), format!("{}: cannot write there: is a directory, not a file", dir.path().display()));
    }

    #[test]
    fn a_writable_path_passes_the_check_without_leaving_its_probe() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/report.html");
        ensure_writable(&path).unwrap();
        assert!(path.parent().unwrap().is_dir(), "the directory is created");
        assert!(entries(path.parent().unwrap()).is_empty(), "the probe is removed");
        ensure_writable(Path::new("-")).unwrap();
    }

    #[test]
    fn a_write_error_names_the_path_and_the_cause_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let err = write_report(&blocker.join("report.json"), b"{}").unwrap_err();
        assert!(matches!(err, ReportError::Write { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.starts_with(&format!("writing {}: ", blocker.join("report.json").display())), "{text}");
        assert!(!text.contains("os error"), "{text}");
    }
}
