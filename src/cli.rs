//! The command line's shape: every option says what it does and its range.
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "oauth-conformance", version, about = "Conformance test suite for OAuth 2.0 authorization servers")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the suite against a target (default: the embedded reference server, every profile).
    Run(RunArgs),
    /// List the cases (and their rules) a run with the same selection would run.
    List(ListArgs),
    /// Run the reference server as a sandbox.
    Serve(ServeArgs),
    /// Write a first target file from the server's metadata (RFC 8414 or OpenID Connect
    /// Discovery); asks on a terminal for what the metadata cannot say.
    Init(InitArgs),
    /// Judge the suite: the correct reference, every fault (kill matrix) and every tolerated variant.
    Selftest(SelftestArgs),
    /// Compare two runs' report.json: newly failing, newly passing and otherwise changed cases;
    /// exit 1 when a case fails now that did not before.
    Diff {
        /// The earlier run's report.json.
        old: PathBuf,
        /// The later run's report.json.
        new: PathBuf,
    },
    /// Print a shell completion script to standard output.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// Which cases: libtest's filter semantics plus a minimum level and the profiles.
#[derive(clap::Args, Clone)]
pub struct SelectArgs {
    /// Only cases whose id contains PATTERN (repeatable: any matches); an id as the suite prints it, `profile:id`, works too.
    #[arg(long = "filter", value_name = "PATTERN")]
    pub filters: Vec<String>,
    /// --filter and --skip match whole case ids (with or without the `profile:` prefix), not substrings.
    #[arg(long)]
    pub exact: bool,
    /// Leave out cases whose id contains PATTERN (repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub skip: Vec<String>,
    /// Only cases of this level or stronger: must (MUST only), should (MUST and SHOULD), may (all); any case.
    #[arg(long, value_enum, ignore_case = true)]
    pub level: Option<LevelArg>,
    /// Only this profile (repeatable; default: every profile, or the target file's).
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Read case tables and specs from this directory (with cases/ and specs/) instead of the embedded copy.
    #[arg(long, value_name = "DIR")]
    pub suite: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy)]
pub enum LevelArg {
    Must,
    Should,
    May,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Target file (TOML). Without it, the embedded reference server is started and judged.
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Where the reports are written (report.json, junit.xml, report.html); refused before the run if not writable.
    #[arg(long, default_value = "reports", value_name = "DIR")]
    pub report_dir: PathBuf,
    /// Per-request timeout in seconds, the whole exchange included (1-600).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600), value_name = "SECONDS")]
    pub request_timeout: u64,
    /// Fail the gate on SHOULD cases and SHOULD warnings too.
    #[arg(long)]
    pub strict: bool,
    /// Run the slow cases: they wait out code and token lifetimes (the waits come from the
    /// target file's [slow]; the embedded reference then issues short-lived codes and tokens).
    #[arg(long)]
    pub slow: bool,
    /// Rounds of each concurrent-redemption race (1-100; default 10, or the case table's
    /// `race.rounds`): each round starts from a fresh code.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100), value_name = "N")]
    pub race_rounds: Option<u64>,
    /// Cases run at once (1-256; default 16: the work waits on the network, not the cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256), value_name = "N")]
    pub jobs: Option<u64>,
    /// Stop starting cases after the first failed or errored case.
    #[arg(long, conflicts_with = "max_failures")]
    pub fail_fast: bool,
    /// Stop starting cases after N failed or errored cases (1-10000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10000), value_name = "N")]
    pub max_failures: Option<u64>,
    /// Write the JSON report here instead of <report-dir>/report.json; `-` is standard output (case lines go to standard error).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write the JUnit XML report here instead of <report-dir>/junit.xml; `-` is standard output.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write the HTML report here instead of <report-dir>/report.html; `-` is standard output.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// Also write a short Markdown summary here (gate, failing cases with their rules,
    /// compliance), e.g. "$GITHUB_STEP_SUMMARY"; `-` is standard output.
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Known failures (TOML, each with a reason): the gate fails only on failures not listed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write this run's failures and warnings as a baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Trust this CA certificate (PEM) for an https target (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Accept any server certificate. Dangerous; shown loudly in every report. Never the default.
    #[arg(long)]
    pub insecure: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// List the cases this target file would run, with why the others are skipped.
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
    /// Print the coverage by RFC and section (cases per level) instead of the cases, as a Markdown table.
    #[arg(long)]
    pub coverage: bool,
}

#[derive(clap::Args)]
pub struct SelftestArgs {
    /// Profile to judge (default: every profile the reference implements).
    #[arg(long)]
    pub profile: Option<String>,
    /// Where selftest.json is written.
    #[arg(long, default_value = "reports", value_name = "DIR")]
    pub report_dir: PathBuf,
    /// Run every case against each fault, not only the cases that ask the reference whether
    /// that fault is on (slower; the kill matrix comes out the same).
    #[arg(long)]
    pub every_case: bool,
    /// Read case tables and specs from this directory instead of the embedded copy.
    #[arg(long, value_name = "DIR")]
    pub suite: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The profile to serve: citi-pl, citi-mx or rfc6749.
    #[arg(long, default_value = "citi-pl")]
    pub profile: String,
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Keep it on loopback: the sandbox prints its credentials.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Break one rule on purpose (repeatable); see `serve --list-faults`.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Honour a rule another way the RFCs permit (repeatable); see `serve --list-variants`.
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Switch a capability off (rfc6749; repeatable); `serve --list-offers` names them.
    #[arg(long = "without", value_name = "CAPABILITY")]
    pub without: Vec<String>,
    /// Codes live 4 s and access tokens 5 s; the target file gets `[slow]` waits for `run --slow`.
    #[arg(long)]
    pub short_lived: bool,
    /// rfc6749: take authorization requests only through PAR (RFC 9126 §5), as the metadata says.
    #[arg(long)]
    pub par_required: bool,
    /// How the login and consent pages are built (citi-pl, rfc6749): forms, two-step,
    /// buttons-outside, auto-consent, script (built by JavaScript: the form driver cannot read it).
    #[arg(long, value_name = "STYLE")]
    pub login_style: Option<String>,
    /// Print the capabilities `--without` can switch off, and exit.
    #[arg(long)]
    pub list_offers: bool,
    /// Print the known faults and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Print the known tolerated variants and exit.
    #[arg(long)]
    pub list_variants: bool,
    /// Also write the ready target file here.
    #[arg(long, value_name = "FILE")]
    pub write_target: Option<PathBuf>,
    /// Serve https with a certificate from a CA made at start (the target file gives the CA's
    /// PEM as [tls] ca_cert); the mutual-TLS cases' listener shares it.
    #[arg(long, conflicts_with = "tls_cert")]
    pub tls: bool,
    /// Serve https with this certificate chain (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Require client certificates issued by this CA (PEM): mutual TLS.
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub client_ca: Option<PathBuf>,
}

/// `init`: where the metadata is and what it cannot say. Each question asked on a terminal has
/// its flag, for CI; without a terminal (or with --no-input) an answer not given becomes a
/// `${VAR}` placeholder.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("where").required(true).args(["discovery", "issuer"])))]
pub struct InitArgs {
    /// The metadata document's URL (…/.well-known/oauth-authorization-server or …/openid-configuration).
    #[arg(long, value_name = "URL")]
    pub discovery: Option<url::Url>,
    /// The issuer: its RFC 8414 metadata URL is tried first, then OpenID Connect Discovery's.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<url::Url>,
    /// Where to write the target file (refused if it exists, unless --force).
    #[arg(long, short, default_value = "target.toml", value_name = "FILE")]
    pub output: PathBuf,
    /// Overwrite the output file.
    #[arg(long)]
    pub force: bool,
    /// The client's id, as registered at the server.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// The client has no secret (a public client).
    #[arg(long)]
    pub public: bool,
    /// A redirect URI registered for the client (the suite never contacts it).
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// The scope the client asks for.
    #[arg(long)]
    pub scope: Option<String>,
    /// A second registered client's id (cases where one client presents another's code).
    #[arg(long, value_name = "ID")]
    pub second_client_id: Option<String>,
    /// The second client's redirect URI.
    #[arg(long, value_name = "URI")]
    pub second_redirect_uri: Option<String>,
    /// A test user at the login page (the password is read from ${OAUTH_LOGIN_PASSWORD} at run time).
    #[arg(long)]
    pub username: Option<String>,
    /// A protected resource that takes the server's access tokens (default: userinfo_endpoint).
    #[arg(long, value_name = "URL")]
    pub probe_url: Option<String>,
    /// Never ask, even on a terminal.
    #[arg(long)]
    pub no_input: bool,
    /// Seconds to wait for the metadata (1-600).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Trust this CA certificate (PEM) for an https server; the drafted file names it as its
    /// [tls] ca_cert, so that `run` trusts it too.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Accept any server certificate while fetching the metadata. Dangerous: `run` then needs
    /// --insecure as well, and every report says so.
    #[arg(long)]
    pub insecure: bool,
}
