//! The command login driver: a program the user already has (a Playwright or Selenium script)
//! gets the person through the login. The suite runs it from the target file's folder with the
//! authorization URL as its last argument and the rest in its environment — the credentials never
//! on its command line — and bounds it in time.
//!
//! Protocol (environment): `OAUTH_LOGIN_USERNAME`, `OAUTH_LOGIN_PASSWORD`, `OAUTH_LOGIN_CHOICE`
//! (`approve`, `deny` or `first_page`), `OAUTH_LOGIN_STOP_AT` (the client's redirect URIs, space
//! separated: stop at the first navigation there, never load it), `OAUTH_LOGIN_USER_CODE` (a
//! device flow's user code to type where the verification page asks for it; set only then). Output: on its first line the
//! URL where it stopped — the navigation to the client for approve and deny — and, when it stopped
//! on a page of the server (always for `first_page`; an error page for the others), that page's
//! HTML as rendered on the lines after.
use std::process::Stdio;

use tokio::io::AsyncReadExt;
use url::Url;

use super::choice::{Choice, DriveError};
use crate::target::file::Login;

/// At most this much of the program's output is read (stdout; stderr likewise).
const OUTPUT_CAP: u64 = 1 << 20;

/// What the program reported.
#[derive(Debug, Clone)]
pub struct Reported {
    pub url: Url,
    /// The rendered page, for `first_page`.
    pub html: Option<String>,
    /// Its standard error, bounded (the caller redacts it before showing it).
    pub stderr: String,
}

pub async fn run(argv: &[String], dir: &std::path::Path, start: &Url, choice: Choice, login: &Login, user_code: Option<&str>, stop_at: &[Url]) -> Result<Reported, DriveError> {
    let failed = |why: String| DriveError::Command { url: start.clone(), why };
    let (program, args) = argv.split_first().ok_or_else(|| failed("no program given".into()))?;
    let stops: Vec<&str> = stop_at.iter().map(Url::as_str).collect();
    let mut command = tokio::process::Command::new(program);
    if let Some(code) = user_code {
        command.env("OAUTH_LOGIN_USER_CODE", code);
    }
    let mut child = command
        .args(args)
        .arg(start.as_str())
        .current_dir(if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { dir })
        .env("OAUTH_LOGIN_USERNAME", &login.username)
        .env("OAUTH_LOGIN_PASSWORD", &login.password)
        .env("OAUTH_LOGIN_CHOICE", choice_name(choice))
        .env("OAUTH_LOGIN_STOP_AT", stops.join(" "))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| failed(format!("cannot start `{program}`: {}", crate::model::load_error::io_message(&e))))?;
    let (mut out, mut err) = (child.stdout.take().expect("piped"), child.stderr.take().expect("piped"));
    let work = async {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let (mut out_cap, mut err_cap) = ((&mut out).take(OUTPUT_CAP), (&mut err).take(OUTPUT_CAP));
        let (r1, r2) = tokio::join!(out_cap.read_to_end(&mut o), err_cap.read_to_end(&mut e));
        r1.and(r2)?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, o, e))
    };
    let (status, stdout, stderr) = match tokio::time::timeout(login.timeout, work).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => return Err(failed(format!("reading its output: {e}"))),
        Err(_) => return Err(failed(format!("it did not finish within {} s (login.timeout); stopped", login.timeout.as_secs()))),
    };
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let tail = || crate::transport::http::excerpt(stderr.trim(), 300);
    if !status.success() {
        return Err(failed(format!("it exited with {status}; its stderr: {}", tail())));
    }
    let (url, html) = read_output(&String::from_utf8_lossy(&stdout)).map_err(|e| match e {
        Unreadable::NoUrl => failed(format!("{e}; its stderr: {}", tail())),
        Unreadable::NotUrl { .. } => failed(e.to_string()),
    })?;
    Ok(Reported { url, html, stderr })
}

/// The protocol's word for `choice` (`OAUTH_LOGIN_CHOICE`).
fn choice_name(choice: Choice) -> &'static str {
    match choice {
        Choice::Approve => "approve",
        Choice::Deny => "deny",
        Choice::FirstPage => "first_page",
    }
}

/// Why the program's output names no place where it stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum Unreadable {
    #[error("it printed no URL")]
    NoUrl,
    /// `line` is the output's first line, bounded.
    #[error("its output `{line}` is not an absolute URL ({error})")]
    NotUrl { line: String, error: url::ParseError },
}

/// The program's standard output read by the protocol: the URL on its first non-blank line, and
/// the HTML on the lines after (None when they are blank).
fn read_output(text: &str) -> Result<(Url, Option<String>), Unreadable> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|l| !l.trim().is_empty()).ok_or(Unreadable::NoUrl)?;
    let url_line = lines[first].trim();
    let html = Some(lines[first + 1..].join("\n")).filter(|h| !h.trim().is_empty());
    let url = Url::parse(url_line).map_err(|error| Unreadable::NotUrl { line: crate::transport::http::excerpt(url_line, 120), error })?;
    Ok((url, html))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::url_alone("https://app.test/cb?code=c1\n", "https://app.test/cb?code=c1", None)]
    #[case::blank_lines_before_the_url_are_skipped("\n  \nhttps://app.test/cb\n", "https://app.test/cb", None)]
    #[case::spaces_around_the_url_are_trimmed("   http://as.test/login   \n", "http://as.test/login", None)]
    #[case::the_lines_after_are_the_page("http://as.test/login\n<html>\n<form></form>\n</html>\n", "http://as.test/login", Some("<html>\n<form></form>\n</html>"))]
    #[case::blank_lines_after_are_no_page("http://as.test/login\n\n   \n", "http://as.test/login", None)]
    fn the_output_is_a_url_then_the_page(#[case] out: &str, #[case] url: &str, #[case] html: Option<&str>) {
        let (got_url, got_html) = read_output(out).unwrap();
        assert_eq!((got_url.as_str(), got_html.as_deref()), (url, html));
    }

    #[test]
    fn output_without_a_url_says_which_way_it_fails() {
        assert_eq!(read_output(" \n\n"), Err(Unreadable::NoUrl));
        let e = read_output("/cb?code=1\n<html>").unwrap_err();
        assert!(matches!(&e, Unreadable::NotUrl { line, .. } if line == "/cb?code=1"), "{e:?}");
        assert_eq!(e.to_string(), "its output `/cb?code=1` is not an absolute URL (relative URL without a base)");
    }

    #[test]
    fn the_choice_is_named_as_the_protocol_says() {
        let names: Vec<&str> = [Choice::Approve, Choice::Deny, Choice::FirstPage].into_iter().map(choice_name).collect();
        assert_eq!(names, ["approve", "deny", "first_page"]);
    }

    fn login() -> Login {
        let mut l = Login::form("alice", "s3cret-pw");
        l.timeout = std::time::Duration::from_secs(5);
        l
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into(), "login-command".into()]
    }

    #[tokio::test]
    async fn the_first_line_is_the_url_and_the_credentials_come_by_environment_only() {
        let start = Url::parse("http://as.test/authorize?x=1").unwrap();
        // The URL arrives as $1; the password only in the environment.
        let script = r#"case "$*" in *s3cret*) echo leaked; exit 3;; esac; echo "starting $1" >&2; echo; echo "https://app.test/cb?code=c1&user=$OAUTH_LOGIN_USERNAME&choice=$OAUTH_LOGIN_CHOICE&user_code=$OAUTH_LOGIN_USER_CODE""#;
        let r = run(&sh(script), std::path::Path::new(""), &start, Choice::Approve, &login(), None, &[]).await.unwrap();
        assert_eq!(r.url.as_str(), "https://app.test/cb?code=c1&user=alice&choice=approve&user_code=");
        // A device flow's user code, for the program to type at the verification page.
        let r = run(&sh(script), std::path::Path::new(""), &start, Choice::Approve, &login(), Some("WDJB-MJHT"), &[]).await.unwrap();
        assert_eq!(r.url.as_str(), "https://app.test/cb?code=c1&user=alice&choice=approve&user_code=WDJB-MJHT");
        assert!(r.stderr.contains("starting http://as.test/authorize?x=1"));
        assert!(r.html.is_none());
    }

    #[tokio::test]
    async fn first_page_gives_the_url_then_the_rendered_html() {
        let start = Url::parse("http://as.test/authorize").unwrap();
        let r = run(&sh(r#"echo "$1"; echo '<form><input type=password name=p></form>'"#), std::path::Path::new(""), &start, Choice::FirstPage, &login(), None, &[]).await.unwrap();
        assert_eq!(r.url, start);
        assert!(r.html.unwrap().contains("type=password"));
    }

    #[tokio::test]
    async fn a_failing_silent_or_slow_program_is_an_error_that_says_which() {
        async fn err(argv: Vec<String>) -> String {
            let start = Url::parse("http://as.test/a").unwrap();
            run(&argv, std::path::Path::new(""), &start, Choice::Approve, &login(), None, &[]).await.unwrap_err().to_string()
        }
        let e = err(sh("echo 'no such user' >&2; exit 4")).await;
        assert!(e.contains("exited with exit status: 4") && e.contains("no such user"), "{e}");
        assert!(err(sh("true")).await.contains("printed no URL"));
        assert!(err(sh("echo not-a-url")).await.contains("is not an absolute URL"));
        let mut quick = login();
        quick.timeout = std::time::Duration::from_secs(1);
        let started = std::time::Instant::now();
        let e = run(&sh("sleep 30"), std::path::Path::new(""), &Url::parse("http://as.test/a").unwrap(), Choice::Approve, &quick, None, &[]).await.unwrap_err().to_string();
        assert!(e.contains("did not finish within 1 s") && started.elapsed() < std::time::Duration::from_secs(5), "{e}");
        assert!(err(vec!["/nonexistent/login-program".into()]).await.contains("cannot start"));
    }
}
