//! Reporters: each renders the one result model (`RunResult`); none calls the runner.
//! Every file is written atomically (temp file + rename): a crash never leaves half a report.
pub mod html;
pub mod json;
pub mod junit;
pub mod terminal;
pub mod threat;

use crate::model::result::CaseResult;

use std::io::Write;
use std::path::Path;

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
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".oauth-conformance-probe.{}.tmp", std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(&probe)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
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

/// A case's requests and answers as plain text (already redacted), with the curl replay.
pub fn transcript_text(c: &CaseResult) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for x in &c.transcript {
        let _ = writeln!(out, "[{}] {} {}", x.step, x.method, x.url);
        for (k, v) in &x.request_headers {
            let _ = writeln!(out, "> {k}: {v}");
        }
        if let Some(b) = &x.request_body {
            let _ = writeln!(out, ">\n> {b}");
        }
        match (x.status, &x.error) {
            (Some(s), _) => {
                let _ = writeln!(out, "< {s} ({} ms)", x.elapsed_ms);
            }
            (None, Some(e)) => {
                let _ = writeln!(out, "< no answer: {e} ({} ms)", x.elapsed_ms);
            }
            (None, None) => {}
        }
        for (k, v) in &x.response_headers {
            let _ = writeln!(out, "< {k}: {v}");
        }
        if let Some(b) = &x.response_body {
            let _ = writeln!(out, "<\n< {b}");
        }
        out.push('\n');
    }
    for l in &c.login_log {
        let _ = writeln!(out, "[{}] the login command's stderr:", l.step);
        for line in l.text.lines() {
            let _ = writeln!(out, "! {line}");
        }
        out.push('\n');
    }
    if let Some(curl) = &c.curl {
        let _ = writeln!(out, "replay: {curl}");
    }
    out
}

/// Minimal HTML escaping for the few strings rendered outside the template.
pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
