//! What each subcommand does, at the binary's edge: load, plan, run, report. Errors become one
//! `error: …` line and exit status 2 in `main`.
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

use oauth_conformance::target::baseline::Baseline;
use oauth_conformance::model::level::Level;
use oauth_conformance::model::load_error::io_message;
use oauth_conformance::suite::profile::Profile;
use oauth_conformance::model::redact::Redactor;
use oauth_conformance::reference::{self, Fault, Faults, ReferenceServer, Variant, Variants};
use oauth_conformance::model::result::RunResult;
use oauth_conformance::report::format::{FileReporter, ReportFormat};
use oauth_conformance::report::output::write_report;
use oauth_conformance::report::reporter::{Reporter, Reporters};
use oauth_conformance::report::terminal::{Lines, Terminal};
use oauth_conformance::run::runner::{self, Plan, RunOptions};
use oauth_conformance::run::event::Event;
use oauth_conformance::suite::selection::Selection;
use oauth_conformance::suite::source::Suite;
use oauth_conformance::target::draft::{self, Answers};
use oauth_conformance::target::file::Target;
use oauth_conformance::transport::http::TlsOptions;

use crate::cli::{InitArgs, LevelArg, ListArgs, RunArgs, SelectArgs, SelftestArgs, ServeArgs};

fn suite_of(dir: Option<&PathBuf>) -> Result<Suite> {
    match dir {
        None => Ok(Suite::Embedded),
        Some(d) if !d.exists() => bail!("--suite {}: no such directory", d.display()),
        Some(d) if d.join("cases").is_dir() && d.join("specs").is_dir() => Ok(Suite::Dir(d.clone())),
        Some(d) => bail!("--suite {}: not a suite directory (it needs cases/ and specs/)", d.display()),
    }
}

fn selection_of(a: &SelectArgs) -> Selection {
    let level = a.level.map(|l| match l {
        LevelArg::Must => Level::Must,
        LevelArg::Should => Level::Should,
        LevelArg::May => Level::May,
    });
    Selection { filters: a.filters.clone(), exact: a.exact, skip: a.skip.clone(), level, only: None }
}

/// The profiles `--profile` names, each known; all of `known` when none is named.
fn profiles_named(wanted: &[String], known: &[String]) -> Result<Vec<String>> {
    if let Some(bad) = wanted.iter().find(|p| !known.contains(p)) {
        bail!("unknown profile `{bad}` (known: {})", known.join(", "));
    }
    Ok(if wanted.is_empty() { known.to_vec() } else { wanted.to_vec() })
}

/// The target file's plan: its profile, discovery done, checked against the profile; with why
/// no case can start when the metadata was all the suite had to find the server by and it did
/// not answer (the run still writes its reports).
fn target_plan(suite: &Suite, path: &Path, timeout: Duration, wanted: &[String], trust: &TlsOptions) -> Result<(Plan, Option<String>)> {
    let mut target = Target::load(path)?;
    target.check_profile_known(&suite.profiles())?;
    if !wanted.is_empty() && !wanted.contains(&target.profile) {
        bail!("{}: the target is for profile `{}`, not {}", path.display(), target.profile, wanted.join(", "));
    }
    // Without [endpoints] the metadata is all the suite has to find the server by; with them, a
    // metadata document that cannot be read is the metadata cases' finding.
    let mut unusable = None;
    if target.endpoints.is_empty() {
        if let Err(e) = target.discover(timeout, trust) {
            unusable = Some(format!("target unusable: {e} (the target file names no [endpoints]: the metadata is how the suite finds them)"));
        }
    } else if let Some(note) = target.discover_or_note(timeout, trust) {
        eprintln!("warning: {note}");
    }
    let profile = Profile::load(suite, &target.profile)?;
    target.check_against(&profile)?;
    Ok((Plan { profile: Arc::new(profile), target: Arc::new(target) }, unusable))
}

pub fn run(a: RunArgs) -> Result<ExitCode> {
    let suite = suite_of(a.select.suite.as_ref())?;
    let selection = selection_of(&a.select);
    let timeout = Duration::from_secs(a.request_timeout);
    let (plans, servers, unusable) = match &a.target {
        Some(path) => {
            let (plan, unusable) = target_plan(&suite, path, timeout, &a.select.profiles, &tls_of(&a, &[])?)?;
            (vec![plan], Vec::new(), unusable)
        }
        None => {
            let (plans, servers) = reference_plans(&suite, &a, timeout)?;
            (plans, servers, None)
        }
    };
    let selected: usize = plans.iter().map(|p| p.profile.cases.iter().filter(|c| selection.selects(&p.profile.name, c)).count()).sum();
    if selected == 0 {
        let names: Vec<&str> = plans.iter().map(|p| p.profile.name.as_str()).collect();
        bail!("no case matches {} in {} (see `list`)", selection.describe(), names.join(", "));
    }
    let baseline = baseline_of(a.baseline.as_deref(), &plans)?;
    chromium_present(&plans, a.target.as_deref())?;
    let files = file_reporters(&a);
    for f in &files {
        f.check()?;
    }
    let tls = tls_of(&a, &plans)?;
    let reporters = reporters_of(files, if a.target.is_some() { "" } else { " (embedded reference server)" });
    if a.insecure {
        eprintln!("WARNING: --insecure: server certificates are NOT checked; every report says so.");
    }
    let unreachable = match unusable {
        Some(why) => {
            reporters.event(&Event::Diagnosis(why.clone()));
            Some(why)
        }
        None => preflight(&plans, &reporters),
    };
    let stop = oauth_conformance::run::signal::Stop::default();
    oauth_conformance::run::signal::watch(stop.clone());
    let opts = RunOptions {
        selection,
        jobs: a.jobs.map(|j| j as usize),
        request_timeout: timeout,
        strict: a.strict,
        stop: Some(stop),
        tls,
        insecure: a.insecure,
        baseline,
        events: Some(reporters.sink()),
        max_failures: if a.fail_fast { Some(1) } else { a.max_failures.map(|m| m as usize) },
        unreachable,
        slow: a.slow,
        race_rounds: a.race_rounds.map(|r| r as usize),
        ..RunOptions::default()
    };
    let result = runner::run(&plans, &opts, Arc::new(Redactor::new()))?;
    drop(servers);
    reporters.finish(&result)?;
    Ok(exit_code(&result))
}

/// Without a target file: one embedded reference server per profile named (all by default),
/// each with its plan. The servers live as long as the returned handles.
fn reference_plans(suite: &Suite, a: &RunArgs, timeout: Duration) -> Result<(Vec<Plan>, Vec<ReferenceServer>)> {
    let (mut plans, mut servers) = (Vec::new(), Vec::new());
    let known: Vec<String> = reference::PROFILES.iter().map(|s| s.to_string()).collect();
    for name in profiles_named(&a.select.profiles, &known)? {
        let profile = Profile::load(suite, &name)?;
        let extras = reference::Extras { short_lived: a.slow, ..Default::default() };
        let server = ReferenceServer::start_offering(&name, extras).context("starting the embedded reference server")?;
        let mut target = Target::parse("embedded reference target", &server.target_toml(), &|_| None)?;
        target.clock = server.clock();
        if let Some(note) = target.discover_or_note(timeout, &TlsOptions::default()) {
            eprintln!("warning: {note}");
        }
        target.check_against(&profile)?;
        plans.push(Plan { profile: Arc::new(profile), target: Arc::new(target) });
        servers.push(server);
    }
    Ok((plans, servers))
}

/// The baseline of known failures, its entries checked against the planned cases.
fn baseline_of(path: Option<&Path>, plans: &[Plan]) -> Result<Option<Arc<Baseline>>> {
    let Some(path) = path else { return Ok(None) };
    let known = |profile: Option<&str>, id: &str| plans.iter().any(|p| profile.is_none_or(|n| n == p.profile.name) && p.profile.cases.iter().any(|c| c.id == id));
    Ok(Some(Arc::new(Baseline::load(path, &known)?)))
}

/// The files a run writes, in the order the summary lists them: the three reports (each in
/// --report-dir unless given its own path), then the baseline of failures if asked for.
fn file_reporters(a: &RunArgs) -> Vec<FileReporter> {
    let report = |format: ReportFormat, path: &Option<PathBuf>, name: &str| FileReporter::new(format, path.clone().unwrap_or_else(|| a.report_dir.join(name)));
    let mut files = vec![
        report(ReportFormat::Json, &a.json, "report.json"),
        report(ReportFormat::Junit, &a.junit, "junit.xml"),
        report(ReportFormat::Html, &a.html, "report.html"),
    ];
    files.extend(a.write_baseline.clone().map(|path| FileReporter::new(ReportFormat::Baseline, path)));
    files.extend(a.markdown.clone().map(|path| FileReporter::new(ReportFormat::Markdown, path)));
    files
}

/// The TLS trust of the run: --insecure, --ca-cert files, and each target file's [tls].
fn tls_of(a: &RunArgs, plans: &[Plan]) -> Result<TlsOptions> {
    let mut tls = TlsOptions { insecure: a.insecure, ..Default::default() };
    for path in &a.ca_certs {
        tls.ca_certs.push(std::fs::read(path).map_err(|e| anyhow!("--ca-cert {}: {}", path.display(), io_message(&e)))?);
    }
    for t in plans.iter().filter_map(|p| p.target.tls.as_ref()) {
        tls.ca_certs.extend(t.ca_cert.clone());
        if t.identity.is_some() {
            tls.identity = t.identity.clone();
        }
    }
    Ok(tls)
}

/// Every reporter of the run, in the order they finish: the files, then the terminal (its
/// summary lists them). `target_note` follows each target named in the summary.
fn reporters_of(files: Vec<FileReporter>, target_note: &'static str) -> Arc<Reporters> {
    let lines = terminal_lines(&files);
    let mut list: Vec<Box<dyn Reporter>> = files.into_iter().map(|f| Box::new(f) as Box<dyn Reporter>).collect();
    list.push(Box::new(Terminal::new(lines, target_note)));
    Arc::new(Reporters::new(list))
}

/// The terminal's lines, coloured on a terminal unless NO_COLOR. A report on standard output
/// moves them to standard error.
fn terminal_lines(files: &[FileReporter]) -> Lines {
    let to_stdout = files.iter().any(FileReporter::takes_stdout);
    let tty = if to_stdout { std::io::stderr().is_terminal() } else { std::io::stdout().is_terminal() };
    let color = tty && std::env::var_os("NO_COLOR").is_none();
    let stream: Box<dyn std::io::Write + Send> = if to_stdout { Box::new(std::io::stderr()) } else { Box::new(std::io::stdout()) };
    Lines::new(stream, tty, color)
}

/// Each target's preflight: its notes go to the reporters as diagnoses; an unreachable target
/// (the last one found) is returned, and said last.
fn preflight(plans: &[Plan], reporters: &Reporters) -> Option<String> {
    let mut unreachable = None;
    for p in plans {
        match p.target.preflight() {
            Err(e) => unreachable = Some(e.to_string()),
            Ok(Some(line)) => reporters.event(&Event::Diagnosis(line)),
            Ok(None) => {}
        }
    }
    if let Some(line) = &unreachable {
        reporters.event(&Event::Diagnosis(line.clone()));
    }
    unreachable
}

/// A target whose logins go through Chromium needs one: without it, one error before any case
/// (exit 2), not one error per login.
fn chromium_present(plans: &[Plan], target: Option<&Path>) -> Result<()> {
    use oauth_conformance::target::file::LoginDriver;
    let wants = plans.iter().any(|p| p.target.login.as_ref().is_some_and(|l| matches!(l.driver, LoginDriver::Chromium)));
    if wants && oauth_conformance::login::chromium::executable().is_none() {
        let file = target.map_or_else(|| "the target file".to_string(), |t| t.display().to_string());
        bail!("{file}: [login] driver = \"chromium\", but {}", oauth_conformance::login::chromium::LaunchError::NotFound);
    }
    Ok(())
}

/// 130 after SIGINT, 143 after another signal, 0 when the gate passed, else 1.
fn exit_code(result: &RunResult) -> ExitCode {
    match result.interrupted {
        Some("SIGINT") => ExitCode::from(130),
        Some(_) => ExitCode::from(143),
        None if result.gate_passed() => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    }
}

pub fn list(a: ListArgs) -> Result<ExitCode> {
    let suite = suite_of(a.select.suite.as_ref())?;
    let selection = selection_of(&a.select);
    let plans: Vec<(Arc<Profile>, Option<Arc<Target>>)> = match &a.target {
        Some(path) => {
            let (plan, unusable) = target_plan(&suite, path, Duration::from_secs(10), &a.select.profiles, &TlsOptions::default())?;
            if let Some(why) = unusable {
                eprintln!("warning: {why}");
            }
            vec![(plan.profile, Some(plan.target))]
        }
        None => profiles_named(&a.select.profiles, &suite.profiles())?.iter().map(|n| Ok((Arc::new(Profile::load(&suite, n)?), None))).collect::<Result<_>>()?,
    };
    if a.coverage {
        for (profile, _) in &plans {
            print!("{}", oauth_conformance::suite::profile::coverage_table(profile, &selection));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut total = 0;
    for (profile, target) in &plans {
        let cases: Vec<_> = profile.cases.iter().filter(|c| selection.selects(&profile.name, c)).collect();
        println!("# {} — {} ({})", profile.name, profile.title, oauth_conformance::model::count::cases(cases.len()));
        for c in &cases {
            let needs: Vec<String> = c.needs.iter().map(|n| n.label()).collect();
            let needs = if needs.is_empty() { String::new() } else { format!(" (needs: {})", needs.join(", ")) };
            let requires = c.requires.as_ref().map(|r| format!(" (requires: {r})")).unwrap_or_default();
            let skip = target.as_ref().and_then(|t| runner::unmet_needs(c, t)).map(|r| format!(" — would be skipped: {r}")).unwrap_or_default();
            let duty = if c.duty.gates() { String::new() } else { format!(" (advice: a duty of the {}, never gating)", c.duty.as_str()) };
            println!("{:<52} {:<6} {} [{}]{duty}{needs}{requires}{skip}", c.id, c.level.as_str(), c.title, c.refs.join("; "));
            println!("    rule: {}", c.rule);
        }
        total += cases.len();
    }
    if total == 0 {
        bail!("no case matches {}", selection.describe());
    }
    println!("{}", oauth_conformance::model::count::cases(total));
    Ok(ExitCode::SUCCESS)
}

pub fn selftest(a: SelftestArgs) -> Result<ExitCode> {
    let suite = suite_of(a.suite.as_ref())?;
    let known: Vec<String> = reference::PROFILES.iter().map(|s| s.to_string()).collect();
    let names = profiles_named(a.profile.as_slice(), &known)?;
    let mut all = Vec::new();
    for name in &names {
        let profile = Arc::new(Profile::load(&suite, name)?);
        let st = oauth_conformance::selftest::run(&suite, profile, &reference::faults_of(name), &RunOptions::default(), a.every_case)?;
        print!("{}", oauth_conformance::selftest::render(&st));
        all.push(st);
    }
    let path = a.report_dir.join("selftest.json");
    write_report(&path, serde_json::to_string_pretty(&all)?.as_bytes())?;
    println!("report: {}", path.display());
    Ok(if all.iter().all(|s| s.ok()) { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn serve(a: ServeArgs) -> Result<ExitCode> {
    if print_catalogue(&a) {
        return Ok(ExitCode::SUCCESS);
    }
    let (faults, variants) = (faults_of(&a)?, variants_of(&a)?);
    let extras = reference::Extras { withheld: withheld_of(&a)?, short_lived: a.short_lived, par_required: a.par_required, login_style: login_style_of(&a)?, mtls: None, tls: a.tls, tls_ca: None, clock: Default::default() };
    let read = |p: &PathBuf| std::fs::read(p).map_err(|e| anyhow!("{}: {}", p.display(), io_message(&e)));
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some(reference::TlsConfig { cert_pem: read(c)?, key_pem: read(k)?, client_ca_pem: a.client_ca.as_ref().map(read).transpose()? }),
        _ => None,
    };
    let server = ReferenceServer::start_extras(&a.profile, faults, variants, extras, std::net::SocketAddr::new(a.host, a.port), reference::Registration::generate(), tls)?;
    let target = server.target_toml();
    if let Some(path) = &a.write_target {
        write_report(path, target.as_bytes())?;
    }
    announce(&server, &target, a.write_target.as_deref());
    oauth_conformance::run::signal::wait_for_termination()?;
    drop(server);
    Ok(ExitCode::SUCCESS)
}

/// `--list-faults`, `--list-variants`, `--list-offers`: prints the first asked for; false when
/// none was.
fn print_catalogue(a: &ServeArgs) -> bool {
    if a.list_faults {
        for f in Fault::ALL {
            println!("{:<38} {:<8} {:<6} {}", f.name(), f.profile(), f.level().as_str(), f.rule());
        }
    } else if a.list_variants {
        for v in Variant::ALL {
            println!("{:<34} {:<26} {}", v.name(), v.profiles().join(","), v.clause());
        }
    } else if a.list_offers {
        for o in reference::Offer::ALL {
            println!("{:<20} without it: {}", o.name(), o.what());
        }
    } else {
        return false;
    }
    true
}

/// The `--fault`s, each known and breaking the served profile's reference.
fn faults_of(a: &ServeArgs) -> Result<Faults> {
    a.faults
        .iter()
        .map(|n| match Fault::from_name(n) {
            Some(f) if reference::faults_of(&a.profile).contains(&f) => Ok(f),
            Some(f) => Err(anyhow!("fault `{n}` breaks the {} reference, not {}", f.profile(), a.profile)),
            None => Err(anyhow!("unknown fault `{n}` (see serve --list-faults)")),
        })
        .collect()
}

/// The `--variant`s, each known and offered by the served profile's reference.
fn variants_of(a: &ServeArgs) -> Result<Variants> {
    a.variants
        .iter()
        .map(|n| match Variant::from_name(n) {
            Some(v) if v.profiles().contains(&a.profile.as_str()) => Ok(v),
            Some(_) => Err(anyhow!("variant `{n}` is not offered by the {} reference", a.profile)),
            None => Err(anyhow!("unknown variant `{n}` (see serve --list-variants)")),
        })
        .collect()
}

/// The capabilities `--without` switches off (rfc6749 only).
fn withheld_of(a: &ServeArgs) -> Result<reference::Withheld> {
    a.without
        .iter()
        .map(|n| match reference::Offer::from_name(n) {
            Some(_) if a.profile != "rfc6749" => Err(anyhow!("--without applies to the rfc6749 reference, not {}", a.profile)),
            Some(o) => Ok(o),
            None => Err(anyhow!("unknown capability `{n}` (see serve --list-offers)")),
        })
        .collect()
}

/// `--login-style`, for the references with a login page.
fn login_style_of(a: &ServeArgs) -> Result<reference::LoginStyle> {
    match &a.login_style {
        None => Ok(reference::LoginStyle::default()),
        Some(_) if a.profile == "citi-mx" => Err(anyhow!("--login-style applies to the citi-pl and rfc6749 references (citi-mx has no login page)")),
        Some(n) => reference::LoginStyle::from_name(n).ok_or_else(|| {
            let names: Vec<&str> = reference::LoginStyle::ALL.iter().map(|(n, ..)| *n).collect();
            anyhow!("unknown login style `{n}` (one of: {})", names.join(", "))
        }),
    }
}

/// Where the sandbox listens, its credentials and its target file, flushed before the wait.
fn announce(server: &ReferenceServer, target: &str, written_to: Option<&Path>) {
    let reg = &server.registration;
    println!("oauth-conformance reference server ({}) listening on {}", server.profile, server.base_url());
    for c in &reg.clients {
        println!("client: {} secret {} redirect_uri {}", c.id, c.secret, c.redirect_uri);
    }
    println!("user: {} password {}", reg.user.username, reg.user.password);
    if let Some(m) = &server.extras.mtls {
        println!("mutual TLS (RFC 8705): client {} presents its certificate at {} (certificate, key and CA in the target file)", m.client.id, m.alias);
    }
    if let Some(path) = written_to {
        println!("target file written to {}", path.display());
    }
    println!("--- target file ---\n{target}--- end ---\nPress Ctrl-C to stop.");
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// `diff OLD NEW`: the changes between two report.json files; exit 1 on a new failure.
pub fn diff(old: &Path, new: &Path) -> Result<ExitCode> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| anyhow!("{}: {}", p.display(), io_message(&e)));
    let (old_text, new_text) = (read(old)?, read(new)?);
    let d = oauth_conformance::report::diff::diff(&old.display().to_string(), &old_text, &new.display().to_string(), &new_text)?;
    print!("{}", d.render());
    Ok(if d.newly_failing.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `init`: fetch the metadata, ask on a terminal for what it cannot say, write the draft.
pub fn init(a: InitArgs) -> Result<ExitCode> {
    if a.output.exists() && !a.force {
        bail!("{}: already exists (--force overwrites it)", a.output.display());
    }
    let urls = match (&a.discovery, &a.issuer) {
        (Some(u), _) => vec![u.clone()],
        (None, Some(issuer)) => draft::metadata_urls(issuer),
        (None, None) => bail!("--discovery URL or --issuer URL is needed"),
    };
    let mut tls = TlsOptions { insecure: a.insecure, ..Default::default() };
    let ca_cert = match &a.ca_cert {
        Some(path) => {
            tls.ca_certs.push(std::fs::read(path).map_err(|e| anyhow!("--ca-cert {}: {}", path.display(), io_message(&e)))?);
            Some(std::path::absolute(path).map_err(|e| anyhow!("--ca-cert {}: {}", path.display(), io_message(&e)))?)
        }
        None => None,
    };
    if a.insecure {
        eprintln!("WARNING: --insecure: the server's certificate is NOT checked; run with --insecure too (every report says so), or give --ca-cert.");
    }
    let (source, meta) = draft::fetch_first(&urls, Duration::from_secs(a.timeout), &tls).map_err(|e| {
        // An https issuer on a private CA: say which flag trusts it.
        let untrusted = a.ca_cert.is_none() && !a.insecure && e.to_string().contains("certificate");
        anyhow!("{e}{}", if untrusted { " (a server certificate from a private CA: give the CA with --ca-cert FILE)" } else { "" })
    })?;
    let mut answers = Answers {
        client_id: a.client_id,
        public: a.public,
        redirect_uri: a.redirect_uri,
        scope: a.scope,
        second_client_id: a.second_client_id,
        second_redirect_uri: a.second_redirect_uri,
        username: a.username,
        probe_url: a.probe_url,
        ca_cert,
    };
    if !a.no_input && std::io::stdin().is_terminal() {
        ask_missing(&mut answers)?;
    }
    let d = draft::draft(&source, &meta, &answers);
    std::fs::write(&a.output, &d.text).map_err(|e| anyhow!("{}: {}", a.output.display(), io_message(&e)))?;
    eprintln!("wrote {} from {source}", a.output.display());
    if !d.variables.is_empty() {
        eprintln!("it reads these environment variables at run time:");
        for (var, what) in &d.variables {
            eprintln!("  {var:<28} {what}");
        }
    }
    eprintln!("read it through, then: oauth-conformance run --target {}", a.output.display());
    Ok(ExitCode::SUCCESS)
}

/// The questions only the user can answer, each skipped when its flag gave the answer; an empty
/// line (or the end of input) leaves the answer out.
fn ask_missing(a: &mut Answers) -> Result<()> {
    let ask = |question: &str| -> Result<Option<String>> {
        use std::io::Write;
        eprint!("{question}: ");
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        let line = line.trim();
        Ok((!line.is_empty()).then(|| line.to_string()))
    };
    if a.client_id.is_none() {
        a.client_id = ask("client id, registered for the authorization code grant (empty: ${OAUTH_CLIENT_ID})")?;
    }
    if !a.public {
        a.public = ask("is it a public client, without a secret? [y/N]")?.is_some_and(|s| s.eq_ignore_ascii_case("y") || s.eq_ignore_ascii_case("yes"));
    }
    if a.redirect_uri.is_none() {
        a.redirect_uri = ask("a redirect URI registered for it, never contacted (empty: ${OAUTH_REDIRECT_URI})")?;
    }
    if a.scope.is_none() {
        a.scope = ask("scope to ask for (empty: the server's default)")?;
    }
    if a.username.is_none() {
        a.username = ask("a test user's name at the login page (empty: ${OAUTH_LOGIN_USERNAME}; the password is always ${OAUTH_LOGIN_PASSWORD})")?;
    }
    if a.second_client_id.is_none() {
        a.second_client_id = ask("a second registered client's id, for the cross-client cases (empty: skip them)")?;
    }
    if a.second_client_id.is_some() && a.second_redirect_uri.is_none() {
        a.second_redirect_uri = ask("its redirect URI (empty: ${OAUTH_SECOND_REDIRECT_URI})")?;
    }
    Ok(())
}
