//! The reference server's HTML: a real login page, a consent page, an error page.
//! Every value that came from a request is escaped.

pub fn escape(s: &str) -> String {
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

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><main>{body}</main></body></html>",
        escape(title)
    )
}

pub fn login(action: &str, txn: &str, client_id: &str, message: Option<&str>) -> String {
    let msg = message.map(|m| format!("<p role=\"alert\">{}</p>", escape(m))).unwrap_or_default();
    layout(
        "Sign in",
        &format!(
            "<h1>Sign in</h1><p>{client} asks to access your accounts.</p>{msg}\
             <form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"txn\" value=\"{txn}\">\
             <label>User ID <input type=\"text\" name=\"username\" autocomplete=\"username\"></label>\
             <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\
             <button type=\"submit\">Sign in</button></form>",
            client = escape(client_id),
            action = escape(action),
            txn = escape(txn),
        ),
    )
}

pub fn consent(action: &str, txn: &str, client_id: &str, scope: &str) -> String {
    layout(
        "Consent",
        &format!(
            "<h1>Allow access?</h1><p>{client} asks for: {scope}</p>\
             <form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"txn\" value=\"{txn}\">\
             <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
             <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
            client = escape(client_id),
            scope = escape(scope),
            action = escape(action),
            txn = escape(txn),
        ),
    )
}

pub fn error(message: &str) -> String {
    layout("Authorization error", &format!("<h1>Authorization error</h1><p>{}</p>", escape(message)))
}
