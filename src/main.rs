//! The `oauth-conformance` command line. Errors become exit status 2 here, at the edge.
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};

use oauth_conformance::baseline::Baseline;
use oauth_conformance::profile::Profile;
use oauth_conformance::redact::Redactor;
use oauth_conformance::reference::{self, Fault, Faults, ReferenceServer};
use oauth_conformance::report;
use oauth_conformance::runner::{self, Plan, RunOptions};
use oauth_conformance::suite::Suite;
use oauth_conformance::target::Target;

#[derive(Parser)]
#[command(name = "oauth-conformance", version, about = "Conformance test suite for OAuth 2.0 authorization servers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite against a target (default: the embedded reference server).
    Run(RunArgs),
    /// List the cases of a profile without running them.
    List(ListArgs),
    /// Run the reference server as a sandbox.
    Serve(ServeArgs),
    /// Judge the suite: run it against the correct reference and against every fault, print the kill matrix.
    Selftest(SelftestArgs),
}

#[derive(clap::Args)]
struct SelftestArgs {
    /// Profile to judge (default: every profile the reference implements).
    #[arg(long)]
    profile: Option<String>,
    #[arg(long, default_value = "reports")]
    report_dir: PathBuf,
    #[arg(long)]
    suite: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Target file (TOML). Without it, the embedded reference server is started and judged.
    #[arg(long)]
    target: Option<PathBuf>,
    /// Where reports are written.
    #[arg(long, default_value = "reports")]
    report_dir: PathBuf,
    /// Run only cases whose id contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    request_timeout: u64,
    /// Fail the gate on SHOULD cases too.
    #[arg(long)]
    strict: bool,
    /// Cases run at once (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
    jobs: Option<u64>,
    /// Read case tables and specs from this directory (with cases/ and specs/) instead of the embedded copy.
    #[arg(long)]
    suite: Option<PathBuf>,
    /// One character per case instead of one line.
    #[arg(long)]
    quiet: bool,
    /// Write the JSON report here instead of <report-dir>/report.json.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write the JUnit XML report here instead of <report-dir>/junit.xml.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write the HTML report here instead of <report-dir>/report.html.
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Known failures (TOML, each with a reason): the gate fails only on failures not listed.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write this run's failures as a baseline file.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Trust this CA certificate (PEM) for an https target (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
    /// Accept any server certificate. Dangerous; shown loudly in every report. Never the default.
    #[arg(long)]
    insecure: bool,
}

#[derive(clap::Args)]
struct ListArgs {
    /// Profile to list (default: every profile).
    #[arg(long)]
    profile: Option<String>,
    #[arg(long)]
    suite: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, default_value = "citi-pl")]
    profile: String,
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on. Keep it on loopback: the sandbox prints its credentials.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Break one rule on purpose (repeatable); see `serve --list-faults`.
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<String>,
    /// Print the known faults and exit.
    #[arg(long)]
    list_faults: bool,
    /// Also write the ready target file here.
    #[arg(long)]
    write_target: Option<PathBuf>,
    /// Serve https with this certificate chain (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates issued by this CA (PEM): mutual TLS.
    #[arg(long, requires = "tls_cert")]
    client_ca: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(a) => run(a),
        Command::List(a) => list(a).map(|_| ExitCode::SUCCESS),
        Command::Serve(a) => serve(a).map(|_| ExitCode::SUCCESS),
        Command::Selftest(a) => selftest(a),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

fn suite_of(dir: Option<PathBuf>) -> Result<Suite> {
    match dir {
        None => Ok(Suite::Embedded),
        Some(d) if d.join("cases").is_dir() && d.join("specs").is_dir() => Ok(Suite::Dir(d)),
        Some(d) => Err(anyhow!("{}: not a suite directory (it needs cases/ and specs/)", d.display())),
    }
}

fn run(a: RunArgs) -> Result<ExitCode> {
    let suite = suite_of(a.suite)?;
    let mut servers = Vec::new();
    let mut plans = Vec::new();
    match &a.target {
        Some(path) => {
            let mut target = Target::load(path)?;
            target.check_profile_known(&suite.profiles())?;
            if let Some(url) = target.discovery_url.clone() {
                discover(&mut target, &url, Duration::from_secs(a.request_timeout)).with_context(|| format!("discovery_url {url}"))?;
            }
            let profile = Profile::load(&suite, &target.profile)?;
            target.check_against(&profile)?;
            plans.push(Plan { profile: Arc::new(profile), target: Arc::new(target) });
        }
        None => {
            for name in reference::PROFILES {
                let profile = Profile::load(&suite, name)?;
                let server = ReferenceServer::start(name, Faults::none()).context("starting the embedded reference server")?;
                let target = Target::parse("embedded reference target", &server.target_toml(), &|_| None)?;
                target.check_against(&profile)?;
                plans.push(Plan { profile: Arc::new(profile), target: Arc::new(target) });
                servers.push(server);
            }
        }
    }
    let baseline = match &a.baseline {
        Some(path) => {
            let known = |profile: Option<&str>, id: &str| {
                plans.iter().any(|p| profile.is_none_or(|n| n == p.profile.name) && p.profile.cases.iter().any(|c| c.id == id))
            };
            Some(Baseline::load(path, &known)?)
        }
        None => None,
    };
    let color = std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("NO_COLOR").is_none();
    let mut tls = oauth_conformance::http::TlsOptions { insecure: a.insecure, ..Default::default() };
    for path in &a.ca_certs {
        tls.ca_certs.push(std::fs::read(path).with_context(|| format!("--ca-cert {}", path.display()))?);
    }
    for p in &plans {
        if let Some(t) = &p.target.tls {
            tls.ca_certs.extend(t.ca_cert.clone());
            if t.identity.is_some() {
                tls.identity = t.identity.clone();
            }
        }
    }
    if a.insecure {
        eprintln!("WARNING: --insecure: server certificates are NOT checked; every report says so.");
    }
    for p in &plans {
        if let Some(line) = preflight(&p.target.base_url) {
            println!("{line}");
        }
    }
    let stop = runner::Stop::default();
    watch_signals(stop.clone());
    let note = if a.target.is_some() { "" } else { " (embedded reference server)" };
    let opts = RunOptions {
        filter: a.filter,
        jobs: a.jobs.map(|j| j as usize),
        request_timeout: Duration::from_secs(a.request_timeout),
        strict: a.strict,
        quiet: a.quiet,
        color,
        stop: Some(stop),
        tls,
        insecure: a.insecure,
        ..RunOptions::default()
    };
    let redactor = Arc::new(Redactor::new());
    let mut result = runner::run(&plans, &opts, redactor.clone())?;
    drop(servers);
    if let Some(b) = &baseline {
        b.apply(&mut result);
    }
    let outputs = [
        (a.json.unwrap_or_else(|| a.report_dir.join("report.json")), report::json::to_string(&result, &redactor)),
        (a.junit.unwrap_or_else(|| a.report_dir.join("junit.xml")), redactor.redact(&report::junit::render(&result))),
        (a.html.unwrap_or_else(|| a.report_dir.join("report.html")), redactor.redact(&report::html::render(&result))),
    ];
    let mut paths = Vec::new();
    for (path, text) in &outputs {
        report::write_atomic(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
        paths.push(path.display().to_string());
    }
    if let Some(path) = &a.write_baseline {
        let text = redactor.redact(&Baseline::of_failures(&result).to_toml());
        report::write_atomic(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
        paths.push(format!("{} (baseline of this run's failures)", path.display()));
    }
    let text = report::terminal::summary(&result, note, &paths, color);
    print!("{}", redactor.redact(&text));
    Ok(match result.interrupted {
        Some("SIGINT") => ExitCode::from(130),
        Some(_) => ExitCode::from(143),
        None if result.gate_passed() => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    })
}

/// RFC 8414: fills the authorize, token and revoke endpoints the target file does not give.
fn discover(target: &mut Target, url: &url::Url, timeout: Duration) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let http = oauth_conformance::http::Http::new(timeout, oauth_conformance::http::DEFAULT_BODY_CAP)?;
    let request = oauth_conformance::http::HttpRequest { method: "GET".into(), url: url.clone(), headers: vec![("accept".into(), "application/json".into())], body: None };
    let resp = rt.block_on(http.send(request)).response?;
    if resp.status != 200 {
        return Err(anyhow!("answered {} instead of 200", resp.status));
    }
    let meta = resp.json().filter(|v| v.is_object()).ok_or_else(|| anyhow!("the answer is not a JSON object"))?;
    for (key, field) in [("authorize", "authorization_endpoint"), ("token", "token_endpoint"), ("revoke", "revocation_endpoint")] {
        if !target.endpoints.contains_key(key)
            && let Some(v) = meta.get(field).and_then(|v| v.as_str()) {
                url::Url::parse(v).map_err(|e| anyhow!("{field} {v:?}: {e}"))?;
                target.endpoints.insert(key.to_string(), v.to_string());
            }
    }
    Ok(())
}

/// One line before the run when the target cannot even be connected to.
fn preflight(base: &url::Url) -> Option<String> {
    let host = base.host_str()?;
    let port = base.port_or_known_default()?;
    let addrs: Vec<std::net::SocketAddr> = match std::net::ToSocketAddrs::to_socket_addrs(&(host, port)) {
        Ok(a) => a.collect(),
        Err(e) => return Some(format!("target unreachable: cannot resolve {host}: {e}")),
    };
    let addr = addrs.first()?;
    match std::net::TcpStream::connect_timeout(addr, Duration::from_secs(2)) {
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Some(format!("target unreachable: connection refused at {addr} — every case will error")),
        Err(e) => Some(format!("target may be unreachable: {e} at {addr}")),
    }
}

/// SIGINT / SIGTERM: stop starting cases, let running ones finish, write the reports; a second
/// signal aborts at once.
fn watch_signals(stop: runner::Stop) {
    let _ = std::thread::Builder::new().name("signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else { return };
                loop {
                    let (name, code) = tokio::select! {
                        _ = int.recv() => ("SIGINT", 130),
                        _ = term.recv() => ("SIGTERM", 143),
                    };
                    if stop.reason().is_some() {
                        eprintln!("{name} again: aborting without reports");
                        std::process::exit(code);
                    }
                    eprintln!("{name}: no new case starts; running cases finish, then the reports are written ({name} again to abort)");
                    stop.request(name);
                }
            }
        });
    });
}

fn selftest(a: SelftestArgs) -> Result<ExitCode> {
    let suite = suite_of(a.suite)?;
    let names: Vec<String> = match a.profile {
        Some(p) => vec![p],
        None => reference::PROFILES.iter().map(|s| s.to_string()).collect(),
    };
    let mut all = Vec::new();
    for name in &names {
        let profile = Arc::new(Profile::load(&suite, name)?);
        let faults: Vec<Fault> = reference::faults_of(name);
        let st = oauth_conformance::selftest::run(&suite, profile, &faults, &RunOptions::default())?;
        print!("{}", oauth_conformance::selftest::render(&st));
        all.push(st);
    }
    let path = a.report_dir.join("selftest.json");
    let json = serde_json::to_string_pretty(&all)?;
    report::write_atomic(&path, json.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    println!("report: {}", path.display());
    Ok(if all.iter().all(|s| s.ok()) { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn list(a: ListArgs) -> Result<()> {
    let suite = suite_of(a.suite)?;
    let names = match a.profile {
        Some(p) => vec![p],
        None => suite.profiles(),
    };
    let mut total = 0;
    for name in names {
        let profile = Profile::load(&suite, &name)?;
        println!("# {} — {} ({} cases)", profile.name, profile.title, profile.cases.len());
        for c in &profile.cases {
            let needs: Vec<String> = c.needs.iter().map(|n| format!("{n:?}").to_lowercase()).collect();
            let needs = if needs.is_empty() { String::new() } else { format!(" (needs: {})", needs.join(", ")) };
            let requires = c.requires.as_ref().map(|r| format!(" (requires: {r})")).unwrap_or_default();
            println!("{:<52} {:<6} {} [{}]{}{}", c.id, c.level.as_str(), c.title, c.refs.join("; "), needs, requires);
            println!("    rule: {}", c.rule);
        }
        total += profile.cases.len();
    }
    println!("{total} cases");
    Ok(())
}

fn serve(a: ServeArgs) -> Result<()> {
    if a.list_faults {
        for f in Fault::ALL {
            println!("{:<38} {:<8} {:<6} {}", f.name(), f.profile(), f.level().as_str(), f.rule());
        }
        return Ok(());
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
    let read = |p: &PathBuf| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some(reference::TlsConfig { cert_pem: read(c)?, key_pem: read(k)?, client_ca_pem: a.client_ca.as_ref().map(read).transpose()? }),
        _ => None,
    };
    let server = ReferenceServer::start_with(&a.profile, faults, std::net::SocketAddr::new(a.host, a.port), reference::Registration::generate(), tls)?;
    let target = server.target_toml();
    if let Some(path) = &a.write_target {
        report::write_atomic(path, target.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
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
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        #[cfg(unix)]
        {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await
    })?;
    drop(server);
    Ok(())
}
