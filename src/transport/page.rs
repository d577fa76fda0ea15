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
