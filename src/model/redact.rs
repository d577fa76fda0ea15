//! Secrets and issued values never leave the suite in clear. Each is replaced by a marker with a
//! short stable fingerprint (`‹token:3f9a›`) so a reader can still tell values apart and follow one
//! through a transcript. One Aho-Corasick pass replaces every registered value at once.
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::RwLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Values shorter than this are not redacted: they would mangle ordinary text.
const MIN_LEN: usize = 4;

/// Up to this many values, a text is searched for each before a matcher is built (`redact`).
const FEW: usize = 64;

#[derive(Default)]
struct Inner {
    /// (value as it may appear, kind, marker).
    entries: Vec<(String, String, String)>,
    /// Each value's place in `entries`, in order: a value is registered once, and the values that
    /// begin with a given head are found without walking every entry (`cut_values`). A run
    /// registers thousands of values; walking them all for each one added, and for each `…` in
    /// each redacted text, was a tenth of the rfc6749 selftest's CPU.
    index: BTreeMap<String, usize>,
    /// Built on first use after a change.
    matcher: Option<AhoCorasick>,
}

#[derive(Default)]
pub struct Redactor {
    inner: RwLock<Inner>,
    /// The login password: redacted only where it stands as a password (`model::password`).
    password: RwLock<Option<super::password::PasswordRule>>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// The marker for `value` of kind `kind` (secret, password, code, token, …).
    pub fn marker(kind: &str, value: &str) -> String {
        let digest = Sha256::digest(value.as_bytes());
        format!("‹{kind}:{}›", hex::encode(&digest[..2]))
    }

    /// Registers the login password: redacted where it is the value of a password field, never
    /// wherever the same text appears. `field` is the target's own name for the input.
    pub fn set_password(&self, password: &str, field: Option<&str>) {
        if password.is_empty() {
            return;
        }
        let rule = super::password::PasswordRule::new(password, field, Self::marker("password", password));
        *self.password.write().unwrap_or_else(|e| e.into_inner()) = rule;
    }

    /// `text` with the password replaced where it stands as one.
    fn password_in_place(&self, text: String) -> String {
        match &*self.password.read().unwrap_or_else(|e| e.into_inner()) {
            Some(rule) => rule.apply(&text),
            None => text,
        }
    }

    /// Registers `value`, in clear and in the encodings it travels in (form/query, base64).
    pub fn add(&self, kind: &str, value: &str) {
        if value.len() < MIN_LEN {
            return;
        }
        let marker = Self::marker(kind, value);
        let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let pct = percent_encode_all(value);
        let b64 = base64::engine::general_purpose::STANDARD.encode(value);
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        for v in [value.to_string(), form, pct, b64] {
            if v.len() >= MIN_LEN && !inner.index.contains_key(&v) {
                let at = inner.entries.len();
                inner.index.insert(v.clone(), at);
                inner.entries.push((v, kind.to_string(), marker.clone()));
                inner.matcher = None;
            }
        }
    }

    /// Runs `f` with an up-to-date matcher over the entries.
    fn with_matcher<T>(&self, f: impl FnOnce(Option<&AhoCorasick>, &Inner) -> T) -> T {
        {
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if inner.matcher.is_some() || inner.entries.is_empty() {
                return f(inner.matcher.as_ref(), &inner);
            }
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.matcher.is_none() {
            inner.matcher = matcher_of(&inner.entries);
        }
        f(inner.matcher.as_ref(), &inner)
    }

    /// The same redaction as `redact`, over many texts at once (`redact` of each, in place): the
    /// values split in `shards` by length, the longest first so that a value is replaced before
    /// any shorter one inside it, each shard's matcher built on a thread of its own. For the last
    /// pass over a whole run, whose thousands of values take a single matcher tens of
    /// milliseconds to build.
    pub fn redact_in_place(&self, texts: &mut [&mut String], shards: usize) {
        let shards = {
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            let mut entries = inner.entries.clone();
            entries.sort_by_key(|(v, _, _)| std::cmp::Reverse(v.len()));
            let size = entries.len().div_ceil(shards.max(1)).max(1);
            let parts: Vec<Vec<(String, String, String)>> = entries.chunks(size).map(<[_]>::to_vec).collect();
            std::thread::scope(|scope| {
                let built: Vec<_> = parts
                    .into_iter()
                    .map(|entries| {
                        scope.spawn(move || {
                            let index = entries.iter().enumerate().map(|(i, (v, _, _))| (v.clone(), i)).collect();
                            let matcher = matcher_of(&entries);
                            Inner { entries, index, matcher }
                        })
                    })
                    .collect();
                // A shard lost would be values left in clear: a panic goes on up.
                built.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect::<Vec<Inner>>()
            })
        };
        let threads = shards.len().max(1);
        let chunk = texts.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for part in texts.chunks_mut(chunk) {
                let shards = &shards;
                scope.spawn(move || {
                    for text in part.iter_mut() {
                        let out = shards.iter().fold(std::mem::take(&mut **text), |t, shard| match &shard.matcher {
                            Some(m) => replace_values(m, shard, &t),
                            None => t,
                        });
                        **text = self.password_in_place(out);
                    }
                });
            }
        });
    }

    /// `text` with every registered value replaced by its marker. Markers already in the text
    /// (a second pass) are left whole: a secret that is an ordinary word never splits one.
    pub fn redact(&self, text: &str) -> String {
        let out = self.redact_values(text);
        self.password_in_place(out)
    }

    fn redact_values(&self, text: &str) -> String {
        {
            // A case's redactor holds a few dozen values and most texts hold none of them: a
            // search for each is cheaper than building the matcher (a third of a selftest run's
            // redaction). The answer is the same: where no value occurs, nothing is replaced.
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if inner.matcher.is_none() && inner.entries.len() <= FEW && !inner.entries.iter().any(|(v, _, _)| text.contains(v.as_str())) {
                return cut_values(text, &inner);
            }
        }
        self.with_matcher(|m, inner| match m {
            Some(m) => replace_values(m, inner, text),
            None => text.to_string(),
        })
    }

    /// Every registered value in clear (for tests that prove none leaks).
    pub fn values(&self) -> Vec<String> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).entries.iter().map(|(v, _, _)| v.clone()).collect()
    }

    /// `text` as the inside of a shell double-quoted string, each registered value replaced by an
    /// environment variable (`$CLIENT_SECRET`, `$ACCESS_TOKEN`, …) so a replay needs no secret in clear.
    pub fn shell_quoted(&self, text: &str) -> String {
        let escape = |s: &str, out: &mut String| {
            for c in s.chars() {
                if matches!(c, '"' | '\\' | '$' | '`') {
                    out.push('\\');
                }
                out.push(c);
            }
        };
        self.with_matcher(|m, inner| {
            let mut out = String::new();
            let mut last = 0;
            if let Some(m) = m {
                for hit in m.find_iter(text) {
                    escape(&text[last..hit.start()], &mut out);
                    out.push('$');
                    out.push_str(&env_name(&inner.entries[hit.pattern().as_usize()].1));
                    last = hit.end();
                }
            }
            escape(&text[last..], &mut out);
            out
        })
    }
}

/// A matcher over `entries`' values, the longest match winning.
fn matcher_of(entries: &[(String, String, String)]) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        // Rebuilt whenever a value is added: a cheap-to-build NFA beats a DFA here.
        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
        .build(entries.iter().map(|(v, _, _)| v.as_bytes()))
        .ok()
}

/// `text` with each of `inner`'s values (found by `m`) replaced by its marker, the markers
/// already in it left whole, and the values an excerpt cut replaced up to the cut.
fn replace_values(m: &AhoCorasick, inner: &Inner, text: &str) -> String {
    let replace = |hay: &str, out: &mut String| {
        m.replace_all_with(hay, out, |hit, _, dst| {
            dst.push_str(&inner.entries[hit.pattern().as_usize()].2);
            true
        })
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('‹') {
        let Some(len) = rest[start..].find('›').map(|e| e + '›'.len_utf8()) else { break };
        replace(&rest[..start], &mut out);
        out.push_str(&rest[start..start + len]);
        rest = &rest[start + len..];
    }
    replace(rest, &mut out);
    cut_values(&out, inner)
}

/// The environment variable a replay reads a value of `kind` from.
/// The shortest head of a value that is still redacted where an excerpt cut it ("eyJhbGci…"):
/// shorter heads are too common to be telling, longer ones would leak that much.
const CUT_MIN: usize = 6;

/// `text` with the head of a registered value that an excerpt cut off just before a `…` replaced
/// by the value's marker: an answer is shortened before it is redacted, and a cut value no longer
/// matches whole.
fn cut_values(text: &str, inner: &Inner) -> String {
    if !text.contains('…') {
        return text.to_string();
    }
    let is_value_char = |c: char| c.is_ascii_alphanumeric() || "-._~+/=%".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('…') {
        let before = &rest[..at];
        let run_start = before.rfind(|c: char| !is_value_char(c)).map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
        let run = &before[run_start..];
        // The longest head of any value that the run ends with: the run's longest tail that some
        // longer value begins with. The values beginning with a text come right after it in the
        // index's order.
        let cut = run.char_indices().map(|(i, _)| &run[i..]).take_while(|tail| tail.len() >= CUT_MIN).find_map(|tail| {
            let (next, &at) = inner.index.range::<str, _>((Bound::Excluded(tail), Bound::Unbounded)).next()?;
            next.starts_with(tail).then(|| (tail.len(), &inner.entries[at].2))
        });
        match cut {
            Some((k, marker)) => {
                out.push_str(&before[..before.len() - k]);
                out.push_str(marker);
            }
            None => out.push_str(before),
        }
        out.push('…');
        rest = &rest[at + '…'.len_utf8()..];
    }
    out.push_str(rest);
    out
}

fn env_name(kind: &str) -> String {
    match kind {
        "secret" => "CLIENT_SECRET".into(),
        other => other.to_ascii_uppercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
    }
}

/// Percent-encodes every byte outside the unreserved set (as in a URL query built by a browser).
fn percent_encode_all(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Redacts the target data of a case result (messages, the transcript, the curl replay, why it
/// was refused) and nothing of the suite's own text: id, title, rule, refs, check names and
/// baseline reasons stay as written, whatever words a secret happens to be.
pub fn redact_case(c: &mut crate::model::result::CaseResult, r: &Redactor) {
    for text in target_texts(c) {
        *text = r.redact(text);
    }
}

/// The target data of a case result, each text to redact: its message, why it was refused, the
/// curl replay, check messages, the transcript (URLs, headers, bodies, errors) and login logs.
pub fn target_texts(c: &mut crate::model::result::CaseResult) -> Vec<&mut String> {
    let mut texts: Vec<&mut String> = vec![&mut c.message];
    texts.extend(c.refused.as_mut());
    texts.extend(c.curl.as_mut());
    texts.extend(c.checks.iter_mut().filter_map(|k| k.message.as_mut()));
    for x in &mut c.transcript {
        texts.push(&mut x.url);
        texts.extend(x.request_headers.iter_mut().chain(x.response_headers.iter_mut()).map(|(_, v)| v));
        texts.extend(x.request_body.as_mut());
        texts.extend(x.response_body.as_mut());
        texts.extend(x.error.as_mut());
    }
    texts.extend(c.login_log.iter_mut().map(|l| &mut l.text));
    texts
}

#[cfg(test)]
mod tests {
    /// A text holding no registered value comes back as it was, and builds no matcher (the
    /// search first, `FEW`); one holding a value is redacted with the longest match winning.
    #[test]
    fn a_text_without_values_builds_no_matcher_and_one_with_a_value_is_redacted() {
        let r = super::Redactor::new();
        r.add("code", "abcd-1234");
        r.add("access_token", "xx-abcd-1234-yy");
        assert_eq!(r.redact("no value here, not even abcd-123"), "no value here, not even abcd-123");
        assert!(r.inner.read().unwrap().matcher.is_none());
        let marker = super::Redactor::marker("access_token", "xx-abcd-1234-yy");
        assert_eq!(r.redact("t=xx-abcd-1234-yy"), format!("t={marker}"));
        assert!(r.inner.read().unwrap().matcher.is_some());
        // A value cut by an excerpt is still found without a matcher's help.
        let cut = super::Redactor::new();
        cut.add("access_token", "xx-abcd-1234-yy");
        assert_eq!(cut.redact("t=xx-abcd-12…"), format!("t={marker}…"));
    }

    #[test]
    fn the_sharded_pass_over_many_texts_redacts_as_one_matcher_does() {
        let r = super::Redactor::new();
        // A value inside a longer one, values in other shards, an encoded form, a cut value.
        for (kind, v) in [("code", "abcd-1234"), ("access_token", "xx-abcd-1234-yy-long-token"), ("refresh_token", "rt-99887766"), ("secret", "s3cr3t+/=")] {
            r.add(kind, v);
        }
        r.set_password("hunter2-pass", None);
        let texts = [
            "token=xx-abcd-1234-yy-long-token&code=abcd-1234",
            "Authorization: Bearer rt-99887766",
            "client_secret=s3cr3t%2B%2F%3D",
            "{\"access_token\":\"xx-abcd-12…",
            "password=hunter2-pass and nothing else: plain words",
            "‹code:1234› stays",
        ];
        for shards in [1, 2, 3, 8] {
            let mut owned: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
            let mut refs: Vec<&mut String> = owned.iter_mut().collect();
            r.redact_in_place(&mut refs, shards);
            let one: Vec<String> = texts.iter().map(|t| r.redact(t)).collect();
            assert_eq!(owned, one, "{shards} shards");
        }
        assert!(!r.redact(texts[0]).contains("1234"), "{}", r.redact(texts[0]));
    }

    #[test]
    fn a_second_pass_leaves_markers_whole() {
        let r = super::Redactor::new();
        r.add("secret", "secret");
        let once = r.redact("client_secret=secret");
        assert_eq!(r.redact(&once), once);
        assert!(once.starts_with("client_‹secret:") && once.matches('‹').count() == 2, "{once}");
    }

    use super::*;

    #[test]
    fn replaces_clear_and_encoded_forms_with_a_stable_marker() {
        let r = Redactor::new();
        r.add("secret", "s3cr3t/+=");
        let m = Redactor::marker("secret", "s3cr3t/+=");
        assert_eq!(r.redact("a s3cr3t/+= b"), format!("a {m} b"));
        assert_eq!(r.redact("x=s3cr3t%2F%2B%3D"), format!("x={m}"));
        assert!(m.starts_with("‹secret:") && m.chars().count() == 13, "{m}");
        r.add("code", "later-value");
        assert_eq!(r.redact("later-value s3cr3t/+="), format!("{} {m}", Redactor::marker("code", "later-value")), "values added after a redact are seen");
    }

    #[test]
    fn the_longest_value_wins() {
        let r = Redactor::new();
        r.add("a", "abcd");
        r.add("b", "abcdefgh");
        assert_eq!(r.redact("abcdefgh"), Redactor::marker("b", "abcdefgh"));
    }

    #[test]
    fn shell_quoting_names_secrets_as_variables() {
        let r = Redactor::new();
        r.add("secret", "s3cr3t");
        r.add("access_token", "tok-123");
        assert_eq!(r.shell_quoted("id:s3cr3t"), "id:$CLIENT_SECRET");
        assert_eq!(r.shell_quoted("a=\"$x\"&t=tok-123"), "a=\\\"\\$x\\\"&t=$ACCESS_TOKEN");
    }

    #[rstest::rstest]
    #[case::secret_in_clear("secret", "s3cr3t value", "id=s3cr3t value;")]
    #[case::password_form_encoded("password", "p@ss word", "password=p%40ss+word&x=1")]
    #[case::code_percent_encoded("code", "a b/c", "?code=a%20b%2Fc&state=1")]
    #[case::token_in_clear("access_token", "eyJhbGciOi.tok", "Bearer eyJhbGciOi.tok")]
    #[case::secret_in_base64("secret", "hunter22", "Basic aHVudGVyMjI=")]
    #[case::exactly_four_characters("code", "abcd", "code=abcd")]
    fn every_form_a_value_travels_in_becomes_its_marker(#[case] kind: &str, #[case] value: &str, #[case] text: &str) {
        let r = Redactor::new();
        r.add(kind, value);
        let out = r.redact(text);
        let marker = Redactor::marker(kind, value);
        assert!(out.contains(&marker), "{out}");
        for v in r.values() {
            assert!(!out.contains(&v), "{v} left in {out}");
        }
    }

    #[rstest::rstest]
    #[case::three_characters("abc", "abc abc")]
    #[case::empty("", "text")]
    #[case::one_character("x", "x=1")]
    fn values_under_four_characters_are_never_registered(#[case] value: &str, #[case] text: &str) {
        let r = Redactor::new();
        r.add("code", value);
        assert!(r.values().is_empty());
        assert_eq!(r.redact(text), text);
    }

    #[rstest::rstest]
    #[case("secret", "CLIENT_SECRET")]
    #[case("access_token", "ACCESS_TOKEN")]
    #[case("refresh-token", "REFRESH_TOKEN")]
    #[case("code", "CODE")]
    fn each_kind_replays_from_its_environment_variable(#[case] kind: &str, #[case] var: &str) {
        assert_eq!(env_name(kind), var);
    }

    #[test]
    fn the_marker_is_stable_and_tells_values_and_kinds_apart() {
        assert_eq!(Redactor::marker("token", "value-1"), Redactor::marker("token", "value-1"));
        assert_ne!(Redactor::marker("token", "value-1"), Redactor::marker("token", "value-2"));
        assert_ne!(Redactor::marker("token", "value-1"), Redactor::marker("code", "value-1"));
    }

    #[test]
    fn redact_case_leaves_the_suites_own_text_and_redacts_target_data() {
        let r = Redactor::new();
        r.add("secret", "refuse");
        let mut c = crate::model::result::CaseResult {
            title: "refuse a reused code".into(),
            rule: "the server MUST refuse it".into(),
            refs: vec!["refuse §1".into()],
            message: "server said: refuse".into(),
            refused: Some("refuse".into()),
            ..crate::model::result::CaseResult::unstarted("refuse-01".into(), "p".into(), crate::model::level::Level::Must)
        };
        c.checks.push(crate::model::result::CheckRecord {
            step: "main".into(),
            check: "status",
            rule: None,
            level: crate::model::level::Level::Must,
            passed: false,
            message: Some("got refuse".into()),
        });
        c.login_log.push(crate::model::result::LoginLog { step: "main".into(), text: "typed refuse".into() });
        redact_case(&mut c, &r);
        assert_eq!((c.id.as_str(), c.title.as_str(), c.rule.as_str()), ("refuse-01", "refuse a reused code", "the server MUST refuse it"));
        assert_eq!(c.refs, vec!["refuse §1".to_string()]);
        assert_eq!(c.checks[0].step, "main");
        let m = Redactor::marker("secret", "refuse");
        assert_eq!(c.message, format!("server said: {m}"));
        assert_eq!(c.refused, Some(m.clone()));
        assert_eq!(c.checks[0].message, Some(format!("got {m}")));
        assert_eq!(c.login_log[0].text, format!("typed {m}"));
    }

    #[test]
    fn a_value_cut_by_an_excerpt_is_redacted_up_to_the_cut() {
        let r = Redactor::new();
        r.add("access_token", "eyJhbGciOiJFUzI1NiJ9.payload.signature");
        let marker = Redactor::marker("access_token", "eyJhbGciOiJFUzI1NiJ9.payload.signature");
        assert_eq!(r.redact("error: eyJhbGciOiJFUzI1…"), format!("error: {marker}…"));
        assert_eq!(r.redact("{\"error\":\"eyJhbGciOiJ…"), format!("{{\"error\":\"{marker}…"));
        // Too short a head to tell, or no cut at all: left as it is.
        assert_eq!(r.redact("x eyJhb…"), "x eyJhb…");
        assert_eq!(r.redact("eyJhbGciOiJFUzI1 and more"), "eyJhbGciOiJFUzI1 and more");
    }

    #[test]
    fn short_values_are_left_alone() {
        let r = Redactor::new();
        r.add("code", "ab");
        assert_eq!(r.redact("ab"), "ab");
    }
}
