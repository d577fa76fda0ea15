//! How a driver reads a parsed page as a person would: a [`Page`] and the target's [`Login`] enter;
//! what leaves is which inputs take the username and password (and the pairs a form then sends),
//! which button or link approves or denies, which form submits itself, and whether a URL is the
//! client's redirect URI, where every drive stops. Shared by the form and chromium drivers.
use url::Url;

use super::choice::Choice;
use crate::target::file::Login;
use crate::transport::page::{Button, Form, Page, is_username_field};

const APPROVE_WORDS: &[&str] = &["allow", "approve", "accept", "authorize", "authorise", "consent", "yes", "continue", "grant"];
const DENY_WORDS: &[&str] = &["deny", "reject", "cancel", "decline", "no", "abort"];

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
