//! The binary as a user meets it: exit statuses, one-line errors, serve + run --target.
mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

fn cmd(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A `serve` process, killed when dropped.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(target_file: &Path, faults: &[&str]) -> Served {
    serve_profile("citi-pl", target_file, faults)
}

fn serve_profile(profile: &str, target_file: &Path, faults: &[&str]) -> Served {
    let mut args = vec!["serve", "--profile", profile, "--port", "0", "--write-target", target_file.to_str().unwrap()];
    for f in faults {
        args.extend(["--fault", f]);
    }
    let child = Command::new(BIN).args(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("serve starts");
    let served = Served(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !target_file.exists() {
        assert!(Instant::now() < deadline, "serve wrote no target file");
        std::thread::sleep(Duration::from_millis(20));
    }
    served
}

#[test]
fn run_against_embedded_reference_passes_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmd(&["run", "--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{}\nstderr:\n{}", stdout(&out), stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let total = report["summary"]["total"].as_u64().unwrap();
    assert!(total >= 75);
    common::assert_reports_hold_no_issued_value(dir.path(), "the embedded reference run");
    // Every case passes but the slow ones, skipped without --slow (they wait out lifetimes), the
    // FAPI client's mutual-TLS ones (its methods are private_key_jwt and DPoP) and TLS probes (it
    // is served over http), the
    // one for PAR-only servers (the embedded reference takes plain requests too) and the one for
    // resources that take a token from the query (it does not).
    let skipped: Vec<(&str, &str)> = report["cases"].as_array().unwrap().iter().filter(|c| c["outcome"] == "skipped").map(|c| (c["id"].as_str().unwrap(), c["message"].as_str().unwrap())).collect();
    assert!(!skipped.is_empty() && skipped.iter().all(|(id, why)| common::skipped_by_shape(why) || *id == "par/required-plain-request-refused" || *id == "bearer/query-token-private"), "{skipped:?}");
    assert_eq!(report["summary"]["passed"].as_u64(), Some(total - skipped.len() as u64));
    assert_eq!(report["profile"], "citi-pl,citi-mx,rfc6749", "every profile, one report");
    let profiles: Vec<&str> = report["cases"].as_array().unwrap().iter().map(|c| c["profile"].as_str().unwrap()).collect();
    let mut groups = profiles.clone();
    groups.dedup();
    assert_eq!(groups, ["citi-pl", "citi-mx", "rfc6749"], "cases grouped by profile");
    assert!(report["target"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    let case = &report["cases"][0];
    for key in ["id", "profile", "endpoint", "title", "level", "refs", "outcome", "message"] {
        assert!(!case[key].is_null(), "case member {key}");
    }
    let text = stdout(&out);
    assert!(text.contains("gate: PASSED"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("ok ") || l.starts_with("skipped ")).count() as u64, total, "one line per case");
}

#[test]
fn serve_then_run_with_its_target_file_passes_and_a_fault_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    let _s = serve(&good, &[]);
    let out = cmd(&["run", "--target", good.to_str().unwrap(), "--report-dir", dir.path().join("r1").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let secret_line = std::fs::read_to_string(&good).unwrap().lines().find(|l| l.starts_with("secret")).unwrap().to_string();
    let secret = secret_line.split('"').nth(1).unwrap();
    assert!(!stdout(&out).contains(secret), "the terminal shows the client secret");
    let report = std::fs::read_to_string(dir.path().join("r1/report.json")).unwrap();
    assert!(!report.contains(secret), "report.json shows the client secret");

    let bad = dir.path().join("bad.toml");
    let _b = serve(&bad, &["wrong-secret-accepted"]);
    let out = cmd(&["run", "--target", bad.to_str().unwrap(), "--report-dir", dir.path().join("r2").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("token-cc/wrong-secret [failed]"), "{}", stdout(&out));
    assert!(stdout(&out).contains("gate: FAILED"));
}

#[test]
fn serve_citi_mx_then_run_with_its_target_file_passes() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("mx.toml");
    let _s = serve_profile("citi-mx", &t, &[]);
    let out = cmd(&["run", "--target", t.to_str().unwrap(), "--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("citi-mx against http://127.0.0.1:"), "{}", stdout(&out));
    let bad = dir.path().join("bad.toml");
    let _b = serve_profile("citi-mx", &bad, &["mx-uuid-not-required"]);
    let out = cmd(&["run", "--target", bad.to_str().unwrap(), "--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("authorize/missing-uuid [failed]"));
}

#[test]
fn a_should_failure_fails_the_gate_only_with_strict() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.toml");
    let _s = serve(&t, &["code-reusable"]);
    // Only the SHOULD cases of the fault: without --strict the gate holds.
    let args = |strict: bool| {
        let mut a = vec!["run", "--target", t.to_str().unwrap(), "--filter", "reused-code-revokes", "--report-dir"];
        a.push(dir.path().to_str().unwrap());
        if strict {
            a.push("--strict");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |strict| Command::new(BIN).args(args(strict)).output().unwrap();
    let lax = run(false);
    assert_eq!(lax.status.code(), Some(0), "{}", stdout(&lax));
    assert!(stdout(&lax).contains("failed SHOULD cases"), "{}", stdout(&lax));
    assert_eq!(run(true).status.code(), Some(1));
}

#[test]
fn bad_target_file_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("target.toml");
    std::fs::write(&p, "profile = \"citi-pl\"\nbase_url = \"http://127.0.0.1:9\"\n[client]\nid = \"x\"\nsecert = \"y\"\n").unwrap();
    let out = cmd(&["run", "--target", p.to_str().unwrap(), "--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("error: {}:5: unknown field `secert`", p.display())), "{err}");
    assert!(stdout(&out).is_empty(), "nothing runs");
}

#[test]
fn bad_case_table_is_one_line_and_exit_2() {
    let dir = common::copy_suite();
    let table = dir.path().join("cases/citi-pl/refresh.toml");
    let text = std::fs::read_to_string(&table).unwrap().replacen("level = \"MUST\"", "level = 1", 1);
    std::fs::write(&table, text).unwrap();
    let out = cmd(&["run", "--suite", dir.path().to_str().unwrap(), "--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cases/citi-pl/refresh.toml:9: field `level`: "), "{err}");
}

#[test]
fn usage_error_is_exit_2() {
    assert_eq!(cmd(&["run", "--request-timeout", "0"]).status.code(), Some(2));
    assert_eq!(cmd(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn list_is_a_dry_run_of_every_case() {
    let out = cmd(&["list", "--profile", "citi-pl"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn selftest_prints_the_kill_matrix_and_writes_selftest_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmd(&["selftest", "--profile", "citi-pl", "--report-dir", dir.path().to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let n = oauth_conformance::reference::faults_of("citi-pl").len();
    assert!(text.contains(&format!("mutation score: {n}/{n} faults caught (100 %)")), "{text}");
    assert!(text.contains("correct reference: all "), "{text}");
    assert!(text.contains("state-dropped") && text.contains("authorize/state-echoed"), "{text}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("selftest.json")).unwrap()).unwrap();
    assert_eq!(json[0]["caught"].as_u64(), Some(n as u64));
}

#[test]
fn run_writes_all_three_reports_and_honours_their_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = cmd(&["run", "--filter", "token-cc/", "--report-dir", d.to_str().unwrap(), "--junit", d.join("x/j.xml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(d.join("report.json").is_file() && d.join("report.html").is_file() && d.join("x/j.xml").is_file());
    assert!(!d.join("junit.xml").exists(), "--junit moved it");
    let names: Vec<String> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "no temp file left: {names:?}");
}

/// A broken variant with a baseline of exactly its failures passes the gate; one entry fewer
/// fails it; an entry for a passing case is reported fixed (and fails the gate under --strict).
#[test]
fn baseline_gates_only_on_new_failures_and_reports_fixed_entries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = d.join("t.toml");
    let _s = serve(&t, &["wrong-secret-accepted"]);
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--target", t.to_str().unwrap(), "--report-dir", d.to_str().unwrap()];
        args.extend_from_slice(extra);
        cmd(&args)
    };
    let base = d.join("baseline.toml");
    let first = run(&["--write-baseline", base.to_str().unwrap()]);
    assert_eq!(first.status.code(), Some(1));
    let text = std::fs::read_to_string(&base).unwrap();
    // Four failures; token-cc/error-no-store also trips, but as advice, which a baseline never lists.
    assert_eq!(text.matches("[[failure]]").count(), 4, "{text}");
    assert!(!text.contains("token-cc/error-no-store"), "{text}");

    let with = run(&["--baseline", base.to_str().unwrap()]);
    assert_eq!(with.status.code(), Some(0), "{}", stdout(&with));
    assert!(stdout(&with).contains("known failures (baseline), not gating:"));

    let entries: Vec<&str> = text.split("[[failure]]").collect();
    let fewer = d.join("fewer.toml");
    let dropped: Vec<&str> = entries.iter().copied().filter(|e| !e.contains("id = \"token-cc/wrong-secret\"")).collect();
    std::fs::write(&fewer, dropped.join("[[failure]]")).unwrap();
    let out = run(&["--baseline", fewer.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("token-cc/wrong-secret [failed]"));

    let more = d.join("more.toml");
    std::fs::write(&more, format!("{text}\n[[failure]]\nid = \"token-cc/valid\"\nreason = \"broken in 1.0\"\n")).unwrap();
    let out = run(&["--baseline", more.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("fixed — remove from baseline:\n  token-cc/valid now passes"), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
    let valid = report["cases"].as_array().unwrap().iter().find(|c| c["id"] == "token-cc/valid").unwrap().clone();
    assert_eq!(valid["baseline"]["status"], "fixed");
    assert_eq!(run(&["--baseline", more.to_str().unwrap(), "--strict"]).status.code(), Some(1));

    // An intermittent entry (a race that shows in some runs) that passes is not "fixed", and
    // --strict does not fail on it.
    let flaky = d.join("flaky.toml");
    std::fs::write(&flaky, format!("{text}\n[[failure]]\nid = \"token-cc/valid\"\nreason = \"a race\"\nintermittent = true\n")).unwrap();
    let out = run(&["--baseline", flaky.to_str().unwrap(), "--strict"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("fixed — remove from baseline"), "{}", stdout(&out));

    let bad = d.join("bad.toml");
    std::fs::write(&bad, "[[failure]]\nid = \"nope/none\"\nreason = \"x\"\n").unwrap();
    let out = run(&["--baseline", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.toml:1: field `id`: no case `nope/none`"), "{}", stderr(&out));
}

/// rfc6749 with no [endpoints]: the discovery_url (RFC 8414 metadata) fills them in.
#[test]
fn discovery_url_fills_the_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("rfc.toml");
    let _s = serve_profile("rfc6749", &t, &[]);
    let text = std::fs::read_to_string(&t).unwrap();
    let base = text.lines().find(|l| l.starts_with("base_url")).unwrap().split('"').nth(1).unwrap().to_string();
    // The reference's target file already names its discovery_url; without [endpoints] it is all
    // the suite has.
    assert!(text.contains(&format!("discovery_url = \"{base}/.well-known/oauth-authorization-server\"")));
    let without = text.split("[endpoints]").next().unwrap().to_string();
    let d = dir.path().join("discovered.toml");
    std::fs::write(&d, &without).unwrap();
    let out = cmd(&["run", "--target", d.to_str().unwrap(), "--filter", "token-cc/", "--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let broken = without.replace("oauth-authorization-server", "nothing-here");
    std::fs::write(&d, broken).unwrap();
    // Metadata that does not answer leaves nothing to find the server by: no case starts, the
    // reports say why, and the gate fails (exit 1), as for an unreachable target.
    let out = cmd(&["run", "--target", d.to_str().unwrap(), "--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}\n{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).starts_with("target unusable: discovery_url"), "{}", stdout(&out));
}

/// `[login] driver = "chromium"` on a machine without Chromium: one error line naming the file and
/// what to install, exit 2, before any case — not one error per login.
#[test]
fn a_chromium_login_without_chromium_is_one_error_before_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.toml");
    std::fs::write(&t, "profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:9\"\nclient = { id = \"c\", secret = \"s\", redirect_uri = \"https://c.example/cb\", scope = \"read\" }\n[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"chromium\"\n").unwrap();
    let empty = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["run", "--target", t.to_str().unwrap(), "--report-dir", dir.path().join("r").to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env("PATH", empty.path())
        .env_remove("OAUTH_CONFORMANCE_CHROMIUM")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains("t.toml: [login] driver = \"chromium\", but no Chromium found"), "{err}");
    assert!(stdout(&o).is_empty(), "no case ran: {}", stdout(&o));
}

/// Every id the suite prints pastes back: `citi-pl:token-cc/valid` with `--exact` runs exactly that
/// case of that profile, and `--level MUST` is taken in any case.
#[test]
fn a_printed_id_pastes_into_filter_and_level_ignores_case() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmd(&["run", "--filter", "citi-pl:token-cc/valid", "--exact", "--level", "MUST", "--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let ids: Vec<String> = report["cases"].as_array().unwrap().iter().map(|c| format!("{}:{}", c["profile"].as_str().unwrap(), c["id"].as_str().unwrap())).collect();
    assert_eq!(ids, ["citi-pl:token-cc/valid"]);
    assert!(stdout(&out).contains("result: PASSED. 1 case: 1 passed"), "{}", stdout(&out));
}

/// CI summaries: `--markdown` writes the gate, each gating case with its rule, and the compliance;
/// `diff OLD NEW` names the cases that newly fail (exit 1) or newly pass (exit 0).
#[test]
fn markdown_summary_and_diff_of_two_runs() {
    let dir = tempfile::tempdir().unwrap();
    let run = |faults: &[&str], name: &str| {
        let t = dir.path().join(format!("{name}.toml"));
        let _s = serve_profile("citi-pl", &t, faults);
        let reports = dir.path().join(name);
        let md = dir.path().join(format!("{name}.md"));
        let out = cmd(&["run", "--target", t.to_str().unwrap(), "--filter", "token-cc/", "--report-dir", reports.to_str().unwrap(), "--markdown", md.to_str().unwrap()]);
        (out, reports.join("report.json"), std::fs::read_to_string(md).unwrap())
    };
    let (good, good_json, good_md) = run(&[], "good");
    assert_eq!(good.status.code(), Some(0), "{}", stdout(&good));
    assert!(good_md.starts_with("## OAuth conformance: PASSED"), "{good_md}");
    let (bad, bad_json, bad_md) = run(&["wrong-secret-accepted"], "bad");
    assert_eq!(bad.status.code(), Some(1));
    assert!(bad_md.starts_with("## OAuth conformance: FAILED") && bad_md.contains("| `citi-pl:token-cc/wrong-secret` | MUST |"), "{bad_md}");
    let regress = cmd(&["diff", good_json.to_str().unwrap(), bad_json.to_str().unwrap()]);
    assert_eq!(regress.status.code(), Some(1), "{}", stdout(&regress));
    assert!(stdout(&regress).contains("newly failing:\n  citi-pl:token-cc/wrong-secret (passed → failed)"), "{}", stdout(&regress));
    let fixed = cmd(&["diff", bad_json.to_str().unwrap(), good_json.to_str().unwrap()]);
    assert_eq!(fixed.status.code(), Some(0), "{}", stdout(&fixed));
    assert!(stdout(&fixed).contains("newly passing:\n  citi-pl:token-cc/wrong-secret (failed → passed)"), "{}", stdout(&fixed));
    let missing = cmd(&["diff", "nope.json", good_json.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).starts_with("error: nope.json: "), "{}", stderr(&missing));
}

/// `init --issuer` against the reference server's metadata writes a target file with which `run`
/// passes: the metadata gives the endpoints and capabilities, the flags the clients and the user,
/// the environment the secrets (never written into the file).
#[test]
fn init_from_the_reference_metadata_writes_a_file_run_passes_with() {
    let dir = tempfile::tempdir().unwrap();
    let served_file = dir.path().join("served.toml");
    let _s = serve_profile("rfc6749", &served_file, &[]);
    let served: toml::Table = std::fs::read_to_string(&served_file).unwrap().parse().unwrap();
    let s = |table: &str, key: &str| served[table][key].as_str().unwrap().to_string();
    let base = served["base_url"].as_str().unwrap();
    let out = dir.path().join("target.toml");
    let out_s = out.to_str().unwrap();
    let (client, second) = (s("client", "id"), s("second_client", "id"));
    let (redirect, second_redirect, user) = (s("client", "redirect_uri"), s("second_client", "redirect_uri"), s("login", "username"));
    let probe = served["probe_url"].as_str().unwrap();
    let init = |extra: &[&str]| {
        let mut args = vec!["init", "--issuer", base, "--output", out_s, "--no-input", "--client-id", &client, "--redirect-uri", &redirect, "--scope", "accounts"];
        args.extend(["--username", &user, "--second-client-id", &second, "--second-redirect-uri", &second_redirect, "--probe-url", probe]);
        args.extend(extra);
        cmd(&args)
    };
    let o = init(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("wrote {out_s} from {base}/.well-known/oauth-authorization-server")), "{}", stderr(&o));
    for var in ["OAUTH_CLIENT_SECRET", "OAUTH_SECOND_CLIENT_SECRET", "OAUTH_LOGIN_PASSWORD"] {
        assert!(stderr(&o).contains(var), "{var} is announced: {}", stderr(&o));
    }
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(!written.contains(&s("client", "secret")) && !written.contains(&s("login", "password")), "no secret in the file:\n{written}");
    assert!(written.contains("#   yes RFC 9126 pushed authorization requests"), "{written}");
    // An existing file is kept unless --force.
    let again = init(&[]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("already exists (--force overwrites it)"), "{}", stderr(&again));
    assert_eq!(init(&["--force"]).status.code(), Some(0));

    let reports = dir.path().join("reports");
    let run = Command::new(BIN)
        .args(["run", "--target", out_s, "--report-dir", reports.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env("OAUTH_CLIENT_SECRET", s("client", "secret"))
        .env("OAUTH_SECOND_CLIENT_SECRET", s("second_client", "secret"))
        .env("OAUTH_LOGIN_PASSWORD", s("login", "password"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}\n{}", stdout(&run), stderr(&run));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    let passed = report["summary"]["passed"].as_u64().unwrap();
    assert!(passed >= 150, "the drafted file runs most of rfc6749, not a handful: {} passed", passed);
    common::assert_reports_hold_no_issued_value(&reports, "the run with the drafted file");
}

/// `init` where no metadata answers: one line naming each URL it tried, exit 2, no file.
#[test]
fn init_without_metadata_names_each_url_it_tried() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.toml");
    let o = cmd(&["init", "--issuer", "http://127.0.0.1:9/realm", "--output", out.to_str().unwrap(), "--no-input", "--timeout", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("http://127.0.0.1:9/.well-known/oauth-authorization-server/realm") && err.contains("http://127.0.0.1:9/realm/.well-known/openid-configuration"), "{err}");
    assert!(!out.exists());
}

/// On a terminal `init` asks for what the metadata cannot say, and writes the answers; an empty
/// answer leaves a `${VAR}` placeholder. (util-linux `script` gives the program a terminal.)
#[test]
fn init_on_a_terminal_asks_for_what_the_metadata_cannot_say() {
    let dir = tempfile::tempdir().unwrap();
    let served_file = dir.path().join("served.toml");
    let _s = serve_profile("rfc6749", &served_file, &[]);
    let served: toml::Table = std::fs::read_to_string(&served_file).unwrap().parse().unwrap();
    let base = served["base_url"].as_str().unwrap();
    let out = dir.path().join("asked.toml");
    let command = format!("{BIN} init --issuer {base} --output {}", out.display());
    // client id, public? (no), redirect URI (empty), scope, user, second client (empty).
    let answers = "my-client\nn\n\naccounts\nalice\n\n";
    let mut child = Command::new("script").args(["-qec", &command, "/dev/null"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("util-linux script runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for line in answers.split_inclusive('\n') {
            stdin.write_all(line.as_bytes()).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let o = child.wait_with_output().unwrap();
    let shown = stdout(&o);
    assert!(o.status.success(), "{shown}{}", stderr(&o));
    assert!(shown.contains("client id, registered for the authorization code grant"), "{shown}");
    let written: toml::Table = std::fs::read_to_string(&out).unwrap().parse().unwrap();
    assert_eq!(written["client"]["id"].as_str(), Some("my-client"));
    assert_eq!(written["client"]["secret"].as_str(), Some("${OAUTH_CLIENT_SECRET}"));
    assert_eq!(written["client"]["redirect_uri"].as_str(), Some("${OAUTH_REDIRECT_URI}"), "an empty answer is a placeholder");
    assert_eq!(written["client"]["scope"].as_str(), Some("accounts"));
    assert_eq!(written["login"]["username"].as_str(), Some("alice"));
    assert!(written.get("second_client").is_none());
}
