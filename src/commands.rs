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
use oauth_conformance::report;
use oauth_conformance::run::runner::{self, Plan, RunOptions};
use oauth_conformance::run::event::Event;
use oauth_conformance::suite::selection::Selection;
use oauth_conformance::suite::source::Suite;
use oauth_conformance::target::file::Target;

use crate::cli::{LevelArg, ListArgs, RunArgs, SelectArgs, SelftestArgs, ServeArgs};

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
    Selection { filters: a.filters.clone(), exact: a.exact, skip: a.skip.clone(), level }
}

/// The profiles `--profile` names, each known; all of `known` when none is named.
fn profiles_named(wanted: &[String], known: &[String]) -> Result<Vec<String>> {
    if let Some(bad) = wanted.iter().find(|p| !known.contains(p)) {
        bail!("unknown profile `{bad}` (known: {})", known.join(", "));
    }
    Ok(if wanted.is_empty() { known.to_vec() } else { wanted.to_vec() })
}

/// The target file's plan: its profile, discovery done, checked against the profile.
fn target_plan(suite: &Suite, path: &Path, timeout: Duration, wanted: &[String]) -> Result<Plan> {
    let mut target = Target::load(path)?;
    target.check_profile_known(&suite.profiles())?;
    if !wanted.is_empty() && !wanted.contains(&target.profile) {
        bail!("{}: the target is for profile `{}`, not {}", path.display(), target.profile, wanted.join(", "));
    }
    // Without [endpoints] the metadata is all the suite has to find the server by; with them, a
    // metadata document that cannot be read is the metadata cases' finding.
    if target.endpoints.is_empty() {
        target.discover(timeout)?;
    } else if let Some(note) = target.discover_or_note(timeout) {
        eprintln!("warning: {note}");
    }
    let profile = Profile::load(suite, &target.profile)?;
    target.check_against(&profile)?;
    Ok(Plan { profile: Arc::new(profile), target: Arc::new(target) })
}

pub fn run(a: RunArgs) -> Result<ExitCode> {
    let suite = suite_of(a.select.suite.as_ref())?;
    let selection = selection_of(&a.select);
    let timeout = Duration::from_secs(a.request_timeout);
    let mut servers = Vec::new();
    let plans = match &a.target {
        Some(path) => vec![target_plan(&suite, path, timeout, &a.select.profiles)?],
        None => {
            let mut plans = Vec::new();
            for name in profiles_named(&a.select.profiles, &reference::PROFILES.iter().map(|s| s.to_string()).collect::<Vec<_>>())? {
                let profile = Profile::load(&suite, &name)?;
                let extras = reference::Extras { short_lived: a.slow, ..Default::default() };
                let server = ReferenceServer::start_offering(&name, extras).context("starting the embedded reference server")?;
                let mut target = Target::parse("embedded reference target", &server.target_toml(), &|_| None)?;
                if let Some(note) = target.discover_or_note(timeout) {
                    eprintln!("warning: {note}");
                }
                target.check_against(&profile)?;
                plans.push(Plan { profile: Arc::new(profile), target: Arc::new(target) });
                servers.push(server);
            }
            plans
        }
    };
    let selected: usize = plans.iter().map(|p| p.profile.cases.iter().filter(|c| selection.selects(c)).count()).sum();
    if selected == 0 {
        let names: Vec<&str> = plans.iter().map(|p| p.profile.name.as_str()).collect();
        bail!("no case matches {} in {} (see `list`)", selection.describe(), names.join(", "));
    }
    let baseline = match &a.baseline {
        Some(path) => {
            let known = |profile: Option<&str>, id: &str| {
                plans.iter().any(|p| profile.is_none_or(|n| n == p.profile.name) && p.profile.cases.iter().any(|c| c.id == id))
            };
            Some(Arc::new(Baseline::load(path, &known)?))
        }
        None => None,
    };
    let outputs = [
        (a.json.clone().unwrap_or_else(|| a.report_dir.join("report.json")), "json"),
        (a.junit.clone().unwrap_or_else(|| a.report_dir.join("junit.xml")), "junit"),
        (a.html.clone().unwrap_or_else(|| a.report_dir.join("report.html")), "html"),
    ];
    for path in outputs.iter().map(|(p, _)| p).chain(a.write_baseline.as_ref()) {
        report::check_writable(path).map_err(|e| anyhow!("{}: cannot write there: {}", path.display(), io_message(&e)))?;
    }
    let mut tls = oauth_conformance::transport::http::TlsOptions { insecure: a.insecure, ..Default::default() };
    for path in &a.ca_certs {
        tls.ca_certs.push(std::fs::read(path).map_err(|e| anyhow!("--ca-cert {}: {}", path.display(), io_message(&e)))?);
    }
    for t in plans.iter().filter_map(|p| p.target.tls.as_ref()) {
        tls.ca_certs.extend(t.ca_cert.clone());
        if t.identity.is_some() {
            tls.identity = t.identity.clone();
        }
    }
    // A report on standard output moves the terminal's lines to standard error.
    let to_stdout = outputs.iter().any(|(p, _)| p.as_os_str() == "-");
    let tty = if to_stdout { std::io::stderr().is_terminal() } else { std::io::stdout().is_terminal() };
    let color = tty && std::env::var_os("NO_COLOR").is_none();
    let stream: Box<dyn std::io::Write + Send> = if to_stdout { Box::new(std::io::stderr()) } else { Box::new(std::io::stdout()) };
    let lines = Arc::new(report::terminal::Lines::new(stream, tty, color));
    if a.insecure {
        eprintln!("WARNING: --insecure: server certificates are NOT checked; every report says so.");
    }
    let mut unreachable = None;
    for p in &plans {
        match p.target.preflight() {
            Err(e) => unreachable = Some(e.to_string()),
            Ok(Some(line)) => lines.event(&Event::Diagnosis(line)),
            Ok(None) => {}
        }
    }
    if let Some(line) = &unreachable {
        lines.event(&Event::Diagnosis(line.clone()));
    }
    let stop = oauth_conformance::run::signal::Stop::default();
    oauth_conformance::run::signal::watch(stop.clone());
    let sink = lines.clone();
    let opts = RunOptions {
        selection,
        jobs: a.jobs.map(|j| j as usize),
        request_timeout: timeout,
        strict: a.strict,
        stop: Some(stop),
        tls,
        insecure: a.insecure,
        baseline: baseline.clone(),
        events: Some(Arc::new(move |e: &Event| sink.event(e))),
        max_failures: if a.fail_fast { Some(1) } else { a.max_failures.map(|m| m as usize) },
        unreachable,
        slow: a.slow,
        ..RunOptions::default()
    };
    let result = runner::run(&plans, &opts, Arc::new(Redactor::new()))?;
    drop(servers);
    let mut paths = Vec::new();
    for (path, kind) in &outputs {
        let text = match *kind {
            "json" => report::json::to_string(&result),
            "junit" => report::junit::render(&result),
            _ => report::html::render(&result),
        };
        report::write_output(path, text.as_bytes()).map_err(|e| anyhow!("writing {}: {}", path.display(), io_message(&e)))?;
        paths.push(if path.as_os_str() == "-" { format!("{kind} on standard output") } else { path.display().to_string() });
    }
    if let Some(path) = &a.write_baseline {
        report::write_output(path, Baseline::of_failures(&result).to_toml().as_bytes()).map_err(|e| anyhow!("writing {}: {}", path.display(), io_message(&e)))?;
        paths.push(format!("{} (baseline of this run's failures)", path.display()));
    }
    let note = if a.target.is_some() { "" } else { " (embedded reference server)" };
    lines.print(report::terminal::summary(&result, note, &paths, color).trim_end());
    Ok(match result.interrupted {
        Some("SIGINT") => ExitCode::from(130),
        Some(_) => ExitCode::from(143),
        None if result.gate_passed() => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    })
}

pub fn list(a: ListArgs) -> Result<ExitCode> {
    let suite = suite_of(a.select.suite.as_ref())?;
    let selection = selection_of(&a.select);
    let plans: Vec<(Arc<Profile>, Option<Arc<Target>>)> = match &a.target {
        Some(path) => {
            let plan = target_plan(&suite, path, Duration::from_secs(10), &a.select.profiles)?;
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
        let cases: Vec<_> = profile.cases.iter().filter(|c| selection.selects(c)).collect();
        println!("# {} — {} ({} cases)", profile.name, profile.title, cases.len());
        for c in &cases {
            let needs: Vec<String> = c.needs.iter().map(|n| format!("{n:?}").to_lowercase()).collect();
            let needs = if needs.is_empty() { String::new() } else { format!(" (needs: {})", needs.join(", ")) };
            let requires = c.requires.as_ref().map(|r| format!(" (requires: {r})")).unwrap_or_default();
            let skip = target.as_ref().and_then(|t| runner::unmet_needs(c, t)).map(|r| format!(" — would be skipped: {r}")).unwrap_or_default();
            println!("{:<52} {:<6} {} [{}]{needs}{requires}{skip}", c.id, c.level.as_str(), c.title, c.refs.join("; "));
            println!("    rule: {}", c.rule);
        }
        total += cases.len();
    }
    if total == 0 {
        bail!("no case matches {}", selection.describe());
    }
    println!("{total} cases");
    Ok(ExitCode::SUCCESS)
}

pub fn selftest(a: SelftestArgs) -> Result<ExitCode> {
    let suite = suite_of(a.suite.as_ref())?;
    let known: Vec<String> = reference::PROFILES.iter().map(|s| s.to_string()).collect();
    let names = profiles_named(a.profile.as_slice(), &known)?;
    let mut all = Vec::new();
    for name in &names {
        let profile = Arc::new(Profile::load(&suite, name)?);
        let st = oauth_conformance::selftest::run(&suite, profile, &reference::faults_of(name), &RunOptions::default())?;
        print!("{}", oauth_conformance::selftest::render(&st));
        all.push(st);
    }
    let path = a.report_dir.join("selftest.json");
    report::write_output(&path, serde_json::to_string_pretty(&all)?.as_bytes()).map_err(|e| anyhow!("writing {}: {}", path.display(), io_message(&e)))?;
    println!("report: {}", path.display());
    Ok(if all.iter().all(|s| s.ok()) { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn serve(a: ServeArgs) -> Result<ExitCode> {
    if a.list_faults {
        for f in Fault::ALL {
            println!("{:<38} {:<8} {:<6} {}", f.name(), f.profile(), f.level().as_str(), f.rule());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if a.list_variants {
        for v in Variant::ALL {
            println!("{:<34} {:<26} {}", v.name(), v.profiles().join(","), v.clause());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if a.list_offers {
        for o in reference::Offer::ALL {
            println!("{:<20} without it: {}", o.name(), o.what());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let faults: Faults = a
        .faults
        .iter()
        .map(|n| match Fault::from_name(n) {
            Some(f) if reference::faults_of(&a.profile).contains(&f) => Ok(f),
            Some(f) => Err(anyhow!("fault `{n}` breaks the {} reference, not {}", f.profile(), a.profile)),
            None => Err(anyhow!("unknown fault `{n}` (see serve --list-faults)")),
        })
        .collect::<Result<_>>()?;
    let variants: Variants = a
        .variants
        .iter()
        .map(|n| match Variant::from_name(n) {
            Some(v) if v.profiles().contains(&a.profile.as_str()) => Ok(v),
            Some(_) => Err(anyhow!("variant `{n}` is not offered by the {} reference", a.profile)),
            None => Err(anyhow!("unknown variant `{n}` (see serve --list-variants)")),
        })
        .collect::<Result<_>>()?;
    let withheld: reference::Withheld = a
        .without
        .iter()
        .map(|n| match reference::Offer::from_name(n) {
            Some(_) if a.profile != "rfc6749" => Err(anyhow!("--without applies to the rfc6749 reference, not {}", a.profile)),
            Some(o) => Ok(o),
            None => Err(anyhow!("unknown capability `{n}` (see serve --list-offers)")),
        })
        .collect::<Result<_>>()?;
    let login_style = match &a.login_style {
        None => reference::LoginStyle::default(),
        Some(_) if a.profile == "citi-mx" => return Err(anyhow!("--login-style applies to the citi-pl and rfc6749 references (citi-mx has no login page)")),
        Some(n) => reference::LoginStyle::from_name(n).ok_or_else(|| {
            let names: Vec<&str> = reference::LoginStyle::ALL.iter().map(|(n, ..)| *n).collect();
            anyhow!("unknown login style `{n}` (one of: {})", names.join(", "))
        })?,
    };
    let extras = reference::Extras { withheld, short_lived: a.short_lived, par_required: a.par_required, login_style };
    let read = |p: &PathBuf| std::fs::read(p).map_err(|e| anyhow!("{}: {}", p.display(), io_message(&e)));
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some(reference::TlsConfig { cert_pem: read(c)?, key_pem: read(k)?, client_ca_pem: a.client_ca.as_ref().map(read).transpose()? }),
        _ => None,
    };
    let server = ReferenceServer::start_extras(&a.profile, faults, variants, extras, std::net::SocketAddr::new(a.host, a.port), reference::Registration::generate(), tls)?;
    let target = server.target_toml();
    if let Some(path) = &a.write_target {
        report::write_output(path, target.as_bytes()).map_err(|e| anyhow!("writing {}: {}", path.display(), io_message(&e)))?;
    }
    let reg = &server.registration;
    println!("oauth-conformance reference server ({}) listening on {}", server.profile, server.base_url());
    for c in &reg.clients {
        println!("client: {} secret {} redirect_uri {}", c.id, c.secret, c.redirect_uri);
    }
    println!("user: {} password {}", reg.user.username, reg.user.password);
    if let Some(path) = &a.write_target {
        println!("target file written to {}", path.display());
    }
    println!("--- target file ---\n{target}--- end ---\nPress Ctrl-C to stop.");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    oauth_conformance::run::signal::wait_for_termination()?;
    drop(server);
    Ok(ExitCode::SUCCESS)
}
