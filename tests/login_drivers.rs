//! Logins a plain form parser finds hard (issue 15): the reference serves its login and consent in
//! several styles; the form driver passes the ones it can read, explains the one it cannot (pages
//! built by JavaScript) without blaming the server, and the chromium driver (real headless
//! Chromium, installed by scripts/test) and the command driver with a script the user would write
//! pass that one too.
mod common;

use oauth_conformance::reference::{Extras, Fault, LoginStyle, ReferenceServer, Registration, Variants};
use oauth_conformance::model::result::{Outcome, RunResult};

fn serve(profile: &str, style: LoginStyle) -> ReferenceServer {
    let extras = Extras { login_style: style, ..Default::default() };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    ReferenceServer::start_extras(profile, Default::default(), Variants::none(), extras, addr, Registration::generate(), None).unwrap()
}

/// Every case passes, but the slow ones (not asked for), the PAR-only one (this server takes
/// plain requests too) and the query-token one (this server takes no token from the query).
fn assert_all_pass(result: &RunResult, what: &str) {
    assert_all_pass_but(result, what, &|_| false);
}

fn assert_all_pass_but(result: &RunResult, what: &str, excused: &dyn Fn(&oauth_conformance::model::result::CaseResult) -> bool) {
    // The slow cases (their wait asked for by --slow) are skipped, with that reason.
    let shaped = |c: &oauth_conformance::model::result::CaseResult| c.id == "par/required-plain-request-refused" || c.id == "bearer/query-token-private" || common::skipped_by_shape(&c.message);
    let bad: Vec<String> = result
        .cases()
        .filter(|c| !(c.outcome == Outcome::Passed || (shaped(c) && c.outcome == Outcome::Skipped) || excused(c)))
        .map(|c| format!("{} {:?}: {}", c.id, c.outcome, c.message))
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:#?}");
}

#[rstest::rstest]
#[case::two_step(LoginStyle::TwoStep)]
#[case::buttons_outside(LoginStyle::ButtonsOutside)]
#[case::auto_consent(LoginStyle::AutoConsent)]
fn the_form_driver_passes_every_case_through_the_styles_it_can_read(#[case] style: LoginStyle, #[values("rfc6749", "citi-pl")] profile: &str) {
    let server = serve(profile, style);
    let (result, _) = common::run_server(&server);
    assert_all_pass(&result, &format!("{profile} {}", style.name()));
}

#[test]
fn pages_built_by_javascript_make_every_login_case_an_error_that_names_the_chromium_driver() {
    let server = serve("rfc6749", LoginStyle::Script);
    let (result, _) = common::run_server(&server);
    assert!(!result.cases().any(|c| c.outcome == Outcome::Failed), "the server is not blamed for the driver's limits");
    let errors: Vec<_> = result.cases().filter(|c| c.outcome == Outcome::Error).collect();
    assert!(errors.len() > 100, "{}", errors.len());
    for c in &errors {
        assert!(c.message.contains("built by JavaScript") && c.message.contains("driver = \"chromium\""), "{}: {}", c.id, c.message);
    }
    // The cases that never sign in (refusals before any login page, the token endpoint alone) still run.
    assert!(result.cases().filter(|c| c.outcome == Outcome::Passed).count() > 50);
}

fn with_command(target: &str) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/targets/login-command/login.py");
    let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    target.replacen("[login]\n", &format!("[login]\ndriver = \"command\"\ncommand = [{python:?}, {script:?}]\ntimeout = 20\n"), 1)
}

#[test]
fn the_command_driver_passes_every_case_through_pages_built_by_javascript_and_keeps_the_password_out() {
    let server = serve("rfc6749", LoginStyle::Script);
    let toml = with_command(&server.target_toml());
    assert!(toml.contains("driver = \"command\""));
    let (result, _) = common::run_toml(&toml);
    // A login program keeps no browser session, reports no pages, starts from a URL and reports
    // one: the session, form_post and POST cases say so (an error, or a failed page check that
    // names the reason), they are never passed blind.
    let says_why = |c: &oauth_conformance::model::result::CaseResult| {
        let session = c.id.starts_with("session/") && (c.message.contains("a login program cannot keep a browser session") || c.message.contains("does not report the pages it passed"));
        let posted = (c.id.starts_with("flow/form-post") || c.id == "oidc-request/post-method") && c.outcome == Outcome::Error && c.message.contains("a login program");
        // The status of the redirect answering the password's POST (RFC 9700 §4.12).
        let redirect = c.id.contains("/login-post-") && c.outcome == Outcome::Error && c.message.contains("a login program");
        session || posted || redirect
    };
    assert!(result.cases().filter(|c| says_why(c)).count() >= 13);
    assert_all_pass_but(&result, "script style through the command driver", &says_why);
    let json = serde_json::to_string(&result.cases().collect::<Vec<_>>()).unwrap();
    assert!(!json.contains(&server.registration.user.password), "the password never appears in a report");
}

/// What the command writes to stderr on a login that worked is kept in the case's transcript,
/// redacted: a script that echoes the password shows a marker in its place.
#[test]
fn a_login_commands_stderr_is_in_the_transcript_with_the_password_redacted() {
    let server = serve("rfc6749", LoginStyle::Script);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/targets/login-command/login.py");
    let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let wrapper = r#"echo "signing in as $OAUTH_LOGIN_USERNAME with $OAUTH_LOGIN_PASSWORD" >&2; exec "$0" "$1" "$2""#;
    let toml = server.target_toml().replacen("[login]\n", &format!("[login]\ndriver = \"command\"\ncommand = [\"sh\", \"-c\", {wrapper:?}, {python:?}, {script:?}]\n"), 1);
    let opts = oauth_conformance::run::runner::RunOptions { selection: oauth_conformance::suite::selection::Selection::filter("authorize/code-after-consent"), ..Default::default() };
    let (result, _) = common::run_toml_with(&toml, opts);
    let c = result.cases().next().unwrap();
    assert_eq!(c.outcome, Outcome::Passed, "{}", c.message);
    let password = &server.registration.user.password;
    let text = oauth_conformance::report::transcript_text(c);
    assert!(text.contains("the login command's stderr") && text.contains("signing in as alice with ‹password:"), "{text}");
    assert!(!text.contains(password.as_str()) && !serde_json::to_string(c).unwrap().contains(password.as_str()));
}

#[test]
fn a_login_command_that_fails_is_an_error_with_its_reason_not_a_failure() {
    let server = serve("rfc6749", LoginStyle::Script);
    let toml = server.target_toml().replacen("[login]\n", "[login]\ndriver = \"command\"\ncommand = [\"sh\", \"-c\", \"echo 'element #user not found' >&2; exit 3\"]\n", 1);
    let opts = oauth_conformance::run::runner::RunOptions { selection: oauth_conformance::suite::selection::Selection::filter("authorize/code-after-consent"), ..Default::default() };
    let (result, _) = common::run_toml_with(&toml, opts);
    let c = result.cases().next().unwrap();
    assert_eq!(c.outcome, Outcome::Error, "{}", c.message);
    assert!(c.message.contains("the login command") && c.message.contains("element #user not found"), "{}", c.message);
}

#[rstest::rstest]
#[case("driver = \"browser\"\n", "login.driver`: unknown driver `browser`")]
#[case("driver = \"command\"\n", "driver = \"command\" needs login.command")]
#[case("command = [\"node\"]\n", "login.command`: only for driver = \"command\"")]
#[case("driver = \"command\"\ncommand = []\n", "login.command`: needs the program to run")]
#[case("timeout = 0\n", "login.timeout`: seconds between 1 and 600")]
#[case("[[login.step]]\nurl = \"/x\"\nclick = \"#go\"\n", "scripted steps need driver = \"chromium\"")]
#[case("driver = \"chromium\"\n[[login.step]]\nurl = \"/x\"\n", "a step needs wait_for, type or click")]
#[case("driver = \"chromium\"\n[[login.step]]\nurl = \"/x\"\nclick = []\n", "a step needs wait_for, type or click")]
#[case("driver = \"chromium\"\n[[login.step]]\nurl = \"/x\"\nclick = 3\n", "login.step[0].click`: a CSS selector, or a list of them")]
#[case("driver = \"chromium\"\n[[login.step]]\nurl = \"/x\"\nclick = \"#go\"\nchoice = \"maybe\"\n", "choice `maybe`: approve or deny")]
fn a_bad_login_table_is_refused_with_its_line_and_field(#[case] extra: &str, #[case] message: &str) {
    let text = format!("profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:1\"\n[client]\nid = \"c\"\nsecret = \"s\"\nredirect_uri = \"https://app.test/cb\"\n[login]\nusername = \"u\"\npassword = \"p\"\n{extra}");
    let err = oauth_conformance::target::file::Target::parse("t.toml", &text, &|_| None).unwrap_err();
    assert!(err.to_string().starts_with("t.toml:1") && err.to_string().contains(message), "{err}");
}

fn with_chromium(target: &str) -> String {
    target.replacen("[login]\n", "[login]\ndriver = \"chromium\"\n", 1)
}

#[test]
fn the_chromium_driver_passes_every_case_through_pages_built_by_javascript_and_keeps_the_password_out() {
    assert!(oauth_conformance::login::chromium::executable().is_some(), "Chromium is not installed: scripts/test installs Debian's chromium-headless-shell");
    let server = serve("citi-pl", LoginStyle::Script);
    let (result, _) = common::run_toml(&with_chromium(&server.target_toml()));
    assert_all_pass(&result, "citi-pl script style through headless Chromium");
    assert!(result.cases().count() >= 90);
    let json = serde_json::to_string(&result.cases().collect::<Vec<_>>()).unwrap();
    assert!(!json.contains(&server.registration.user.password));
}

/// A context kept from one login to the next carries nothing over: after a sign-in on it,
/// `prompt=none` on the same context finds no signed-in user (OpenID Connect Core §3.1.2.1:
/// an error, no page), and a plain request shows the login page again.
#[test]
fn a_kept_browser_context_starts_the_next_login_signed_out() {
    use oauth_conformance::login::Choice;
    use oauth_conformance::login::chromium::{Chromium, Route};
    use oauth_conformance::transport::page::Landing;
    let server = serve("rfc6749", LoginStyle::Script);
    let target = oauth_conformance::target::file::Target::parse("t", &with_chromium(&server.target_toml()), &|_| None).unwrap();
    let login = target.login.clone().unwrap();
    let redirect = url::Url::parse(target.client.redirect_uri.as_deref().unwrap()).unwrap();
    let authorize = |extra: &str| {
        let mut u = url::Url::parse(&format!("{}/authorize", server.base_url())).unwrap();
        u.query_pairs_mut().extend_pairs([("response_type", "code"), ("client_id", target.client.id.as_str()), ("redirect_uri", redirect.as_str()), ("scope", "openid"), ("nonce", "n-1"), ("state", "s-1")]);
        if !extra.is_empty() {
            u.query_pairs_mut().append_pair("prompt", extra);
        }
        u
    };
    let origins = [url::Url::parse(&server.base_url()).unwrap().origin()];
    let stops = [redirect.clone()];
    let param = |landing: &Landing, name: &str| match landing {
        Landing::Redirect(u) => u.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()),
        _ => None,
    };

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let browser = Chromium::launch().await.unwrap();
        let start = authorize("");
        let (first, seen) = browser.drive(&Route { start: &start, post: None, stops: &stops, origins: &origins }, Choice::Approve, &login, None, None).await;
        let first = first.expect("the first login lands");
        assert!(param(&first, "code").is_some() && seen.logins == 1, "{first:?} {seen:?}");
        assert_eq!(browser.kept_contexts(), 1, "the landed login's context is kept");

        let start = authorize("none");
        let (second, seen) = browser.drive(&Route { start: &start, post: None, stops: &stops, origins: &origins }, Choice::Approve, &login, None, None).await;
        let second = second.expect("prompt=none lands at the client");
        assert_eq!(param(&second, "error").as_deref(), Some("login_required"), "the kept context still held the sign-in: {second:?}");
        assert_eq!((seen.logins, browser.kept_contexts()), (0, 1), "one context, used twice");

        let start = authorize("");
        let (third, seen) = browser.drive(&Route { start: &start, post: None, stops: &stops, origins: &origins }, Choice::Approve, &login, None, None).await;
        assert!(third.is_ok_and(|l| param(&l, "code").is_some()) && seen.logins == 1, "the login page comes back: {seen:?}");
    });
}

/// The other styles through the browser too (the cases that sign in, approve and deny).
#[rstest::rstest]
#[case::two_step(LoginStyle::TwoStep)]
#[case::buttons_outside(LoginStyle::ButtonsOutside)]
#[case::auto_consent(LoginStyle::AutoConsent)]
fn the_chromium_driver_passes_the_other_styles(#[case] style: LoginStyle) {
    let server = serve("rfc6749", style);
    let selection = oauth_conformance::suite::selection::Selection {
        filters: ["authorize/code-after-consent", "authorize/deny", "authorize/login-page", "token-code/valid"].map(String::from).to_vec(),
        exact: true,
        ..Default::default()
    };
    let opts = oauth_conformance::run::runner::RunOptions { selection, ..Default::default() };
    let (result, _) = common::run_toml_with(&with_chromium(&server.target_toml()), opts);
    assert_eq!(result.cases().count(), 4);
    assert!(result.cases().any(|c| c.id == "authorize/deny" && c.outcome == Outcome::Passed), "deny through {}", style.name());
    assert_all_pass(&result, style.name());
}

/// RFC 9700 §4.12 (FAPI 2.0 §5.3.2.2 items 10, 11): the status of the redirect answering the
/// login form's POST is judged by both drivers — the form driver follows redirects itself, the
/// chromium driver reads them from DevTools (the next hop's redirect response) — and each fails
/// a server answering 307 (MUST NOT) or 302 (SHOULD be 303).
#[rstest::rstest]
#[case::answered_303(None, "passed", "passed")]
#[case::answered_307(Some(Fault::RfcLoginRedirect307), "failed", "failed")]
#[case::answered_302(Some(Fault::RfcLoginRedirect302), "passed", "failed")]
fn the_redirect_answering_the_password_is_judged_by_both_drivers(#[values("form", "chromium")] driver: &str, #[case] fault: Option<Fault>, #[case] not_307: &str, #[case] is_303: &str) {
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    let extras = oauth_conformance::reference::Extras { login_style: LoginStyle::Forms, ..Default::default() };
    let server = ReferenceServer::start_extras("rfc6749", fault.into_iter().collect(), Variants::none(), extras, addr, Registration::generate(), None).unwrap();
    let selection = oauth_conformance::suite::selection::Selection { filters: ["authorize/login-post-not-307", "authorize/login-post-303"].map(String::from).to_vec(), exact: true, ..Default::default() };
    let opts = oauth_conformance::run::runner::RunOptions { selection, ..Default::default() };
    let target = if driver == "chromium" { with_chromium(&server.target_toml()) } else { server.target_toml() };
    let (result, _) = common::run_toml_with(&target, opts);
    let outcome = |id: &str| result.cases().find(|c| c.id == id).map(|c| (c.outcome.as_str().to_string(), c.message.clone())).unwrap();
    let (a, why_a) = outcome("authorize/login-post-not-307");
    let (b, why_b) = outcome("authorize/login-post-303");
    assert_eq!((a.as_str(), b.as_str()), (not_307, is_303), "{driver} {fault:?}: {why_a} | {why_b}");
}

/// A login the browser cannot finish (a wrong password) is an error saying where it stopped, with
/// a screenshot whose inputs are emptied; the password appears nowhere, and the HTML report shows it.
#[test]
fn a_refused_browser_login_is_an_error_with_a_masked_screenshot_in_the_report() {
    let server = serve("rfc6749", LoginStyle::Script);
    let password = server.registration.user.password.clone();
    let toml = with_chromium(&server.target_toml()).replace(&password, "not-the-password-1234");
    let opts = oauth_conformance::run::runner::RunOptions { selection: oauth_conformance::suite::selection::Selection::filter("authorize/code-after-consent"), ..Default::default() };
    let (result, _) = common::run_toml_with(&toml, opts);
    let c = result.cases().next().unwrap();
    assert_eq!(c.outcome, Outcome::Error, "{}", c.message);
    assert!(c.message.contains("credentials were refused"), "{}", c.message);
    let png = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, c.screenshot.as_deref().expect("a screenshot")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let html = oauth_conformance::report::html::render(&result);
    assert!(html.contains("data:image/png;base64,") && !html.contains("not-the-password-1234"));
}

/// `[[login.step]]` comes before the heuristics: steps that type and click by CSS selector pass
/// the JavaScript pages; a step that applies to every page of the server shows they ran (on the
/// consent page it finds no password input, and says which step).
#[test]
fn scripted_steps_drive_the_browser_before_its_heuristics() {
    let server = serve("rfc6749", LoginStyle::Script);
    let steps = |url: &str| {
        format!(
            "\n[[login.step]]\nurl = \"{url}\"\nwait_for = \"form\"\ntype = {{ \"#username\" = \"{{username}}\", \"#password\" = \"{{password}}\" }}\nclick = \"form button\"\n\
             \n[[login.step]]\nurl = \"/consent\"\nchoice = \"deny\"\nclick = \"button[value=deny]\"\n"
        )
    };
    let selection = oauth_conformance::suite::selection::Selection { filters: ["authorize/code-after-consent", "authorize/deny"].map(String::from).to_vec(), exact: true, ..Default::default() };
    let opts = oauth_conformance::run::runner::RunOptions { selection, ..Default::default() };
    let good = format!("{}{}", with_chromium(&server.target_toml()), steps("/authorize"));
    let (result, _) = common::run_toml_with(&good, opts.clone());
    assert_eq!(result.cases().count(), 2);
    assert_all_pass(&result, "scripted steps");
    // `when` keeps a step to the pages it matches (an application that shows its login and its
    // consent at one URL): everywhere, but only where there is a password input; the heuristics
    // take the consent. `click` may be a list, pressed in order.
    let with_when = format!(
        "{}\n[[login.step]]\nurl = \"127.0.0.1\"\nwhen = \"#password\"\ntype = {{ \"#username\" = \"{{username}}\", \"#password\" = \"{{password}}\" }}\nclick = [\"#username\", \"form button\"]\n",
        with_chromium(&server.target_toml())
    );
    let (result, _) = common::run_toml_with(&with_when, opts.clone());
    assert_eq!(result.cases().count(), 2);
    assert_all_pass(&result, "a step with when");
    let everywhere = format!("{}{}", with_chromium(&server.target_toml()), steps("127.0.0.1"));
    let (result, _) = common::run_toml_with(&everywhere, opts);
    for c in result.cases() {
        assert_eq!(c.outcome, Outcome::Error, "{}: {}", c.id, c.message);
        // The consent page has a form but no username input: the step waits, then says so.
        assert!(c.message.contains("/consent") && c.message.contains("login.step[0]: no element matches `#username` within 10 s"), "{}: {}", c.id, c.message);
    }
}

/// A small login app for the browser-behaviour tests: `app` serves the login and consent pages;
/// POST /consent ends the login with a code at the client (its `state` read back from the
/// authorization query the pages carry as a hidden field `q`). Returns the port, the runtime that
/// serves it, and a target file for `driver`.
fn serve_login_app(app: axum::Router, driver: &str) -> (u16, tokio::runtime::Runtime, String) {
    use axum::response::{IntoResponse, Redirect};
    let app = app.route(
        "/consent",
        axum::routing::post(|axum::extract::Form(f): axum::extract::Form<std::collections::HashMap<String, String>>| async move {
            let q: std::collections::HashMap<String, String> = url::form_urlencoded::parse(f.get("q").map(String::as_str).unwrap_or_default().as_bytes()).into_owned().collect();
            let state = q.get("state").cloned().unwrap_or_default();
            Redirect::to(&format!("https://app.example.test/callback?code=c0de-0123456789abcdef0123456789&state={state}")).into_response()
        }),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.spawn(async move { axum::serve(tokio::net::TcpListener::from_std(listener).unwrap(), app).await.unwrap() });
    let target = format!(
        "profile = \"rfc6749\"\nbase_url = \"http://127.0.0.1:{port}\"\n[client]\nid = \"my-client\"\nsecret = \"my-client-secret-0123456789\"\nredirect_uri = \"https://app.example.test/callback\"\nscope = \"accounts\"\n\
         [endpoints]\nauthorize = \"/authorize\"\ntoken = \"/token\"\n[login]\nusername = \"alice\"\npassword = \"wonderland-0123\"\ndriver = \"{driver}\"\n"
    );
    (port, rt, target)
}

/// A server whose consent has only an approve button (glewlwyd's is like this): the deny case
/// cannot send a denial, so it is an error that says so — not a failure of the server — with
/// either driver; the approve case passes through the same pages.
#[rstest::rstest]
fn a_consent_without_a_deny_control_makes_the_deny_case_an_error_not_a_failure(#[values("form", "chromium")] driver: &str) {
    use axum::response::Html;
    use axum::routing::{get, post};
    // The authorization request's query travels through the forms as one hidden field.
    let app = axum::Router::new()
        .route(
            "/authorize",
            get(|axum::extract::RawQuery(q): axum::extract::RawQuery| async move {
                let q = q.unwrap_or_default().replace('"', "");
                Html(format!(r#"<html><body><form method="post" action="/login"><input type="hidden" name="q" value="{q}"><input name="username"><input type="password" name="password"><button>Sign in</button></form></body></html>"#))
            }),
        )
        .route(
            "/login",
            post(|axum::extract::Form(f): axum::extract::Form<std::collections::HashMap<String, String>>| async move {
                let q = f.get("q").cloned().unwrap_or_default();
                Html(format!(r#"<html><body><p>My client asks for your accounts.</p><form method="post" action="/consent"><input type="hidden" name="q" value="{q}"><button>Allow</button></form></body></html>"#))
            }),
        );
    let (port, _rt, target) = serve_login_app(app, driver);
    let selection = oauth_conformance::suite::selection::Selection { filters: ["authorize/code-after-consent", "authorize/deny"].map(String::from).to_vec(), exact: true, ..Default::default() };
    let (result, _) = common::run_toml_with(&target, oauth_conformance::run::runner::RunOptions { selection, ..Default::default() });
    let by_id = |id: &str| result.cases().find(|c| c.id == id).unwrap_or_else(|| panic!("{id} ran"));
    let approve = by_id("authorize/code-after-consent");
    assert_eq!(approve.outcome, Outcome::Passed, "{}", approve.message);
    let deny = by_id("authorize/deny");
    assert_eq!(deny.outcome, Outcome::Error, "{}", deny.message);
    assert!(deny.message.contains("without a control to deny consent") && deny.message.contains(&format!("127.0.0.1:{port}/login")), "{}", deny.message);
    assert!(deny.message.contains("choice = \"deny\""), "{}", deny.message);
}

/// An application that signs in through its own slow call (the page changes at once — a
/// disabled button — then waits seconds for the answer, as glewlwyd's does on a loaded
/// machine): the browser driver waits while the page's request is in flight instead of judging
/// the login form, still shown, a refusal.
#[test]
fn a_sign_in_waiting_on_its_own_slow_request_is_waited_for_not_judged_refused() {
    use axum::response::Html;
    use axum::routing::{get, post};
    const LOGIN: &str = r#"<html><body><form id="f"><input name="username"><input type="password" name="password"><button id="b">Sign in</button></form>
        <script>document.getElementById('f').addEventListener('submit', async (e) => { e.preventDefault();
          const b = document.getElementById('b'); b.disabled = true; b.textContent = 'Signing in';
          await fetch('/api/login', { method: 'POST' }); location.href = '/consent-page' + location.search; });</script></body></html>"#;
    let app = axum::Router::new()
        .route("/authorize", get(|| async { Html(LOGIN) }))
        .route(
            "/api/login",
            post(|| async {
                tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
                "{}"
            }),
        )
        .route(
            "/consent-page",
            get(|axum::extract::RawQuery(q): axum::extract::RawQuery| async move {
                let q = q.unwrap_or_default().replace('"', "");
                Html(format!(r#"<html><body><form method="post" action="/consent"><input type="hidden" name="q" value="{q}"><button>Allow</button><button name="deny" value="1">Deny</button></form></body></html>"#))
            }),
        );
    let (_, _rt, target) = serve_login_app(app, "chromium");
    let opts = oauth_conformance::run::runner::RunOptions { selection: oauth_conformance::suite::selection::Selection::filter("authorize/code-after-consent"), ..Default::default() };
    let (result, _) = common::run_toml_with(&target, opts);
    let c = result.cases().next().unwrap();
    assert_eq!(c.outcome, Outcome::Passed, "{}", c.message);
}
