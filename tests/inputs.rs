//! Nothing a user writes or pipes makes the suite panic: arbitrary bytes as target files, case
//! tables and baselines always load or give one `file:line: …` error; a closed pipe ends `list`
//! quietly; report paths `-` and devices are written, never renamed over.
mod common;

use std::process::{Command, Stdio};

use oauth_conformance::target::baseline::Baseline;
use oauth_conformance::suite::table::parse_table;
use oauth_conformance::target::file::Target;
use proptest::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

fn one_line(e: &impl std::fmt::Display) -> bool {
    let s = e.to_string();
    !s.is_empty() && !s.contains('\n')
}

/// Text that looks like TOML often enough to reach the deeper validators, with non-ASCII keys.
fn tomlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("profile = \"citi-pl\"\n".to_string()),
        Just("base_url = \"http://127.0.0.1:1\"\n".to_string()),
        Just("[client]\nid = \"x\"\n".to_string()),
        Just("[authorize]\n".to_string()),
        Just("[[case]]\nid = \"token-cc/x\"\n".to_string()),
        Just("endpoint = \"client_credentials_token\"\n".to_string()),
        Just("[[failure]]\nid = \"token-cc/valid\"\n".to_string()),
        "[a-zé\u{1F600}_\"]{1,6} = [0-9]{1,3}\n",
        "\"[^\"\n]{0,8}\" = \"[^\"\n]{0,8}\"\n",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn a_target_file_loads_or_gives_one_line(text in tomlish()) {
        if let Err(e) = Target::parse("t.toml", &text, &|_| None) {
            prop_assert!(one_line(&e), "{e}");
        }
    }

    #[test]
    fn a_case_table_loads_or_gives_one_line(text in tomlish()) {
        let profile = common::profile("citi-pl");
        if let Err(e) = parse_table("c.toml", &text, profile.as_ref()) {
            prop_assert!(one_line(&e), "{e}");
        }
    }

    #[test]
    fn a_baseline_loads_or_gives_one_line(text in tomlish()) {
        if let Err(e) = Baseline::parse("b.toml", &text, &|_, _| true) {
            prop_assert!(one_line(&e), "{e}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let profile = common::profile("citi-pl");
        let _ = Target::parse("t.toml", &text, &|_| None);
        let _ = parse_table("c.toml", &text, profile.as_ref());
        let _ = Baseline::parse("b.toml", &text, &|_, _| true);
    }
}

#[test]
fn a_non_ascii_key_is_a_one_line_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(&file, "profile = \"citi-pl\"\nbase_url = \"http://127.0.0.1:1\"\n[client]\nid = \"x\"\n[authorize]\n\"é\" = 5\n").unwrap();
    let out = Command::new(BIN).args(["run", "--target", file.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with(&format!("error: {}:6: field `é`:", file.display())) && err.lines().count() == 1, "{err}");
}

#[test]
fn list_into_a_closed_pipe_ends_quietly() {
    let out = Command::new("sh").arg("-c").arg(format!("'{BIN}' list | head -1")).stderr(Stdio::piped()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success());
    assert!(!err.contains("panicked") && err.is_empty(), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# citi-"));
}

#[test]
fn a_filter_that_matches_nothing_is_a_usage_error() {
    for args in [&["run", "--filter", "zzz"][..], &["list", "--filter", "zzz"], &["run", "--filter", "token-cc/valid", "--exact", "--skip", "token-cc/valid"]] {
        let out = Command::new(BIN).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: no case matches"), "{err}");
    }
}

#[test]
fn json_on_stdout_parses_and_case_lines_go_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["run", "--profile", "citi-mx", "--json", "-", "--report-dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON report alone");
    assert_eq!(report["summary"]["total"], 29);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.lines().filter(|l| l.starts_with("ok ")).count() == 29 && err.contains("gate: PASSED"), "{err}");
    assert!(!dir.path().join("-").exists(), "no file named -");
}

#[test]
fn a_device_is_written_in_place_never_renamed_over() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    let out = Command::new(BIN)
        .args(["run", "--profile", "citi-mx", "--json", fifo.to_str().unwrap(), "--report-dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(json["summary"]["passed"], 29);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still a FIFO");
}

#[test]
fn an_unwritable_report_dir_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = Command::new(BIN).args(["run", "--report-dir", file.join("sub").to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: ") && err.contains("cannot write there"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "no case ran");
}

#[test]
fn messages_say_no_such_file_and_list_the_known_profiles() {
    let out = Command::new(BIN).args(["run", "--target", "/nonexistent/target.toml"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim(), "error: /nonexistent/target.toml:1: no such file");
    let out = Command::new(BIN).args(["list", "--profile", "nope"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim(), "error: unknown profile `nope` (known: citi-mx, citi-pl, rfc6749)");
}

#[test]
fn fail_fast_stops_starting_cases_and_says_so() {
    let server = common::start_profile("citi-pl", &[oauth_conformance::reference::Fault::WrongSecretAccepted]);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t.toml");
    std::fs::write(&target, server.target_toml()).unwrap();
    let out = Command::new(BIN)
        .args(["run", "--target", target.to_str().unwrap(), "--jobs", "1", "--fail-fast", "--json", "-", "--report-dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["failed"], 1, "one failure, then nothing new starts");
    assert!(report["summary"]["not_run"].as_u64().unwrap() > 10);
    assert!(report["stopped"].as_str().unwrap().contains("--max-failures 1"));
}
