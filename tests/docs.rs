//! The README and `docs/` stay true: every command they show runs here and does what the page
//! says (its exit status, the output lines it quotes); the lists the code knows (capabilities,
//! faults, variants, every command's `--help`, the coverage table) are generated from it; the
//! target-file key tables match the parser's keys, required and optional. `UPDATE_DOCS=1 cargo
//! test --test docs` rewrites the generated blocks.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oauth_conformance::model::capability::Capability;
use oauth_conformance::reference::{Fault, Variant};
use rstest::rstest;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The address the pages give for "your server"; the harness puts a reference server there.
const EXAMPLE_SERVER: &str = "https://as.example";

fn page(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// One command of a page: the shell line, the exit status the page states (`# exit N`, else 0),
/// and the output lines it quotes (`...` elides).
#[derive(Debug)]
struct Shown {
    line: String,
    exit: i32,
    quoted: Vec<String>,
    background: bool,
}

/// The commands of every ```console block (`$ ` lines, the lines after each one its quoted output)
/// and of every ```sh block (each line a command).
fn commands(text: &str) -> Vec<Shown> {
    let mut out: Vec<Shown> = Vec::new();
    let mut block: Option<&str> = None;
    for line in text.lines() {
        match (block, line.trim_start().strip_prefix("```")) {
            (None, Some(lang)) => block = Some(if lang.starts_with("console") { "console" } else if lang.starts_with("sh") { "sh" } else { "other" }),
            (Some(_), Some(_)) => block = None,
            (Some("console"), None) => match line.strip_prefix("$ ") {
                Some(cmd) => out.push(shown(cmd)),
                None if line.trim() == "..." || line.trim().is_empty() => {}
                None => out.last_mut().expect("output after a command").quoted.push(line.trim().to_string()),
            },
            (Some("sh"), None) if !line.trim().is_empty() && !line.trim_start().starts_with('#') => out.push(shown(line)),
            _ => {}
        }
    }
    out
}

fn shown(cmd: &str) -> Shown {
    let (line, comment) = match cmd.split_once(" # ") {
        Some((l, c)) => (l.trim_end(), c.trim()),
        None => (cmd.trim_end(), ""),
    };
    let exit = comment.strip_prefix("exit ").and_then(|n| n.split_whitespace().next()?.parse().ok()).unwrap_or(0);
    let background = line.ends_with('&');
    Shown { line: line.trim_end_matches('&').trim_end().to_string(), exit, quoted: Vec::new(), background }
}

/// A process killed when dropped.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The reference server a page's "your server" stands for, with the secrets a reader would have
/// in their environment.
fn example_server(dir: &Path) -> (Background, String, Vec<(String, String)>) {
    let file = dir.join("example-server.toml");
    let child = Command::new(BIN)
        .args(["serve", "--profile", "rfc6749", "--port", "0", "--write-target", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let bg = Background(child);
    wait_for(&file);
    let t: toml::Table = std::fs::read_to_string(&file).unwrap().parse().unwrap();
    let s = |table: &str, key: &str| t[table][key].as_str().unwrap().to_string();
    let env = vec![
        ("OAUTH_CLIENT_SECRET".to_string(), s("client", "secret")),
        ("OAUTH_SECOND_CLIENT_SECRET".to_string(), s("second_client", "secret")),
        ("OAUTH_LOGIN_PASSWORD".to_string(), s("login", "password")),
    ];
    (bg, t["base_url"].as_str().unwrap().to_string(), env)
}

fn wait_for(file: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !file.exists() {
        assert!(Instant::now() < deadline, "{} never appeared", file.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the commands of one page in order, in one fresh folder, `oauth-conformance` being this
/// build and `cargo run --release --` the same binary. The test command itself (`scripts/test`)
/// is what runs this test: it is checked to be what `.ci/run` runs.
fn run_page(rel: &str) {
    let text = page(rel);
    let shown = commands(&text);
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(BIN, bin_dir.join("oauth-conformance")).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let mut keep = Vec::new();
    let (base, env) = if text.contains(EXAMPLE_SERVER) {
        let (bg, base, env) = example_server(dir.path());
        keep.push(bg);
        (Some(base), env)
    } else {
        (None, Vec::new())
    };
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    for s in &shown {
        if s.line == "scripts/test" {
            assert!(page(".ci/run").contains("exec scripts/test"), "{rel}: .ci/run runs the test command shown");
            continue;
        }
        let mut line = s.line.replace("cargo run --release -- ", "oauth-conformance ");
        if let Some(base) = &base {
            line = line.replace(EXAMPLE_SERVER, base);
        }
        let mut cmd = Command::new("bash");
        cmd.args(["-c", &line]).current_dir(&work).env("PATH", &path).env("NO_COLOR", "1").envs(env.iter().map(|(k, v)| (k, v)));
        if s.background {
            keep.push(Background(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()));
            if let Some(file) = line.split("--write-target ").nth(1).and_then(|r| r.split_whitespace().next()) {
                wait_for(&work.join(file));
            }
            continue;
        }
        let o = cmd.output().unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert_eq!(o.status.code(), Some(s.exit), "{rel}: `{}` exited {:?}, the page says {}:\n{all}", s.line, o.status.code(), s.exit);
        for q in &s.quoted {
            let q = base.as_ref().map_or(q.clone(), |b| q.replace(EXAMPLE_SERVER, b));
            assert!(all.lines().any(|l| l.contains(q.as_str())), "{rel}: `{}` does not print `{q}`:\n{all}", s.line);
        }
    }
}

#[rstest]
#[case::readme("README.md")]
#[case::ci("docs/ci.md")]
#[case::reports("docs/reports.md")]
#[case::reference_server("docs/reference-server.md")]
#[case::every_other_page("docs/*")]
fn every_command_a_page_shows_runs_as_the_page_says(#[case] rel: &str) {
    if rel != "docs/*" {
        return run_page(rel);
    }
    // Pages without a console of their own still may not show a command nobody runs.
    let named = ["docs/ci.md", "docs/reports.md", "docs/reference-server.md"];
    for p in pages().into_iter().filter(|p| p != "README.md" && !named.contains(&p.as_str())) {
        assert!(commands(&page(&p)).is_empty(), "{p} shows commands: add it to this test's cases");
    }
}

/// README.md and every page of docs/.
fn pages() -> Vec<String> {
    let mut v = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("docs")).unwrap().flatten().map(|e| format!("docs/{}", e.file_name().to_string_lossy())).filter(|p| p.ends_with(".md")).collect();
    docs.sort();
    v.extend(docs);
    v
}

#[test]
fn the_readme_is_one_a_newcomer_finishes() {
    let n = page("README.md").lines().count();
    assert!(n <= 250, "README.md has {n} lines: move the detail to docs/");
    for p in pages().iter().filter(|p| p.starts_with("docs/")) {
        let name = p.trim_start_matches("docs/");
        assert!(page("README.md").contains(p.as_str()) || name == "README.md", "README.md links every page of docs/: {p} is missing");
    }
}

/// Replaces the generated block `name` of page `rel` (UPDATE_DOCS=1) or says how it differs.
fn generated(rel: &str, name: &str, body: &str) {
    let text = page(rel);
    let (begin, end) = (format!("<!-- generated: {name} begin -->\n"), format!("<!-- generated: {name} end -->"));
    let start = text.find(&begin).unwrap_or_else(|| panic!("{rel} has no `{begin}`")) + begin.len();
    let stop = text.find(&end).unwrap_or_else(|| panic!("{rel} has no `{end}`"));
    if text[start..stop] == *body {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(PathBuf::from(ROOT).join(rel), format!("{}{body}{}", &text[..start], &text[stop..])).unwrap();
        return;
    }
    panic!("{rel}: the generated `{name}` block differs from the code; UPDATE_DOCS=1 cargo test --test docs rewrites it\n--- page\n{}\n--- code\n{body}", &text[start..stop]);
}

#[test]
fn the_capability_table_is_the_code_s() {
    let mut rows = String::from("| capability | what | where the suite learns it | without a word on it |\n|---|---|---|---|\n");
    let mut all = Capability::ALL.to_vec();
    all.sort_by_key(|c| c.name());
    for c in all {
        let default = if c.default_offered() { "offered" } else { "not offered" };
        rows.push_str(&format!("| `{}` | {} | {} | {default} |\n", c.name(), c.describe(), c.source()));
    }
    generated("docs/capabilities.md", "capabilities", &rows);
}

#[test]
fn the_fault_and_variant_lists_are_the_code_s() {
    let mut faults = String::from("| fault | profile | level | the rule it breaks |\n|---|---|---|---|\n");
    for f in Fault::ALL {
        faults.push_str(&format!("| `{}` | {} | {} | {} |\n", f.name(), f.profile(), f.level().as_str(), f.rule().replace('|', "\\|")));
    }
    generated("docs/reference-server.md", "faults", &faults);
    let mut variants = String::from("| variant | profiles | departs at | the permitted behaviour |\n|---|---|---|---|\n");
    for v in Variant::ALL {
        let departs = v.departure().map_or("-", |l| l.as_str());
        variants.push_str(&format!("| `{}` | {} | {departs} | {} |\n", v.name(), v.profiles().join(", "), v.clause().replace('|', "\\|")));
    }
    generated("docs/reference-server.md", "variants", &variants);
}

fn output(args: &[&str]) -> String {
    let o = Command::new(BIN).args(args).env("NO_COLOR", "1").output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn every_command_s_help_is_the_program_s() {
    let mut body = String::new();
    for cmd in [&[][..], &["run"], &["list"], &["init"], &["serve"], &["selftest"], &["diff"], &["completions"]] {
        let mut args = cmd.to_vec();
        args.push("--help");
        body.push_str(&format!("### `oauth-conformance {}`\n\n```text\n{}```\n\n", args.join(" "), output(&args)));
    }
    generated("docs/running.md", "cli-help", &body);
}

#[test]
fn the_coverage_table_is_the_suite_s() {
    generated("docs/coverage.md", "coverage", &output(&["list", "--profile", "rfc6749", "--coverage"]));
}

/// The keys of the first Markdown table after `<!-- keys: name -->`, each with whether the page
/// calls it required.
fn documented_keys(name: &str) -> Vec<(String, bool)> {
    let text = page("docs/target-file.md");
    let marker = format!("<!-- keys: {name} -->");
    let at = text.find(&marker).unwrap_or_else(|| panic!("docs/target-file.md has no `{marker}`"));
    text[at..]
        .lines()
        .skip(3)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2] == "yes")
        })
        .collect()
}

/// What the parser says of `text` (empty when it is accepted).
fn parse_error(text: &str) -> String {
    oauth_conformance::target::file::Target::parse("t.toml", text, &|_| Some("x".into())).err().map(|e| e.to_string()).unwrap_or_default()
}

#[rstest]
#[case::top("top", "", "profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:1\"\nclient = { id = \"c\" }\n")]
#[case::client("client", "[client]\n", "id = \"c\"\n")]
#[case::jwt_client("jwt_client", "[jwt_client]\n", "id = \"j\"\nprivate_key = \"k.pem\"\n")]
#[case::fapi_client("fapi_client", "[fapi_client]\n", "id = \"f\"\n")]
#[case::mtls_client("mtls_client", "[mtls_client]\n", "id = \"m\"\ncertificate = \"c.pem\"\nprivate_key = \"k.pem\"\n")]
#[case::login("login", "[login]\n", "username = \"u\"\npassword = \"p\"\n")]
#[case::login_step("login.step", "[login]\nusername = \"u\"\npassword = \"p\"\ndriver = \"chromium\"\n[[login.step]]\nclick = \"#go\"\n", "url = \"/x\"\n")]
#[case::resource("resource", "[resource]\n", "")]
#[case::tls("tls", "[tls]\n", "")]
fn the_target_file_keys_are_the_parser_s(#[case] name: &str, #[case] header: &str, #[case] required: &str) {
    let base = "profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:1\"\n";
    let doc = |body: &str| if name == "top" { body.to_string() } else if name == "client" { format!("{base}{header}{body}") } else { format!("{base}client = {{ id = \"c\" }}\n{header}{body}") };
    // Every key the parser knows: its refusal of an unknown one lists them.
    let err = parse_error(&doc(&format!("{required}zz_unknown = 1\n")));
    let known: BTreeSet<String> = err.split("expected one of ").nth(1).or_else(|| err.split("expected ").nth(1)).unwrap_or_else(|| panic!("{name}: {err}")).split([',', ' ']).filter(|w| w.starts_with('`')).map(|k| k.trim_matches('`').to_string()).collect();
    let documented = documented_keys(name);
    let names: BTreeSet<String> = documented.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(names, known, "docs/target-file.md's `{name}` keys against the parser's");
    // Required: the smallest document without the key is refused for missing it; optional: the
    // smallest document has none of them and is accepted (at least by the keys' check).
    let accepted = parse_error(&doc(required));
    assert!(!accepted.contains("missing field"), "{name}: {accepted}");
    let required_keys: BTreeSet<String> = required.lines().filter_map(|l| l.split(" = ").next()).map(str::to_string).collect();
    let documented_required: BTreeSet<String> = documented.iter().filter(|(_, r)| *r).map(|(k, _)| k.clone()).collect();
    assert_eq!(documented_required, required_keys, "docs/target-file.md's required `{name}` keys");
    for key in &required_keys {
        let without: String = required.lines().filter(|l| !l.starts_with(&format!("{key} ="))).map(|l| format!("{l}\n")).collect();
        assert!(parse_error(&doc(&without)).contains(&format!("missing field `{key}`")), "{name}.{key} is required: {}", parse_error(&doc(&without)));
    }
}

/// Each complete example target file in docs/target-file.md is one the parser accepts.
#[test]
fn the_example_target_files_parse() {
    let text = page("docs/target-file.md");
    let examples: Vec<&str> = text.split("```toml\n").skip(1).map(|b| b.split("```").next().unwrap()).filter(|b| b.contains("profile = ")).collect();
    assert!(examples.len() >= 3, "{}", examples.len());
    for e in examples {
        let err = parse_error(e);
        // Files beside the example (a key file) are not here; everything else must hold.
        assert!(err.is_empty(), "{err}\n{e}");
    }
}

/// docs/openid-conformance.md names every module of the OpenID Foundation's Basic and Config OP
/// plans (as the research in docs/design/oidcc-plan-modules.md lists them), each once, and every
/// case it names is a case of the rfc6749 profile.
#[test]
fn the_openid_module_map_names_every_module_and_only_real_cases() {
    let research = page("docs/design/oidcc-plan-modules.md");
    let modules: BTreeSet<String> = research
        .lines()
        .filter(|l| l.starts_with("| ") && l.split('|').nth(1).is_some_and(|n| n.trim().parse::<u32>().is_ok()))
        .filter_map(|l| l.split('`').nth(1).map(str::to_string))
        .collect();
    assert_eq!(modules.len(), 39, "the research lists 38 Basic OP modules and 1 Config OP module: {modules:?}");
    let map = page("docs/openid-conformance.md");
    let rows: Vec<&str> = map.lines().filter(|l| l.starts_with("| `")).collect();
    let mut named = Vec::new();
    let profile = oauth_conformance::suite::profile::Profile::load(&oauth_conformance::suite::source::Suite::Embedded, "rfc6749").unwrap();
    for row in &rows {
        let cells: Vec<&str> = row.split('|').collect();
        let ticked = |cell: &str| cell.split('`').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>();
        named.extend(ticked(cells[1]));
        for id in ticked(cells[3]) {
            assert!(profile.cases.iter().any(|c| c.id == id), "docs/openid-conformance.md names `{id}`, which is no rfc6749 case");
        }
    }
    let named_set: BTreeSet<String> = named.iter().cloned().collect();
    assert_eq!(named.len(), named_set.len(), "a module is mapped twice");
    assert_eq!(named_set, modules, "the map and the plans' modules differ");
}

/// docs/fapi2-conformance.md names every module of the OpenID Foundation's FAPI 2.0 Security
/// Profile plan (as docs/design/fapi2-plan-modules.md lists them), each once, and every case it
/// names (or family, `dpop/*`) is the rfc6749 profile's.
#[test]
fn the_fapi2_module_map_names_every_module_and_only_real_cases() {
    let module_of = |l: &str| -> Option<String> {
        let cells: Vec<&str> = l.split('|').collect();
        (cells.len() > 3 && cells[1].trim().parse::<u32>().is_ok()).then(|| cells[2].split('`').nth(1).map(str::to_string)).flatten()
    };
    let research = page("docs/design/fapi2-plan-modules.md");
    let modules: BTreeSet<String> = research.lines().filter_map(module_of).collect();
    assert_eq!(modules.len(), 62, "the research lists the plan's 62 modules: {modules:?}");
    let map = page("docs/fapi2-conformance.md");
    let rows: Vec<&str> = map.lines().filter(|l| module_of(l).is_some()).collect();
    let named: Vec<String> = rows.iter().filter_map(|l| module_of(l)).collect();
    let profile = oauth_conformance::suite::profile::Profile::load(&oauth_conformance::suite::source::Suite::Embedded, "rfc6749").unwrap();
    for row in &rows {
        let cases = row.split('|').nth(4).unwrap_or_default();
        for id in cases.split('`').skip(1).step_by(2) {
            let known = match id.strip_suffix('*') {
                Some(family) => profile.cases.iter().any(|c| c.id.starts_with(family)),
                None => profile.cases.iter().any(|c| c.id == id),
            };
            assert!(known, "docs/fapi2-conformance.md names `{id}`, which is no rfc6749 case");
        }
    }
    let named_set: BTreeSet<String> = named.iter().cloned().collect();
    assert_eq!(named.len(), named_set.len(), "a module is mapped twice");
    assert_eq!(named_set, modules, "the map and the plan's modules differ");
}
