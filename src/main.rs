//! The `oauth-conformance` command line: parses and dispatches. Errors become one `error: …` line
//! and exit status 2 here, at the edge.
mod cli;
mod commands;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};

fn main() -> ExitCode {
    oauth_conformance::run::signal::quiet_broken_pipe();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(a) => commands::run(a),
        Command::List(a) => commands::list(a),
        Command::Serve(a) => commands::serve(a),
        Command::Init(a) => commands::init(a),
        Command::Selftest(a) => commands::selftest(a),
        Command::Diff { old, new } => commands::diff(&old, &new),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "oauth-conformance", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
        ExitCode::from(2)
    })
}
