//! Every shipped case table loads; malformed tables and target files are refused with file, line
//! and field.
mod common;

use std::path::{Path, PathBuf};

use oauth_conformance::suite::profile::Profile;
use oauth_conformance::suite::source::Suite;
use oauth_conformance::target::file::Target;
use rstest::rstest;

#[rstest]
fn shipped_table_loads(#[files("cases/*/*.toml")] path: PathBuf) {
    let profile_name = path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).unwrap();
    let profile = Profile::load(&Suite::Embedded, profile_name).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let cases = oauth_conformance::suite::table::parse_table(&path.display().to_string(), &text, &profile).unwrap();
    assert!(!cases.is_empty(), "{} has no case", path.display());
    for c in &cases {
        assert!(!c.refs.is_empty() && !c.title.is_empty(), "{}", c.id);
    }
}

#[test]
fn citi_pl_has_the_required_coverage() {
    let p = Profile::load(&Suite::Embedded, "citi-pl").unwrap();
    assert!(p.cases.len() >= 50, "{} cases", p.cases.len());
    for endpoint in ["client_credentials_token", "authorize", "code_token", "refresh", "revoke"] {
        let n = p.cases.iter().filter(|c| c.endpoint == endpoint).count();
        assert!(n >= 8, "{endpoint}: only {n} cases");
    }
}

/// A small table of its own, so the expected line numbers do not move when shipped tables change.
const PROBE_TABLE: &str = r#"endpoint = "client_credentials_token"

[[case]]
id = "token-cc/probe-a"
title = "a probe case"
level = "MUST"
rule = "RFC 6749 §5.2: a probe MUST be refused"
refs = ["RFC 6749 §5.2"]
expect = { status = 400, error = "invalid_request" }

[[case]]
id = "token-cc/probe-b"
title = "another probe case"
level = "SHOULD"
rule = "RFC 6749 §5.2: another probe SHOULD pass"
refs = ["RFC 6749 §5.2"]
form = { scope = "no-such-scope-{random}" }
expect = { status = 200, schema = "token_response" }
after = [{ endpoint = "refresh", form = { refresh_token = "x-{random}" }, expect = { status = 400 } }]
"#;

/// The shipped suite plus PROBE_TABLE with `from` replaced by `to`; returns the load error.
fn load_error_after(from: &str, to: &str) -> String {
    let dir = common::copy_suite();
    let edited = PROBE_TABLE.replacen(from, to, 1);
    assert_ne!(edited, PROBE_TABLE, "the edit changed nothing");
    std::fs::write(dir.path().join("cases/citi-pl/zz_probe.toml"), edited).unwrap();
    let err = match Profile::load(&Suite::Dir(dir.path().to_path_buf()), "citi-pl") {
        Ok(_) => panic!("the malformed table was accepted"),
        Err(e) => e,
    };
    err.to_string().replace(&dir.path().display().to_string(), "<suite>")
}

#[test]
fn the_probe_table_itself_loads() {
    let dir = common::copy_suite();
    std::fs::write(dir.path().join("cases/citi-pl/zz_probe.toml"), PROBE_TABLE).unwrap();
    let p = Profile::load(&Suite::Dir(dir.path().to_path_buf()), "citi-pl").unwrap();
    assert!(p.cases.iter().any(|c| c.id == "token-cc/probe-b"));
}

#[rstest]
#[case::wrong_type("wrong_type", "status = 400, error", "status = \"400\", error")]
#[case::unknown_field("unknown_field", "level = \"SHOULD\"", "levl = \"SHOULD\"")]
#[case::unknown_level("unknown_level", "level = \"SHOULD\"", "level = \"COULD\"")]
#[case::unknown_placeholder("unknown_placeholder", "scope = \"no-such-scope-{random}\"", "scope = \"{scoep}\"")]
#[case::undeclared_fixture("undeclared_fixture", "scope = \"no-such-scope-{random}\"", "scope = \"{refresh_token}\"")]
#[case::unknown_schema("unknown_schema", "schema = \"token_response\"", "schema = \"token_respons\"")]
#[case::unknown_endpoint("unknown_endpoint", "endpoint = \"refresh\"", "endpoint = \"refrsh\"")]
#[case::duplicate_id("duplicate_id", "id = \"token-cc/probe-b\"", "id = \"token-cc/probe-a\"")]
#[case::bad_id("bad_id", "id = \"token-cc/probe-b\"", "id = \"Probe B\"")]
#[case::missing_rule("missing_rule", "rule = \"RFC 6749 §5.2: a probe MUST be refused\"\n", "")]
#[case::rule_without_keyword("rule_without_keyword", "a probe MUST be refused", "a probe is refused")]
#[case::grade_not_below_level("grade_not_below_level", "expect = { status = 200, schema = \"token_response\" }", "expect = { status = 200, should = { schema = \"token_response\" } }")]
#[case::unknown_need("unknown_need", "level = \"SHOULD\"", "level = \"SHOULD\"\nneeds = [\"telepathy\"]")]
#[case::browser_expectation_on_api("browser_expectation_on_api", "expect = { status = 400, error = \"invalid_request\" }", "expect = { redirect = \"code\" }")]
fn malformed_table_is_refused_with_file_line_field(#[case] name: &str, #[case] from: &str, #[case] to: &str) {
    let msg = load_error_after(from, to);
    assert!(msg.starts_with("<suite>/cases/citi-pl/zz_probe.toml:"), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    insta::assert_snapshot!(format!("table_{name}"), msg);
}

fn target_error(text: &str) -> String {
    let env = |v: &str| (v == "SET_VAR").then(|| "value".to_string());
    let t = match Target::parse("target.toml", text, &env) {
        Err(e) => return e.to_string(),
        Ok(t) => t,
    };
    if let Err(e) = t.check_profile_known(&Suite::Embedded.profiles()) {
        return e.to_string();
    }
    let p = Profile::load(&Suite::Embedded, &t.profile).map_err(|e| e.to_string());
    match p.and_then(|p| t.check_against(&p).map_err(|e| e.to_string())) {
        Err(e) => e,
        Ok(()) => panic!("the bad target was accepted"),
    }
}

const GOOD: &str = "profile = \"citi-pl\"\nbase_url = \"http://127.0.0.1:8080\"\n\n[client]\nid = \"my-client\"\nsecret = \"${SET_VAR}\"\nredirect_uri = \"https://app.example.test/callback\"\nscope = \"accounts\"\n";

#[test]
fn the_documented_target_shape_is_accepted() {
    let text = r#"profile = "citi-pl"
base_url = "http://127.0.0.1:8080"
probe_url = "http://127.0.0.1:8080/api/v1/me"  # optional

[client]
id = "my-client"
secret = "my-secret"
redirect_uri = "https://app.example.test/callback"
scope = "accounts"

[second_client]
id = "other-client"
secret = "other-secret"
redirect_uri = "https://other.example.test/cb"

[login]
username = "alice"
password = "wonderland"

[authorize]
countryCode = "PL"
businessCode = "GCB"
locale = "en_US"

[endpoints]
client_credentials_token = "/clientCredentials/oauth2/token/pl/gcb"
"#;
    let t = Target::parse("target.toml", text, &|_| None).unwrap();
    t.check_against(&Profile::load(&Suite::Embedded, "citi-pl").unwrap()).unwrap();
    assert_eq!(t.second_client.unwrap().id, "other-client");
    assert_eq!(t.authorize.len(), 3);
    let t = Target::parse("target.toml", GOOD, &|v| (v == "SET_VAR").then(|| "from-env".into())).unwrap();
    assert_eq!(t.client.secret.as_deref(), Some("from-env"));
}

#[rstest]
#[case::unset_env("unset_env", GOOD.replace("SET_VAR", "UNSET_VAR"))]
#[case::typo_in_key("typo_in_key", GOOD.replace("scope =", "scoop ="))]
#[case::bad_url("bad_url", GOOD.replace("http://127.0.0.1:8080", "127.0.0.1:8080"))]
#[case::missing_scope("missing_scope", GOOD.replace("scope = \"accounts\"\n", ""))]
#[case::unknown_profile("unknown_profile", GOOD.replace("citi-pl", "citi-xx"))]
#[case::unknown_endpoint_override("unknown_endpoint_override", format!("{GOOD}\n[endpoints]\ntokn = \"/x\"\n"))]
#[case::not_toml("not_toml", GOOD.replace("[client]", "[client"))]
fn malformed_target_is_refused_with_file_line_field(#[case] name: &str, #[case] text: String) {
    let msg = target_error(&text);
    assert!(msg.starts_with("target.toml:"), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    insta::assert_snapshot!(format!("target_{name}"), msg);
}

/// Each profile's NOTES.md holds the duty audit (case, level, whose duty, the clause) generated
/// from its tables: `UPDATE_DOCS=1 cargo test --test tables the_duty_audit` rewrites it.
#[rstest]
#[case("citi-pl")]
#[case("citi-mx")]
#[case("rfc6749")]
fn the_duty_audit_in_notes_is_the_tables(#[case] name: &str) {
    const BEGIN: &str = "<!-- duty audit: generated from the case tables -->\n";
    const END: &str = "<!-- end of the duty audit -->";
    let profile = Profile::load(&Suite::Embedded, name).unwrap();
    let generated = oauth_conformance::suite::profile::duty_table(&profile);
    let path = format!("{}/specs/{name}/NOTES.md", env!("CARGO_MANIFEST_DIR"));
    let notes = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = notes.split_once(BEGIN).expect("NOTES.md has the duty audit's begin marker");
    let (inside, tail) = rest.split_once(END).expect("NOTES.md has the duty audit's end marker");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, format!("{head}{BEGIN}{generated}{END}{tail}")).unwrap();
        return;
    }
    assert_eq!(inside, generated, "specs/{name}/NOTES.md's duty audit differs from the tables: run UPDATE_DOCS=1 cargo test --test tables the_duty_audit");
}

/// A case that varies `scope` keeps the scope the target's client asks for (`{scope}`, or
/// `{openid_scope}`: the same with openid ensured; on an OpenID Provider it holds `openid`) and
/// adds only what it tests; otherwise a server that
/// requires one of those scopes answers for the missing one instead of for what the case tests.
/// Exceptions name why the whole scope is theirs to choose.
#[rstest]
#[case("citi-pl")]
#[case("citi-mx")]
#[case("rfc6749")]
fn a_case_that_varies_scope_keeps_the_clients_scope(#[case] name: &str) {
    // citi-mx: the seed's scope is one fixed word (visitor), not a list a server requires parts of.
    const WHOLE_SCOPE: &[&str] = &["citi-mx:authorize/unknown-scope"];
    let profile = Profile::load(&Suite::Embedded, name).unwrap();
    let mut offenders = Vec::new();
    for c in &profile.cases {
        for step in c.before.iter().chain([&c.main]).chain(&c.after) {
            for (k, v) in step.query.iter().chain(&step.form) {
                if k == "scope" && !["{scope}", "{openid_scope}", "{openid_scope_reversed}"].iter().any(|p| v.contains(p)) && !WHOLE_SCOPE.contains(&format!("{name}:{}", c.id).as_str()) {
                    offenders.push(format!("{}:{} ({}:{}) scope = {v:?}", name, c.id, c.file, step.line));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "these steps replace the client's scope instead of adding to it:\n{}", offenders.join("\n"));
}
