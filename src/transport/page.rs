//! What a walk through the authorization server's pages lands on: a redirect off its origin, or a
//! page whose forms, links and headers are parsed out of untrusted HTML. The login drivers make
//! these; the checks judge them.
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::transport::http::excerpt;

/// Where the drive ended.
#[derive(Debug, Clone)]
pub enum Landing {
    /// A redirect to the client's redirect_uri, or anywhere off the server's origin; not followed.
    Redirect(Url),
    /// A page the driver could not or was not asked to drive further.
    Page { url: Url, status: u16, page: Page },
    /// The server's page posted the response to the client's redirect_uri (OAuth 2.0 Form Post
    /// Response Mode): where it was posted and the form's fields; not sent.
    Posted { url: Url, params: Vec<(String, String)> },
}

impl Landing {
    /// Where the drive reached the client (or left the server): a redirect's URL, or the URL a
    /// form was posted to.
    pub fn at_client(&self) -> Option<&Url> {
        match self {
            Landing::Redirect(u) | Landing::Posted { url: u, .. } => Some(u),
            Landing::Page { .. } => None,
        }
    }

    /// The authorization response as the client got it: a redirect's query and fragment
    /// parameters, or a posted form's fields (none on a page).
    pub fn response_pairs(&self) -> Vec<(String, String)> {
        match self {
            Landing::Redirect(u) => {
                let fragment = u.fragment().map(|f| url::form_urlencoded::parse(f.as_bytes()).into_owned().collect::<Vec<_>>()).unwrap_or_default();
                u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).chain(fragment).collect()
            }
            Landing::Posted { params, .. } => params.clone(),
            Landing::Page { .. } => Vec::new(),
        }
    }

    /// The first value of `name` in the response (see [`Landing::response_pairs`]).
    pub fn response_value(&self, name: &str) -> Option<String> {
        self.response_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// What a login driver did on the server's pages on its way to the landing: how often it signed
/// in and how many consent decisions it made. It is what a person looking at screenshots would
/// judge (a login page shown for `prompt=login`, none for `prompt=none`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    pub logins: usize,
    pub consents: usize,
    /// How the server answered the request that carried the user's password.
    pub credentials: CredentialsAnswer,
}

/// How the server answered the login form's POST, the request that carries the user's password:
/// a 307 would have the browser post the password again wherever it points (RFC 9700
/// §4.12; FAPI 2.0 Security Profile §5.3.2.2 items 10 and 11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CredentialsAnswer {
    /// A password was sent, and the driver did not see how it was answered (a body the
    /// browser's DevTools did not copy).
    #[default]
    Unseen,
    /// No password was sent on the way (the session's sign-in stood).
    NotSent,
    /// Answered with a page (or an error) of this status.
    Page(u16),
    /// Answered with a redirect of this status.
    Redirect(u16),
}

/// What a page offers, parsed out of untrusted HTML.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: String,
    pub text: String,
    pub forms: Vec<Form>,
    /// Links (href, text): some consent pages cancel with a link, not a button.
    pub links: Vec<(String, String)>,
    /// The page's response headers (lower-case names, values bounded): anti-framing and the like.
    pub headers: Vec<(String, String)>,
    /// The content of `<meta name="referrer">`, if the page has one (bounded).
    pub referrer_meta: Option<String>,
    /// The page runs script: with no form in its HTML, its form is built in the browser.
    pub has_script: bool,
}

impl Page {
    pub fn login_form(&self) -> Option<&Form> {
        self.forms.iter().find(|f| f.fields.iter().any(|i| i.kind == "password"))
    }

    /// The first step of a two-step login: a form asking for the username alone (its password
    /// comes on the next page).
    pub fn username_form(&self) -> Option<&Form> {
        self.forms.iter().find(|f| f.fields.iter().all(|i| i.kind != "password") && f.fields.iter().any(is_username_field))
    }

    /// A page whose login or consent form is made by script: a 2xx page with a script, no form
    /// in its HTML and little text (an application shell, not an error page).
    pub fn built_by_script(&self, status: u16) -> bool {
        (200..300).contains(&status) && self.forms.iter().all(|f| f.method == FORMLESS) && self.has_script && self.text.len() < 300 && self.links.is_empty()
    }

    /// "title — text" for messages, bounded.
    pub fn summary(&self) -> String {
        let t = excerpt(self.title.trim(), 80);
        let x = excerpt(self.text.trim(), 160);
        match (t.is_empty(), x.is_empty()) {
            (true, true) => "an empty page".into(),
            (false, true) => format!("page \"{t}\""),
            (true, false) => format!("page with text \"{x}\""),
            (false, false) => format!("page \"{t}\": \"{x}\""),
        }
    }
}

/// The method of the form made of a page's loose controls (in no `<form>`): only a browser can
/// act on them.
pub const FORMLESS: &str = "SCRIPT";

#[derive(Debug, Clone, Default)]
pub struct Form {
    pub id: Option<String>,
    pub action: Option<String>,
    pub method: String,
    pub fields: Vec<Field>,
    pub buttons: Vec<Button>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub kind: String,
    pub value: String,
    /// The `autocomplete` hint, lower-cased (`username`, `email`, …).
    pub autocomplete: String,
}

/// A text input that asks for the user's name: its autocomplete hint, an email input, or a name
/// that says so (not merely containing "user": a device flow's `user_code` is no username).
pub fn is_username_field(f: &Field) -> bool {
    const NAMES: &[&str] = &["username", "user", "login", "email", "identifier", "loginid", "uid", "userid", "user_name", "account"];
    matches!(f.kind.as_str(), "text" | "email")
        && (f.autocomplete.split_whitespace().any(|a| a == "username" || a == "email") || f.kind == "email" || NAMES.contains(&f.name.to_ascii_lowercase().as_str()))
}

#[derive(Debug, Clone)]
pub struct Button {
    pub name: Option<String>,
    pub value: String,
    pub label: String,
}

/// Parses a page's forms. `Html` is not `Send`, so this stays a plain function returning owned data.
pub fn parse_page(html: &str) -> Page {
    let doc = Html::parse_document(html);
    let sel = |s: &str| Selector::parse(s).expect("static selector");
    let title = doc.select(&sel("title")).next().map(|t| t.text().collect::<String>()).unwrap_or_default();
    // What a person reads: the body's text outside script, style and template elements.
    let body_text = doc
        .select(&sel("body"))
        .next()
        .map(|b| {
            b.descendants()
                .filter_map(|n| n.value().as_text().map(|t| (n, t)))
                .filter(|(n, _)| !n.ancestors().any(|a| a.value().as_element().is_some_and(|e| matches!(e.name(), "script" | "style" | "template" | "noscript"))))
                .map(|(_, t)| t.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let text = body_text.split_whitespace().collect::<Vec<_>>().join(" ");
    let links = doc
        .select(&sel("a[href]"))
        .filter(|a| a.value().attr("data-oc-invisible").is_none())
        .filter_map(|a| Some((a.value().attr("href")?.to_string(), a.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))))
        .collect();
    let mut forms = Vec::new();
    for f in doc.select(&sel("form")) {
        let mut form = Form {
            id: f.value().attr("id").map(str::to_string),
            action: f.value().attr("action").map(str::to_string),
            method: f.value().attr("method").unwrap_or("get").to_ascii_uppercase(),
            ..Form::default()
        };
        // A control with its own form= attribute belongs to that form, wherever it sits.
        for el in f.select(&sel("input, button, select, textarea")).filter(|e| e.value().attr("form").is_none()) {
            collect_control(el, &mut form, false);
        }
        forms.push(form);
    }
    // HTML's form= attribute: a control outside (or inside another) form, owned by the form with
    // that id (a button below the form, in a footer).
    for el in doc.select(&sel("input[form], button[form], select[form], textarea[form]")) {
        let owner = el.value().attr("form").unwrap_or_default();
        if let Some(form) = forms.iter_mut().find(|f| f.id.as_deref() == Some(owner)) {
            collect_control(el, form, false);
        }
    }
    // Controls in no form at all (an application's components): one form of their own, with no
    // action a plain HTTP client could submit — the browser driver clicks them.
    let mut loose = Form { method: FORMLESS.to_string(), ..Form::default() };
    for el in doc.select(&sel("input, button, select, textarea")) {
        let in_form = el.value().attr("form").is_some() || el.ancestors().any(|a| a.value().as_element().is_some_and(|e| e.name() == "form"));
        if !in_form {
            collect_control(el, &mut loose, true);
        }
    }
    // Controls only script makes work, inside a form or not: a link whose click runs script,
    // a `type=button` with an onclick. Only a browser can press them (the form driver says so).
    for el in doc.select(&sel("a[onclick], a[href^='javascript:'], button[type=button][onclick], input[type=button][onclick]")) {
        if el.value().attr("data-oc-invisible").is_some() {
            continue;
        }
        let text = el.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
        let label = if text.is_empty() { el.value().attr("value").unwrap_or_default().to_string() } else { text };
        let already = loose.buttons.iter().any(|b| b.label == label && b.name.as_deref() == el.value().attr("name"));
        if !already && !label.is_empty() {
            loose.buttons.push(Button { name: el.value().attr("name").map(str::to_string), value: el.value().attr("value").unwrap_or_default().to_string(), label });
        }
    }
    if !loose.buttons.is_empty() {
        forms.push(loose);
    }
    let has_script = doc.select(&sel("script")).next().is_some();
    let referrer_meta = doc
        .select(&sel("meta[name]"))
        .find(|m| m.value().attr("name").is_some_and(|n| n.eq_ignore_ascii_case("referrer")))
        .and_then(|m| m.value().attr("content"))
        .map(|c| c.chars().take(200).collect());
    Page { title, text, forms, links, headers: Vec::new(), referrer_meta, has_script }
}

/// `scripted`: the control sits in no form, so only its script gives it meaning; a plain
/// `type=button` there is how an application's components make their buttons.
fn collect_control(el: ElementRef<'_>, form: &mut Form, scripted: bool) {
    let v = el.value();
    // A control the browser driver saw hidden on the rendered page.
    if v.attr("data-oc-invisible").is_some() {
        return;
    }
    let attr = |a: &str| v.attr(a).map(str::to_string);
    let label = el.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    match v.name() {
        "button" => {
            let kind = attr("type").unwrap_or_else(|| "submit".into()).to_ascii_lowercase();
            if kind == "submit" || (scripted && kind == "button") {
                form.buttons.push(Button { name: attr("name"), value: attr("value").unwrap_or_default(), label });
            }
        }
        "input" => {
            let kind = attr("type").unwrap_or_else(|| "text".into()).to_ascii_lowercase();
            match kind.as_str() {
                "submit" | "image" => {
                    let value = attr("value").unwrap_or_default();
                    form.buttons.push(Button { name: attr("name"), label: value.clone(), value });
                }
                "button" | "reset" | "file" => {}
                "checkbox" | "radio" => {
                    if let (Some(name), true) = (attr("name"), v.attr("checked").is_some()) {
                        form.fields.push(Field { name, kind, value: attr("value").unwrap_or_else(|| "on".into()), autocomplete: String::new() });
                    }
                }
                _ => {
                    if let Some(name) = attr("name") {
                        let autocomplete = attr("autocomplete").unwrap_or_default().to_ascii_lowercase();
                        form.fields.push(Field { name, kind, value: attr("value").unwrap_or_default(), autocomplete });
                    }
                }
            }
        }
        "select" => {
            if let Some(name) = attr("name") {
                let sel = Selector::parse("option").expect("static selector");
                let opts: Vec<_> = el.select(&sel).collect();
                let chosen = opts.iter().find(|o| o.value().attr("selected").is_some()).or(opts.first());
                let value = chosen
                    .map(|o| o.value().attr("value").map(str::to_string).unwrap_or_else(|| o.text().collect()))
                    .unwrap_or_default();
                form.fields.push(Field { name, kind: "select".into(), value, autocomplete: String::new() });
            }
        }
        "textarea" => {
            if let Some(name) = attr("name") {
                form.fields.push(Field { name, kind: "textarea".into(), value: label, autocomplete: String::new() });
            }
        }
        _ => {}
    }
}

/// Text or an attribute value made safe inside HTML: the five special characters as entities.
/// One escaper for every page the suite writes (the reference's, the reports' fallbacks, the
/// form a login driver posts).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A form that posts `fields` (hidden inputs) to `action`, for a page to submit by script: a
/// Form Post Response Mode answer, or an authorization request a login driver sends by POST.
pub fn hidden_form<K: AsRef<str>, V: AsRef<str>>(action: &str, fields: impl IntoIterator<Item = (K, V)>) -> String {
    let inputs: String = fields.into_iter().map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape_html(k.as_ref()), escape_html(v.as_ref()))).collect();
    format!("<form method=\"post\" action=\"{}\">{inputs}</form>", escape_html(action))
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_escaping_covers_the_five_special_characters() {
        assert_eq!(escape_html(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn a_hidden_form_escapes_its_action_and_fields() {
        let form = hidden_form("https://app.test/cb?a=1&b=2", [("code", "c\"1"), ("state", "<s>")]);
        assert_eq!(form, r#"<form method="post" action="https://app.test/cb?a=1&amp;b=2"><input type="hidden" name="code" value="c&quot;1"><input type="hidden" name="state" value="&lt;s&gt;"></form>"#);
    }

    use rstest::rstest;

    use super::*;

    /// The first form's fields as (name, kind, value).
    fn fields(html: &str) -> Vec<(String, String, String)> {
        parse_page(html).forms.first().map(|f| f.fields.iter().map(|x| (x.name.clone(), x.kind.clone(), x.value.clone())).collect()).unwrap_or_default()
    }

    fn f(name: &str, kind: &str, value: &str) -> (String, String, String) {
        (name.into(), kind.into(), value.into())
    }

    #[rstest]
    #[case::an_input_without_type_is_text("<form><input name=u value=a></form>", vec![f("u", "text", "a")])]
    #[case::types_are_lower_cased("<form><input type=PASSWORD name=p></form>", vec![f("p", "password", "")])]
    #[case::an_unnamed_input_sends_nothing("<form><input value=x><input type=hidden name=h value=1></form>", vec![f("h", "hidden", "1")])]
    #[case::only_checked_boxes_count("<form><input type=checkbox name=a><input type=checkbox name=b checked><input type=radio name=r value=2 checked></form>", vec![f("b", "checkbox", "on"), f("r", "radio", "2")])]
    #[case::buttons_resets_and_files_are_no_fields("<form><input type=button name=b value=1><input type=reset name=r><input type=file name=f></form>", vec![])]
    #[case::a_select_sends_its_selected_option("<form><select name=s><option value=1>One</option><option value=2 selected>Two</option></select></form>", vec![f("s", "select", "2")])]
    #[case::a_select_without_a_selection_sends_its_first_option_text("<form><select name=s><option>One</option><option>Two</option></select></form>", vec![f("s", "select", "One")])]
    #[case::a_textarea_sends_its_text("<form><textarea name=t>  some\n text </textarea></form>", vec![f("t", "textarea", "some text")])]
    #[case::an_input_of_another_form_is_left_to_it("<form><input name=a></form><form id=o></form><input form=o name=b>", vec![f("a", "text", "")])]
    #[case::an_input_the_browser_saw_hidden_is_left_out("<form><input name=a data-oc-invisible><input name=b></form>", vec![f("b", "text", "")])]
    fn a_forms_fields_are_what_a_browser_would_send(#[case] html: &str, #[case] want: Vec<(String, String, String)>) {
        assert_eq!(fields(html), want);
    }

    #[rstest]
    #[case::without_method_is_get("<form><button>Go</button></form>", "GET", None)]
    #[case::method_is_upper_cased(r#"<form method="post" action="/login"><button>Go</button></form>"#, "POST", Some("/login"))]
    #[case::loose_controls_make_a_script_form("<div><button>Go</button></div>", FORMLESS, None)]
    fn a_forms_method_and_action(#[case] html: &str, #[case] method: &str, #[case] action: Option<&str>) {
        let page = parse_page(html);
        assert_eq!((page.forms[0].method.as_str(), page.forms[0].action.as_deref()), (method, action));
    }

    #[test]
    fn buttons_carry_name_value_and_label_and_non_submit_buttons_in_a_form_are_none() {
        let page = parse_page(r#"<form><button name=d value=allow> Allow   access </button><input type=submit name=d value=Deny><input type=image value=Img><button type=reset>Reset</button></form>"#);
        let got: Vec<_> = page.forms[0].buttons.iter().map(|b| (b.name.as_deref(), b.value.as_str(), b.label.as_str())).collect();
        assert_eq!(got, vec![(Some("d"), "allow", "Allow access"), (Some("d"), "Deny", "Deny"), (None, "Img", "Img")]);
    }

    #[test]
    fn the_text_is_what_a_person_reads() {
        let page = parse_page("<html><head><title>Sign in</title><style>p{}</style></head><body><p>Hello\n  there</p><script>var x = 1;</script><noscript>enable js</noscript><template>later</template></body></html>");
        assert_eq!((page.title.as_str(), page.text.as_str(), page.has_script), ("Sign in", "Hello there", true));
    }

    #[test]
    fn the_referrer_meta_is_read_whatever_the_case_of_its_name() {
        assert_eq!(parse_page(r#"<meta name="Referrer" content="no-referrer">"#).referrer_meta.as_deref(), Some("no-referrer"));
        assert_eq!(parse_page(r#"<meta name="viewport" content="x">"#).referrer_meta, None);
    }

    #[test]
    fn links_the_browser_saw_hidden_are_left_out() {
        let page = parse_page(r#"<a href="/a" data-oc-invisible>Allow</a><a href="/b">Deny</a>"#);
        assert_eq!(page.links, vec![("/b".to_string(), "Deny".to_string())]);
    }

    #[test]
    fn a_username_only_form_is_the_first_step_of_a_login_but_a_user_code_is_not() {
        let step1 = parse_page(r#"<form method=post><input name="username" autocomplete="username"><button>Next</button></form>"#);
        assert!(step1.username_form().is_some() && step1.login_form().is_none());
        let device = parse_page(r#"<form method=post><input name="user_code"><button>Continue</button></form>"#);
        assert!(device.username_form().is_none());
        let email = parse_page(r#"<form><input type=email name=e><button>Next</button></form>"#);
        assert!(email.username_form().is_some());
    }

    #[test]
    fn an_application_shell_is_built_by_script_an_error_page_is_not() {
        let shell = parse_page(r#"<html><body><div id="app"></div><script src="/app.js"></script></body></html>"#);
        assert!(shell.built_by_script(200));
        assert!(!shell.built_by_script(400));
        let error = parse_page(r#"<html><body><h1>Error</h1><p>invalid redirect_uri</p><a href="/">home</a><script>track()</script></body></html>"#);
        assert!(!error.built_by_script(200));
        let consent = parse_page(r#"<form method="post" action="/consent"><button name="decision" value="allow">Allow</button></form>"#);
        assert!(!consent.built_by_script(200));
    }

    #[rstest]
    #[case::empty("", "", "an empty page")]
    #[case::title_only("Sign in", "  ", "page \"Sign in\"")]
    #[case::text_only("", "Bad request", "page with text \"Bad request\"")]
    #[case::both(" Error ", "invalid client", "page \"Error\": \"invalid client\"")]
    fn a_pages_summary_names_what_it_has(#[case] title: &str, #[case] text: &str, #[case] want: &str) {
        let page = Page { title: title.into(), text: text.into(), ..Page::default() };
        assert_eq!(page.summary(), want);
    }
}
