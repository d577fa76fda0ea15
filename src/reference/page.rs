//! The reference server's HTML: a real login page, a consent page, an error page.
//! Every value that came from a request is escaped.

pub use crate::transport::page::escape_html as escape;

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><main>{body}</main></body></html>",
        escape(title)
    )
}

/// How the login and consent pages are built: plain forms, or the shapes real servers ship that a
/// form parser finds harder (issue 15): a two-step login, buttons outside their form (HTML's
/// `form=`), a consent that submits itself, pages built by script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginStyle {
    #[default]
    Forms,
    TwoStep,
    ButtonsOutside,
    AutoConsent,
    Script,
}

impl LoginStyle {
    pub const ALL: [(&'static str, LoginStyle, &'static str); 5] = [
        ("forms", LoginStyle::Forms, "server-rendered forms with their buttons inside"),
        ("two-step", LoginStyle::TwoStep, "the username on one page, the password on the next"),
        ("buttons-outside", LoginStyle::ButtonsOutside, "submit buttons outside their form, linked by the form= attribute"),
        ("auto-consent", LoginStyle::AutoConsent, "the consent decision passes through a page whose hidden form submits itself by script"),
        ("script", LoginStyle::Script, "login and consent forms built by JavaScript: no form in the HTML"),
    ];

    pub fn from_name(name: &str) -> Option<LoginStyle> {
        LoginStyle::ALL.iter().find(|(n, ..)| *n == name).map(|(_, s, _)| *s)
    }

    pub fn name(self) -> &'static str {
        LoginStyle::ALL.iter().find(|(_, s, _)| *s == self).map(|(n, ..)| *n).unwrap_or("forms")
    }
}

/// A page whose `<form>` is made by script from `fields` (name, type, value, label) and `buttons`
/// (name, value, label): an application shell, as single-page logins are.
fn scripted(title: &str, heading: &str, action: &str, fields: &[(&str, &str, &str, &str)], buttons: &[(&str, &str, &str)]) -> String {
    // JSON in a script element: `<` escaped so no value can close the element.
    let data = serde_json::json!({ "heading": heading, "action": action, "fields": fields, "buttons": buttons }).to_string().replace('<', "\\u003c");
    let script = "const d = JSON.parse(document.getElementById('data').textContent);\
        const app = document.getElementById('app'); app.textContent = '';\
        const h = document.createElement('h1'); h.textContent = d.heading; app.appendChild(h);\
        const f = document.createElement('form'); f.method = 'post'; f.action = d.action;\
        for (const [name, type, value, label] of d.fields) { const l = document.createElement('label'); l.textContent = label + ' ';\
          const i = document.createElement('input'); i.name = name; i.type = type; i.value = value; if (type !== 'hidden') i.id = name; l.appendChild(i); f.appendChild(l); }\
        for (const [name, value, label] of d.buttons) { const b = document.createElement('button'); b.type = 'submit'; if (name) { b.name = name; b.value = value; } b.textContent = label; f.appendChild(b); }\
        app.appendChild(f);";
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><div id=\"app\">Loading…</div><script type=\"application/json\" id=\"data\">{data}</script><script>{script}</script></body></html>",
        escape(title)
    )
}

pub fn login(style: LoginStyle, action: &str, txn: &str, client_id: &str, message: Option<&str>) -> String {
    let msg = message.map(|m| format!("<p role=\"alert\">{}</p>", escape(m))).unwrap_or_default();
    let (client, action_e, txn_e) = (escape(client_id), escape(action), escape(txn));
    let user = "<label>User ID <input type=\"text\" name=\"username\" autocomplete=\"username\"></label>";
    let password = "<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>";
    let head = format!("<h1>Sign in</h1><p>{client} asks to access your accounts.</p>{msg}");
    let body = match style {
        LoginStyle::Script => {
            return scripted("Sign in", "Sign in", action, &[("txn", "hidden", txn, ""), ("username", "text", "", "User ID"), ("password", "password", "", "Password")], &[("", "", "Sign in")]);
        }
        LoginStyle::TwoStep => format!(
            "{head}<form method=\"post\" action=\"{action_e}\"><input type=\"hidden\" name=\"txn\" value=\"{txn_e}\">{user}<button type=\"submit\">Next</button></form>"
        ),
        LoginStyle::ButtonsOutside => format!(
            "{head}<form id=\"signin\" method=\"post\" action=\"{action_e}\"><input type=\"hidden\" name=\"txn\" value=\"{txn_e}\">{user}{password}</form>\
             <footer><button type=\"submit\" form=\"signin\">Sign in</button></footer>"
        ),
        LoginStyle::Forms | LoginStyle::AutoConsent => format!(
            "{head}<form method=\"post\" action=\"{action_e}\"><input type=\"hidden\" name=\"txn\" value=\"{txn_e}\">{user}{password}<button type=\"submit\">Sign in</button></form>"
        ),
    };
    layout("Sign in", &body)
}

/// The second page of a two-step login: the username given, the password asked.
pub fn password_step(action: &str, txn: &str, username: &str) -> String {
    layout(
        "Sign in",
        &format!(
            "<h1>Sign in</h1><p>Signing in as {user}</p><form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"txn\" value=\"{txn}\"><input type=\"hidden\" name=\"username\" value=\"{user}\">\
             <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\
             <button type=\"submit\">Sign in</button></form>",
            user = escape(username),
            action = escape(action),
            txn = escape(txn),
        ),
    )
}

/// The auto-consent style's intermediate page: the decision in hidden fields, submitted by script
/// at once (as form_post-like confirmation pages are).
pub fn confirm(action: &str, txn: &str, decision: &str) -> String {
    layout(
        "Continuing…",
        &format!(
            "<h1>Continuing…</h1><form id=\"auto\" method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"txn\" value=\"{txn}\"><input type=\"hidden\" name=\"decision\" value=\"{decision}\">\
             <input type=\"hidden\" name=\"confirmed\" value=\"1\"></form><script>document.getElementById('auto').submit();</script>",
            action = escape(action),
            txn = escape(txn),
            decision = escape(decision),
        ),
    )
}

pub fn consent(style: LoginStyle, action: &str, txn: &str, client_id: &str, scope: &str) -> String {
    let (client, scope_e, action_e, txn_e) = (escape(client_id), escape(scope), escape(action), escape(txn));
    let hidden = format!("<input type=\"hidden\" name=\"txn\" value=\"{txn_e}\">");
    let allow = "<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>";
    let deny = "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>";
    let body = match style {
        LoginStyle::Script => {
            let heading = format!("Allow access? {client_id} asks for: {scope}");
            return scripted("Consent", &heading, action, &[("txn", "hidden", txn, "")], &[("decision", "allow", "Allow"), ("decision", "deny", "Deny")]);
        }
        LoginStyle::ButtonsOutside => format!(
            "<h1>Allow access?</h1><p>{client} asks for: {scope_e}</p><form id=\"consent\" method=\"post\" action=\"{action_e}\">{hidden}</form>\
             <footer><button type=\"submit\" form=\"consent\" name=\"decision\" value=\"allow\">Allow</button>\
             <button type=\"submit\" form=\"consent\" name=\"decision\" value=\"deny\">Deny</button></footer>"
        ),
        LoginStyle::Forms | LoginStyle::TwoStep | LoginStyle::AutoConsent => format!(
            "<h1>Allow access?</h1><p>{client} asks for: {scope_e}</p><form method=\"post\" action=\"{action_e}\">{hidden}{allow}{deny}</form>"
        ),
    };
    layout("Consent", &body)
}

/// RFC 8628 §3.3: the verification page asks the user for the code the device shows.
pub fn user_code(action: &str) -> String {
    layout(
        "Connect a device",
        &format!(
            "<h1>Connect a device</h1><form method=\"get\" action=\"{action}\">\
             <label>Code shown on your device <input type=\"text\" name=\"user_code\" autocomplete=\"off\"></label>\
             <button type=\"submit\">Continue</button></form>",
            action = escape(action),
        ),
    )
}

/// OAuth 2.0 Form Post Response Mode §2: the response's fields in a form whose action is the
/// client's redirect_uri, method POST, submitted by the page's script once it loads.
pub fn form_post(action: &str, params: &[(&str, &str)]) -> String {
    let form = crate::transport::page::hidden_form(action, params.iter().copied());
    format!("<!DOCTYPE html><html><head><title>Submit this form</title></head><body onload=\"document.forms[0].submit()\">{form}</body></html>")
}

pub fn error(message: &str) -> String {
    layout("Authorization error", &format!("<h1>Authorization error</h1><p>{}</p>", escape(message)))
}
