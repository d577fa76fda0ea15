//! The speed benchmark: `cargo bench --bench suite`. Prints, against the reference target:
//! - wall time of a full run of each profile and of both (median of RUNS, in-process reference,
//!   its metadata fetched first as `run` does; < 300 ms each): the cases that pause on purpose
//!   (`max_age=1` must lapse) advance the in-process reference's clock, as `run` does;
//! - harness CPU per case (reference in another process, so the figure is the suite's own);
//! - the floor: the same HTTP requests replayed by a bare reqwest loop, same parallelism, and the
//!   suite / floor ratio;
//! - cold start: process start to the first request the target sees;
//! - a full run against a target that accepts and never answers, `--request-timeout 1`.
//!
//! - the chromium driver on citi-pl's JavaScript-built login, and the browser's own floor for it:
//!   kept pages (a context each, as the driver keeps them) that load one login page after another,
//!   with no driver at all.
//!
//! Environment: RUNS (default 15), JOBS (default: `run`'s, 16 at once), ONLY=chromium (the
//! chromium rows alone: they are the slow ones to iterate on), ONLY=embedded (the full runs
//! against the in-process reference alone: the per-profile figures).
use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oauth_conformance::model::clock::Clock;
use oauth_conformance::transport::http::{Http, HttpRequest};
use oauth_conformance::suite::profile::Profile;
use oauth_conformance::model::redact::Redactor;
use oauth_conformance::reference::{Faults, ReferenceServer};
use oauth_conformance::run::runner::{self, Plan, RawRequests, RunOptions};
use oauth_conformance::suite::source::Suite;
use oauth_conformance::target::file::Target;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-conformance");

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// The plan `run` makes: the target's metadata fetched first, so the capabilities it names
/// (OpenID Connect among them) let their cases run; an in-process server's clock, so that its
/// cases that pause advance it as `run` does (`model::clock`).
fn plan_for(profile: &str, target_toml: &str, clock: Clock) -> Plan {
    let p = Arc::new(Profile::load(&Suite::Embedded, profile).unwrap());
    let mut t = Target::parse("bench", target_toml, &|_| None).unwrap();
    t.clock = clock;
    if let Some(why) = t.discover_or_note(Duration::from_secs(5), &oauth_conformance::transport::http::TlsOptions::default()) {
        println!("(discovery: {why})");
    }
    Plan { profile: p, target: Arc::new(t) }
}

fn run(plans: &[Plan], jobs: usize, raw: Option<RawRequests>) -> (f64, usize) {
    let opts = RunOptions { jobs: Some(jobs), raw_requests: raw, ..RunOptions::default() };
    let started = Instant::now();
    let result = runner::run(plans, &opts, Arc::new(Redactor::new())).unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(result.gate_passed(), "the benchmark needs a passing run");
    (wall, result.summary().total)
}

/// A `serve` process, killed when dropped.
struct Served(std::process::Child, String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(profile: &str, dir: &std::path::Path) -> Served {
    let file = dir.join(format!("{profile}.toml"));
    let child = Command::new(BIN)
        .args(["serve", "--profile", profile, "--port", "0", "--write-target", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !file.exists() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    Served(child, std::fs::read_to_string(&file).unwrap())
}

/// Replays each case's requests in order, cases `jobs` at a time, with no checks. Like the
/// suite's run, it starts its runtime and HTTP client inside the timed span.
fn floor(chains: &[Vec<HttpRequest>], jobs: usize) -> f64 {
    let queue = Arc::new(Mutex::new(chains.to_vec()));
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let http = Http::new(Duration::from_secs(10), 1 << 20).unwrap();
    rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..jobs {
            let (queue, http) = (queue.clone(), http.clone());
            set.spawn(async move {
                loop {
                    let Some(chain) = queue.lock().unwrap().pop() else { break };
                    for req in chain {
                        let _ = http.send(req).await;
                    }
                }
            });
        }
        while set.join_next().await.is_some() {}
    });
    started.elapsed().as_secs_f64()
}

/// User + system CPU seconds of the whole machine so far (/proc/stat): the browser's processes
/// come and go, so only the machine's total sees them all. Meaningful on a quiet machine.
fn machine_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = stat.lines().next().unwrap_or("").split_whitespace().skip(1).take(3).filter_map(|v| v.parse().ok()).collect();
    ticks.iter().sum::<f64>() / 100.0
}

/// The browser's floor under the chromium driver: `n` logins' worth of what the driver cannot
/// avoid — on one of `at_once` kept pages (each in a context of its own, made once, as the
/// driver keeps them), the context's cookies cleared and one load of the rfc6749 reference's
/// JavaScript-built login page, with no polling, typing or clicking. Wall seconds and machine CPU
/// seconds.
fn chromium_floor(n: usize, at_once: usize) -> (f64, f64) {
    use oauth_conformance::login::chromium::devtools::Browser;
    let extras = oauth_conformance::reference::Extras { login_style: oauth_conformance::reference::LoginStyle::Script, ..Default::default() };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server = ReferenceServer::start_extras("rfc6749", Faults::none(), oauth_conformance::reference::Variants::none(), extras, addr, oauth_conformance::reference::Registration::generate(), None).unwrap();
    let target = Target::parse("bench", &server.target_toml(), &|_| None).unwrap();
    let mut login = url::Url::parse(&format!("{}/authorize", server.base_url())).unwrap();
    login
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &target.client.id)
        .append_pair("redirect_uri", target.client.redirect_uri.as_deref().unwrap_or_default())
        .append_pair("state", "floor");
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let exe = oauth_conformance::login::chromium::executable().unwrap();
        let user_data = format!("--user-data-dir={}", profile.path().display());
        // The driver's own flags: the floor is the driver's browser's.
        let mut args = oauth_conformance::login::chromium::ARGS.to_vec();
        args.push(&user_data);
        let browser = Browser::launch(&exe, &args).await.unwrap();
        let browser = Arc::new(browser);
        let (started, cpu) = (Instant::now(), machine_cpu_seconds());
        let left = Arc::new(std::sync::atomic::AtomicUsize::new(n));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..at_once {
            let (browser, left, login) = (browser.clone(), left.clone(), login.to_string());
            set.spawn(async move {
                let context = browser.new_context().await.unwrap();
                let page = browser.new_page(&context).await.unwrap();
                while left.fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |l| l.checked_sub(1)).is_ok() {
                    browser.clear_cookies(&context).await.unwrap();
                    page.goto(login.as_str()).await.unwrap();
                }
            });
        }
        while set.join_next().await.is_some() {}
        (started.elapsed().as_secs_f64(), machine_cpu_seconds() - cpu)
    })
}

fn main() {
    // `cargo bench` passes --bench; nothing else is read from the command line.
    let runs: usize = std::env::var("RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(15).max(1);
    let jobs: usize = std::env::var("JOBS").ok().and_then(|v| v.parse().ok()).unwrap_or(runner::DEFAULT_JOBS);
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    println!("oauth-conformance benchmark — {} cores ({cpu_model}), jobs {jobs}, median of {runs} runs\n", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));

    // 0. A full citi-pl run through the chromium login driver, against the reference's
    // JavaScript-built login and consent pages (3 runs: each is tens of seconds).
    let only = std::env::var("ONLY").unwrap_or_default();
    match oauth_conformance::login::chromium::executable().filter(|_| only != "embedded") {
        Some(_) => {
            let extras = oauth_conformance::reference::Extras { login_style: oauth_conformance::reference::LoginStyle::Script, ..Default::default() };
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let js = ReferenceServer::start_extras("citi-pl", Faults::none(), oauth_conformance::reference::Variants::none(), extras, addr, oauth_conformance::reference::Registration::generate(), None).unwrap();
            let toml = js.target_toml().replacen("[login]\n", "[login]\ndriver = \"chromium\"\n", 1);
            let plans = vec![plan_for("citi-pl", &toml, js.clock())];
            // At this run's jobs, and at `run`'s default: logins wait on the browser more than
            // on the cores, so the driver runs as many at once as the run has jobs.
            let mut each_jobs = vec![jobs, runner::DEFAULT_JOBS];
            each_jobs.dedup();
            for j in each_jobs {
                let walls: Vec<f64> = (0..3).map(|_| run(&plans, j, None).0).collect();
                println!("{:<34} {:>8} {:>10.1} s    (jobs {j}, browser start included; median of 3)", "citi-pl, chromium driver, JS login", plans[0].profile.cases.len(), median(walls));
            }
            let (wall, cpu) = chromium_floor(60, 6);
            println!("{:<34} {:>8} {:>10.1} s    (6 kept pages; {cpu:.1} s of machine CPU: the browser's cost per page load)", "chromium floor: one page load", 60, wall);
            println!();
        }
        None if only == "embedded" => println!("citi-pl, chromium driver: not measured (ONLY=embedded)\n"),
        None => println!("citi-pl, chromium driver: not measured (no Chromium on this machine)\n"),
    }
    if only == "chromium" {
        return;
    }

    // 1. Wall time against the in-process reference.
    let pl = ReferenceServer::start("citi-pl", Faults::none()).unwrap();
    let mx = ReferenceServer::start("citi-mx", Faults::none()).unwrap();
    let rfc = ReferenceServer::start("rfc6749", Faults::none()).unwrap();
    let sets: Vec<(&str, Vec<Plan>)> = vec![
        ("citi-pl", vec![plan_for("citi-pl", &pl.target_toml(), pl.clock())]),
        ("citi-mx", vec![plan_for("citi-mx", &mx.target_toml(), mx.clock())]),
        ("rfc6749", vec![plan_for("rfc6749", &rfc.target_toml(), rfc.clock())]),
        ("citi-pl + citi-mx", vec![plan_for("citi-pl", &pl.target_toml(), pl.clock()), plan_for("citi-mx", &mx.target_toml(), mx.clock())]),
        (
            "every profile",
            vec![
                plan_for("citi-pl", &pl.target_toml(), pl.clock()),
                plan_for("citi-mx", &mx.target_toml(), mx.clock()),
                plan_for("rfc6749", &rfc.target_toml(), rfc.clock()),
            ],
        ),
    ];
    println!("{:<34} {:>8} {:>12}   target", "full run (in-process reference)", "cases", "wall median");
    for (name, plans) in &sets {
        run(plans, jobs, None); // warm-up
        let mut walls = Vec::new();
        let mut cases = 0;
        for _ in 0..runs {
            let (w, n) = run(plans, jobs, None);
            walls.push(w);
            cases = n;
        }
        let target = match *name {
            "citi-pl + citi-mx" => "< 1.5 s",
            _ => "< 300 ms",
        };
        println!("{name:<34} {cases:>8} {:>10.1} ms   {target}", median(walls) * 1e3);
    }
    drop((pl, mx, rfc));
    if only == "embedded" {
        return;
    }

    // 2 and 3. Reference in other processes: harness CPU per case, and the bare-request floor.
    let dir = tempfile::tempdir().unwrap();
    let (spl, smx) = (serve("citi-pl", dir.path()), serve("citi-mx", dir.path()));
    let plans = vec![plan_for("citi-pl", &spl.1, Clock::default()), plan_for("citi-mx", &smx.1, Clock::default())];
    run(&plans, jobs, None);
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut cases = 0;
    for _ in 0..runs {
        let c0 = cpu_seconds();
        let (w, n) = run(&plans, jobs, None);
        cpus.push(cpu_seconds() - c0);
        walls.push(w);
        cases = n;
    }
    let raw: RawRequests = Arc::default();
    run(&plans, jobs, Some(raw.clone()));
    let chains: Vec<Vec<HttpRequest>> = raw.lock().unwrap().iter().map(|(_, r)| r.clone()).collect();
    let requests: usize = chains.iter().map(Vec::len).sum();
    floor(&chains, jobs);
    let mut floor_cpus = Vec::new();
    let floors: Vec<f64> = (0..runs)
        .map(|_| {
            let c0 = cpu_seconds();
            let w = floor(&chains, jobs);
            floor_cpus.push(cpu_seconds() - c0);
            w
        })
        .collect();
    let (suite_wall, floor_wall, cpu, floor_cpu) = (median(walls), median(floors), median(cpus), median(floor_cpus));
    println!("\nreference in separate processes, both profiles ({cases} cases, {requests} requests):");
    println!("  suite wall            {:>8.1} ms", suite_wall * 1e3);
    println!("  bare-request floor    {:>8.1} ms   (the same requests, reqwest, no checks, {jobs} at a time)", floor_wall * 1e3);
    println!("  suite / floor         {:>8.2}      target <= 2", suite_wall / floor_wall);
    println!("  suite CPU per case    {:>8.3} ms   (this process's user+system CPU / cases, HTTP client included)", cpu * 1e3 / cases as f64);
    println!("  floor CPU per case    {:>8.3} ms   (the bare loop's CPU for the same requests)", floor_cpu * 1e3 / cases as f64);
    println!("  harness CPU per case  {:>8.3} ms   target < 1 ms (suite CPU − floor CPU, per case)", (cpu - floor_cpu) * 1e3 / cases as f64);
    drop((spl, smx));

    // 4. Cold start: process start to the first request the target sees.
    let mut colds = Vec::new();
    for _ in 0..runs {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = dir.path().join("cold.toml");
        std::fs::write(&target, format!("profile = \"citi-mx\"\nbase_url = \"http://127.0.0.1:{port}\"\n[client]\nid = \"c\"\n")).unwrap();
        let started = Instant::now();
        let mut child = Command::new(BIN)
            .args(["run", "--target", target.to_str().unwrap(), "--filter", "authorize/valid", "--request-timeout", "1", "--report-dir", dir.path().join("cold").to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        let mut first = [0u8; 1];
        let _ = conn.read(&mut first);
        colds.push(started.elapsed().as_secs_f64());
        drop(conn);
        let _ = child.wait();
    }
    println!("\ncold start (process start to first request byte) {:>8.1} ms   target < 50 ms", median(colds) * 1e3);

    // 5. Unresponsive targets with default options (10 s timeout, default jobs): refused, silent,
    //    dripping. The anchors time out together; what needs them is blocked; the breaker stops
    //    the rest.
    let refused_port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for c in silent.incoming().flatten() {
            keep.lock().unwrap().push(c);
        }
    });
    let drip = TcpListener::bind("127.0.0.1:0").unwrap();
    let drip_port = drip.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut c in drip.incoming().flatten() {
            std::thread::spawn(move || {
                use std::io::Write;
                let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                for _ in 0..600 {
                    if c.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
    });
    println!();
    for (name, port) in [("refused", refused_port), ("silent", silent_port), ("dripping", drip_port)] {
        let target = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &target,
            format!("profile = \"citi-pl\"\nbase_url = \"http://127.0.0.1:{port}\"\nprobe_url = \"http://127.0.0.1:{port}/me\"\n[client]\nid = \"c\"\nsecret = \"s\"\nredirect_uri = \"https://a.example.test/cb\"\nscope = \"accounts\"\n[second_client]\nid = \"d\"\nsecret = \"t\"\nredirect_uri = \"https://b.example.test/cb\"\n[login]\nusername = \"u\"\npassword = \"p\"\n"),
        )
        .unwrap();
        let started = Instant::now();
        let out = Command::new(BIN)
            .args(["run", "--target", target.to_str().unwrap(), "--report-dir", dir.path().join(name).to_str().unwrap()])
            .stderr(Stdio::null())
            .output()
            .unwrap();
        println!(
            "{name:<8} target, default options: {:>5.1} s, {} lines of output, exit {}",
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stdout).lines().count(),
            out.status.code().unwrap_or(-1)
        );
    }
    drop(held);
}
