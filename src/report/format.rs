//! The report formats a run writes, and the reporter that writes one to a file. Enters: the
//! format and its path (from the command line), then the final `RunResult`; leaves: the file,
//! written atomically, and a line for the summary saying where it went.
use std::path::PathBuf;

use crate::model::result::RunResult;
use crate::report::output::{ReportError, ensure_writable, write_report};
use crate::report::reporter::Reporter;
use crate::report::{html, json, junit};
use crate::run::event::Event;
use crate::target::baseline::Baseline;

/// What a file reporter renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// `report.json`: the whole run, machine-readable.
    Json,
    /// `junit.xml`: one testcase per case, for CI.
    Junit,
    /// `report.html`: one self-contained page for a person.
    Html,
    /// A baseline file of this run's failures and warnings (`--write-baseline`).
    Baseline,
    /// A short Markdown summary for a CI page (`--markdown`).
    Markdown,
}

impl ReportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Junit => "junit",
            ReportFormat::Html => "html",
            ReportFormat::Baseline => "baseline",
            ReportFormat::Markdown => "markdown",
        }
    }

    /// The file's text, from the final result.
    pub fn render(self, result: &RunResult) -> String {
        match self {
            ReportFormat::Json => json::to_string(result),
            ReportFormat::Junit => junit::render(result),
            ReportFormat::Html => html::render(result),
            ReportFormat::Baseline => Baseline::of_failures(result).to_toml(),
            ReportFormat::Markdown => crate::report::markdown::render(result),
        }
    }
}

/// Writes one format to one path (`-`: standard output) when the run finishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReporter {
    pub format: ReportFormat,
    pub path: PathBuf,
}

impl FileReporter {
    pub fn new(format: ReportFormat, path: PathBuf) -> FileReporter {
        FileReporter { format, path }
    }

    /// A report (not the baseline) going to standard output: the terminal's lines then go to
    /// standard error.
    pub fn takes_stdout(&self) -> bool {
        self.format != ReportFormat::Baseline && self.path.as_os_str() == "-"
    }

    /// Refuses, before the run, a path that could not be written after it.
    pub fn check(&self) -> Result<(), ReportError> {
        ensure_writable(&self.path)
    }

    /// The summary's `report:` line for this file.
    pub fn label(&self) -> String {
        match self.format {
            ReportFormat::Baseline => format!("{} (baseline of this run's failures)", self.path.display()),
            f if self.path.as_os_str() == "-" => format!("{} on standard output", f.name()),
            _ => self.path.display().to_string(),
        }
    }
}

impl Reporter for FileReporter {
    /// A file renders the final result only: the events carry nothing it needs before the end.
    fn event(&mut self, event: &Event) {
        match event {
            Event::Started { .. } | Event::Diagnosis(_) | Event::CaseFinished(_) | Event::Finished => {}
        }
    }

    fn finish(&mut self, result: &RunResult, written: &mut Vec<String>) -> Result<(), ReportError> {
        write_report(&self.path, self.format.render(result).as_bytes())?;
        written.push(self.label());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::result::Outcome;
    use crate::report::sample;
    use rstest::rstest;

    #[rstest]
    #[case(ReportFormat::Json, "reports/report.json", "reports/report.json")]
    #[case(ReportFormat::Json, "-", "json on standard output")]
    #[case(ReportFormat::Junit, "-", "junit on standard output")]
    #[case(ReportFormat::Html, "-", "html on standard output")]
    #[case(ReportFormat::Baseline, "known.toml", "known.toml (baseline of this run's failures)")]
    #[case(ReportFormat::Baseline, "-", "- (baseline of this run's failures)")]
    fn the_summary_line_says_where_each_report_went(#[case] format: ReportFormat, #[case] path: &str, #[case] label: &str) {
        assert_eq!(FileReporter::new(format, path.into()).label(), label);
    }

    #[test]
    fn only_a_report_on_standard_output_moves_the_terminal_to_standard_error() {
        assert!(FileReporter::new(ReportFormat::Json, "-".into()).takes_stdout());
        assert!(!FileReporter::new(ReportFormat::Baseline, "-".into()).takes_stdout());
        assert!(!FileReporter::new(ReportFormat::Html, "r.html".into()).takes_stdout());
    }

    #[rstest]
    #[case(ReportFormat::Json, "\"summary\"")]
    #[case(ReportFormat::Junit, "<testsuites")]
    #[case(ReportFormat::Html, "<!doctype html>")]
    #[case(ReportFormat::Baseline, "id = \"a/broken\"")]
    fn a_file_reporter_writes_its_format_and_names_the_file(#[case] format: ReportFormat, #[case] marker: &str) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut reporter = FileReporter::new(format, path.clone());
        reporter.event(&Event::Finished);
        let mut written = vec!["earlier".to_string()];
        reporter.finish(&sample::run(vec![sample::case("a/broken", Outcome::Failed)]), &mut written).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.to_lowercase().contains(&marker.to_lowercase()), "{marker} not in {text}");
        assert_eq!(written, ["earlier".to_string(), reporter.label()]);
    }
}
