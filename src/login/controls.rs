//! How a driver reads a parsed page as a person would: a [`Page`] and the target's [`Login`] enter;
//! what leaves is which inputs take the username and password (and the pairs a form then sends),
//! which button or link approves or denies, which form submits itself, and whether a URL is the
//! client's redirect URI, where every drive stops. Shared by the form and chromium drivers.
use url::Url;

use super::choice::Choice;
use crate::target::file::Login;
use crate::transport::page::{Button, Form, Page, is_username_field};

const APPROVE_WORDS: &[&str] = &["allow", "approve", "accept", "authorize", "authorise", "consent", "yes", "continue", "grant"];
const DENY_WORDS: &[&str] = &["deny", "refuse", "reject", "decline", "disallow", "cancel", "no", "abort"];

/// The words that mean `choice` on a button or link.
fn words_for(choice: Choice) -> &'static [&'static str] {
    if choice == Choice::Deny { DENY_WORDS } else { APPROVE_WORDS }
}

/// The words of a button (name, value, label), lower-cased.
fn button_words(b: &Button) -> Vec<String> {
    let all = format!("{} {} {}", b.name.as_deref().unwrap_or(""), b.value, b.label);
    all.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect()
}

/// The form and button to press for `choice` on a consent page.
pub fn consent_button(page: &Page, choice: Choice) -> Option<(&Form, &Button)> {
    let words = words_for(choice);
    page.forms
        .iter()
        .flat_map(|f| f.buttons.iter().map(move |b| (f, b)))
        .find(|(_, b)| button_words(b).iter().any(|w| words.contains(&w.as_str())))
}

/// A link to follow for `choice` when no button fits (e.g. "[ Cancel ]").
pub fn consent_link(page: &Page, choice: Choice) -> Option<&str> {
    let words = words_for(choice);
    page.links
        .iter()
        // "#" and javascript: leave the page where it is: a menu toggle, not a choice.
        .filter(|(href, _)| !href.starts_with('#') && !href.trim_start().to_ascii_lowercase().starts_with("javascript:"))
        .find(|(_, text)| text.split(|c: char| !c.is_alphanumeric()).any(|w| words.contains(&w.to_lowercase().as_str())))
        .map(|(href, _)| href.as_str())
}

/// A device verification page's form asking for the user code (RFC 8628 §3.3): a visible text
/// input named for it (`user_code`, `userCode`, `user-code`), and no password input.
pub fn user_code_form(page: &Page) -> Option<(&Form, &str)> {
    page.forms.iter().filter(|f| !f.fields.iter().any(|x| x.kind == "password")).find_map(|f| {
        f.fields
            .iter()
            .find(|x| !matches!(x.kind.as_str(), "hidden" | "submit" | "checkbox" | "radio") && matches!(x.name.to_ascii_lowercase().replace(['-', '_'], "").as_str(), "usercode" | "deviceusercode"))
            .map(|x| (f, x.name.as_str()))
    })
}

/// The form's fields with `name` set to `value`.
pub fn fill_field(form: &Form, name: &str, value: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form.fields.iter().filter(|f| f.name != name).map(|f| (f.name.clone(), f.value.clone())).collect();
    pairs.push((name.to_string(), value.to_string()));
    pairs
}

/// The login form's username and password inputs: the target file's names, else the first text
/// or email input and the password input. The username may be missing where an earlier page of
/// a two-step login took it.
pub fn login_fields(form: &Form, login: &Login) -> (Option<String>, Option<String>) {
    let user = login.username_field.clone().or_else(|| form.fields.iter().find(|f| matches!(f.kind.as_str(), "text" | "email")).map(|f| f.name.clone()));
    let pass = login.password_field.clone().or_else(|| form.fields.iter().find(|f| f.kind == "password").map(|f| f.name.clone()));
    (user, pass)
}

/// The username input of a two-step login's first page: the target file's name, else the first
/// input that asks for a user's name.
pub fn username_field(form: &Form, login: &Login) -> Option<String> {
    login.username_field.clone().or_else(|| form.fields.iter().find(|f| is_username_field(f)).map(|f| f.name.clone()))
}

/// `url` is one of the client's redirect URIs (any query): where a drive stops.
pub fn is_stop(stops: &[Url], url: &Url) -> bool {
    stops.iter().any(|s| s.scheme() == url.scheme() && s.host_str() == url.host_str() && s.port_or_known_default() == url.port_or_known_default() && s.path() == url.path())
}

/// The page's one form with hidden fields only and no button a user would press: a browser's
/// script submits it (other forms beside it, e.g. a deny button, stay for the user).
pub fn auto_submit_form(page: &Page) -> Option<&Form> {
    let mut silent = page.forms.iter().filter(|f| !f.fields.is_empty() && f.buttons.is_empty() && f.fields.iter().all(|x| x.kind == "hidden"));
    match (silent.next(), silent.next()) {
        (Some(form), None) => Some(form),
        _ => None,
    }
}

/// A form's fields as they stand (name, value): what it sends when nothing is typed into it.
pub fn pairs_of(form: &Form) -> Vec<(String, String)> {
    form.fields.iter().map(|f| (f.name.clone(), f.value.clone())).collect()
}

/// The login form's fields with the username and password filled in; None without a username
/// input, unless the username was given on an earlier page (a two-step login's password page).
pub fn fill_login(form: &Form, login: &Login, username_given: bool) -> Option<Vec<(String, String)>> {
    let (user_field, pass_field) = login_fields(form, login);
    let pass_field = pass_field?;
    if user_field.is_none() && !username_given {
        return None;
    }
    let mut pairs: Vec<(String, String)> = form
        .fields
        .iter()
        .filter(|f| Some(&f.name) != user_field.as_ref() && f.name != pass_field)
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    pairs.extend(user_field.map(|u| (u, login.username.clone())));
    pairs.push((pass_field, login.password.clone()));
    Some(pairs)
}

/// A two-step login's first form with the username filled in (the password comes on the next
/// page); the other fields as they stand.
pub fn fill_username(form: &Form, login: &Login) -> Vec<(String, String)> {
    let user_field = username_field(form, login);
    let mut pairs: Vec<(String, String)> = form.fields.iter().filter(|f| Some(&f.name) != user_field.as_ref()).map(|f| (f.name.clone(), f.value.clone())).collect();
    pairs.extend(user_field.map(|n| (n, login.username.clone())));
    pairs
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::transport::page::{FORMLESS, parse_page};

    const CONSENT: &str = r#"<html><head><title>Consent</title></head><body>
      <form method="post" action="/consent"><input type="hidden" name="txn" value="t1">
      <button name="decision" value="allow">Allow</button>
      <button name="decision" value="deny">Deny</button></form></body></html>"#;

    #[rstest]
    #[case::plain(r#"<form method="post" action="/device"><input type="hidden" name="xsrf" value="x"><input type="text" name="user_code"><button>Continue</button></form>"#, Some("user_code"))]
    #[case::camel(r#"<form action="/d"><input name="userCode"><button>Go</button></form>"#, Some("userCode"))]
    #[case::keycloak(r#"<form method="post" action="/realms/r/device"><input id="device-user-code" name="device_user_code" type="text"><input type="submit" value="Submit"></form>"#, Some("device_user_code"))]
    #[case::hidden_only(r#"<form action="/d"><input type="hidden" name="user_code" value="AB"><button>Confirm</button></form>"#, None)]
    #[case::login_form(r#"<form action="/l"><input name="user_code"><input type="password" name="p"></form>"#, None)]
    #[case::a_username(r#"<form action="/l"><input name="username"></form>"#, None)]
    fn a_user_code_form_is_a_visible_input_named_for_it(#[case] html: &str, #[case] field: Option<&str>) {
        let page = parse_page(html);
        assert_eq!(user_code_form(&page).map(|(_, f)| f), field);
    }

    #[rstest]
    #[case("Refuse")]
    #[case("Decline")]
    #[case("Cancel")]
    fn a_refusal_is_known_by_its_usual_words(#[case] label: &str) {
        let page = parse_page(&format!(r#"<form method="post" action="/c"><button name="ok">Allow</button><button name="x">{label}</button></form>"#));
        assert_eq!(consent_button(&page, Choice::Deny).map(|(_, b)| b.label.as_str()), Some(label));
    }

    #[test]
    fn finds_approve_and_deny_buttons() {
        let page = parse_page(CONSENT);
        assert_eq!(consent_button(&page, Choice::Approve).unwrap().1.value, "allow");
        assert_eq!(consent_button(&page, Choice::Deny).unwrap().1.value, "deny");
        assert_eq!(page.forms[0].fields[0].name, "txn");
    }

    #[test]
    fn a_cancel_link_is_a_way_to_deny() {
        let page = parse_page(r#"<form method=post action="/i/1/confirm"><button autofocus>Continue</button></form><a href="/i/1/abort">[ Cancel ]</a>"#);
        assert!(consent_button(&page, Choice::Deny).is_none());
        assert_eq!(consent_link(&page, Choice::Deny), Some("/i/1/abort"));
        assert_eq!(consent_button(&page, Choice::Approve).unwrap().1.label, "Continue");
    }

    #[test]
    fn no_is_a_whole_word_not_a_substring() {
        let page = parse_page(r#"<form><button name="go">Continue now</button></form>"#);
        assert!(consent_button(&page, Choice::Deny).is_none());
        assert!(consent_button(&page, Choice::Approve).is_some());
    }

    /// One button's name, value and label against the words of each choice: whole words only,
    /// any case, split at anything not a letter or digit.
    #[rstest]
    #[case::allow_label(None, "", "Allow", Some(Choice::Approve))]
    #[case::upper_case_value(Some("decision"), "AUTHORIZE", "Go", Some(Choice::Approve))]
    #[case::british_spelling(None, "", "Authorise app", Some(Choice::Approve))]
    #[case::word_in_the_name(Some("btn-grant"), "", "", Some(Choice::Approve))]
    #[case::cancel_in_brackets(None, "", "[ Cancel ]", Some(Choice::Deny))]
    #[case::no_thanks(None, "", "No, thanks", Some(Choice::Deny))]
    #[case::no_inside_a_word_is_not_no(None, "", "Nothing to see", None)]
    #[case::yes_inside_a_word_is_not_yes(None, "", "Eyeswitness", None)]
    #[case::allowed_is_not_allow(None, "", "Allowed scopes", None)]
    #[case::deny_inside_a_word_is_not_deny(None, "", "Denylist", None)]
    #[case::sign_in_is_neither(Some("action"), "login", "Sign in", None)]
    fn a_button_means_a_choice_by_its_whole_words(#[case] name: Option<&str>, #[case] value: &str, #[case] label: &str, #[case] means: Option<Choice>) {
        let button = Button { name: name.map(str::to_string), value: value.into(), label: label.into() };
        let page = Page { forms: vec![Form { method: "POST".into(), buttons: vec![button], ..Form::default() }], ..Page::default() };
        let approves = consent_button(&page, Choice::Approve).is_some();
        let denies = consent_button(&page, Choice::Deny).is_some();
        assert_eq!((approves, denies), (means == Some(Choice::Approve), means == Some(Choice::Deny)));
    }

    #[test]
    fn a_menu_toggle_link_is_not_a_choice() {
        // "#" and javascript: go nowhere; an application's dropdown items look like this.
        let page = parse_page(r##"<a href="#">Grant</a><a href="javascript:void(0)">Cancel</a><a href="/i/1/abort">Cancel</a>"##);
        assert_eq!(consent_link(&page, Choice::Approve), None);
        assert_eq!(consent_link(&page, Choice::Deny), Some("/i/1/abort"));
    }

    #[test]
    fn a_javascript_link_is_no_choice_whatever_its_case_or_leading_space() {
        let page = parse_page(r#"<a href="  JavaScript:deny()">Deny</a><a href="/deny">Deny</a>"#);
        assert_eq!(consent_link(&page, Choice::Deny), Some("/deny"));
    }

    #[test]
    fn a_plain_button_counts_only_outside_any_form() {
        // In a form, type=button submits nothing; in no form it is a component's button, which
        // only the browser driver can press (the form it makes has no method a client can send).
        let page = parse_page(r#"<form action="/x"><button type="button">Allow</button></form><div><button type="button" class="btn">Continue</button></div>"#);
        assert!(page.forms[0].buttons.is_empty());
        let (form, button) = consent_button(&page, Choice::Approve).unwrap();
        assert_eq!((form.method.as_str(), button.label.as_str()), (FORMLESS, "Continue"));
    }

    #[test]
    fn a_button_outside_its_form_belongs_to_the_form_it_names() {
        let page = parse_page(r#"<form id="c" method="post" action="/consent"><input type="hidden" name="txn" value="t1"></form>
            <footer><button form="c" name="decision" value="allow">Allow</button><input type="submit" form="c" name="decision" value="Deny"></footer>"#);
        assert_eq!(page.forms.len(), 1);
        assert_eq!(consent_button(&page, Choice::Approve).unwrap().1.value, "allow");
        assert_eq!(consent_button(&page, Choice::Deny).unwrap().1.value, "Deny");
    }

    #[test]
    fn buttons_in_no_form_are_found_as_a_form_only_a_browser_can_submit() {
        let page = parse_page(r#"<div><p>My client requires access</p><button class="btn">Grant</button><a href="/x">Cancel</a></div><form><input type=hidden name=a value=1><button>Inside</button></form>"#);
        assert_eq!(page.forms.len(), 2);
        let (form, button) = consent_button(&page, Choice::Approve).unwrap();
        assert_eq!((form.method.as_str(), button.label.as_str()), (FORMLESS, "Grant"));
        assert_eq!(page.forms[0].buttons[0].label, "Inside");
    }

    #[test]
    fn fills_login_keeping_hidden_inputs() {
        let page = parse_page(r#"<form method=post><input type=hidden name=csrf value=abc><input name=user><input type=password name=pw></form>"#);
        let login = Login::form("alice", "pw1");
        let pairs = fill_login(page.login_form().unwrap(), &login, false).unwrap();
        assert_eq!(pairs, vec![("csrf".into(), "abc".into()), ("user".into(), "alice".into()), ("pw".into(), "pw1".into())]);
    }

    #[test]
    fn fill_login_needs_a_username_input_unless_an_earlier_page_took_it() {
        let page = parse_page(r#"<form method=post><input type=hidden name=state value=s><input type=password name=pw></form>"#);
        let form = page.login_form().unwrap();
        let login = Login::form("alice", "pw1");
        assert_eq!(fill_login(form, &login, false), None);
        assert_eq!(fill_login(form, &login, true).unwrap(), vec![("state".into(), "s".into()), ("pw".into(), "pw1".into())]);
    }

    #[test]
    fn fill_login_uses_the_target_files_field_names_over_the_first_inputs() {
        let page = parse_page(r#"<form method=post><input name=search value=q><input type=email name=mail><input type=password name=pw></form>"#);
        let mut login = Login::form("alice@example.test", "pw1");
        login.username_field = Some("mail".into());
        login.password_field = Some("secret".into());
        let pairs = fill_login(page.login_form().unwrap(), &login, false).unwrap();
        // The page's pw input is kept as it stood: the target file named another.
        assert_eq!(
            pairs,
            vec![("search".into(), "q".into()), ("pw".into(), "".into()), ("mail".into(), "alice@example.test".into()), ("secret".into(), "pw1".into())]
        );
    }

    #[test]
    fn fill_username_types_into_the_input_that_asks_for_a_user_and_keeps_the_rest() {
        let page = parse_page(r#"<form method=post><input type=hidden name=flow value=f1><input name=user_code value=x><input name=login></form>"#);
        let form = page.username_form().unwrap();
        let login = Login::form("alice", "pw1");
        assert_eq!(username_field(form, &login).as_deref(), Some("login"));
        assert_eq!(fill_username(form, &login), vec![("flow".into(), "f1".into()), ("user_code".into(), "x".into()), ("login".into(), "alice".into())]);
    }

    #[rstest]
    #[case::same_uri("https://app.test/cb", true)]
    #[case::any_query("https://app.test/cb?code=c1&state=s", true)]
    #[case::a_fragment_too("https://app.test/cb#code=c1", true)]
    #[case::default_port_written_out("https://app.test:443/cb", true)]
    #[case::another_path("https://app.test/cb2", false)]
    #[case::a_path_below("https://app.test/cb/x", false)]
    #[case::another_scheme("http://app.test/cb", false)]
    #[case::another_port("https://app.test:8443/cb", false)]
    #[case::another_host("https://evil.test/cb", false)]
    fn a_drive_stops_at_the_clients_redirect_uri_whatever_its_query(#[case] url: &str, #[case] stops: bool) {
        let at = [Url::parse("http://other.test/callback").unwrap(), Url::parse("https://app.test/cb").unwrap()];
        assert_eq!(is_stop(&at, &Url::parse(url).unwrap()), stops);
    }

    #[rstest]
    #[case::one_hidden_form(r#"<form method=post action=/cb><input type=hidden name=code value=c></form>"#, true)]
    #[case::beside_a_deny_button(r#"<form method=post><input type=hidden name=a value=1></form><form><button>Deny</button></form>"#, true)]
    #[case::two_hidden_forms(r#"<form><input type=hidden name=a value=1></form><form><input type=hidden name=b value=2></form>"#, false)]
    #[case::with_a_button(r#"<form><input type=hidden name=a value=1><button>Go</button></form>"#, false)]
    #[case::with_a_visible_input(r#"<form><input type=hidden name=a value=1><input name=code></form>"#, false)]
    #[case::with_no_fields(r#"<form method=post action=/x></form>"#, false)]
    fn only_a_lone_hidden_form_submits_itself(#[case] html: &str, #[case] submits: bool) {
        assert_eq!(auto_submit_form(&parse_page(html)).is_some(), submits);
    }
}
