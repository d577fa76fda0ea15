//! The scripts the chromium driver runs in a page to act on it, built as text with every value
//! a JavaScript string literal.
use crate::transport::page::Button;

/// A JavaScript string literal for `s`.
pub(super) fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Clicks the control `b` names (by name, value and label), or submits the form holding field
/// `field` when there is no button.
pub(super) fn click_script(b: Option<&Button>, field: Option<&str>) -> String {
    match b {
        Some(b) => format!(
            "(() => {{ const want = [{}, {}, {}]; for (const e of document.querySelectorAll('button, input[type=submit], input[type=image], input[type=button][onclick], a[onclick], a[href^=\\'javascript:\\']')) {{\
               const text = (e.tagName === 'INPUT' ? e.value : e.textContent).split(/\\s+/).filter(Boolean).join(' ');
               const label = text || (e.value || '');\
               const shown = typeof e.checkVisibility !== 'function' || e.checkVisibility();\
               if (shown && (e.getAttribute('name') || '') === want[0] && (e.value || '') === want[1] && label === want[2]) {{ e.click(); return true; }} }} return false; }})()",
            js(b.name.as_deref().unwrap_or("")),
            js(&b.value),
            js(&b.label)
        ),
        None => format!("(() => {{ const f = document.querySelector('[name=' + CSS.escape({}) + ']'); if (f && f.form) {{ f.form.requestSubmit(); return true; }} return false; }})()", js(field.unwrap_or(""))),
    }
}

/// Types `value` into the input named `name`, as a user would (input and change events).
pub(super) fn type_script(name: &str, value: &str) -> String {
    fill_script(&format!("'[name=' + CSS.escape({}) + ']'", js(name)), value)
}

/// Types `value` into the element the JavaScript expression `selector` (a CSS selector) finds.
/// Through the prototype's own value setter: frameworks that wrap an input's value (React's
/// controlled inputs) see the change in the input event only then.
pub(super) fn fill_script(selector: &str, value: &str) -> String {
    format!(
        "(() => {{ const i = document.querySelector({selector}); if (!i) return false; i.focus();\
           const proto = i instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;\
           const set = Object.getOwnPropertyDescriptor(proto, 'value').set; set.call(i, {});\
           i.dispatchEvent(new Event('input', {{ bubbles: true }})); i.dispatchEvent(new Event('change', {{ bubbles: true }})); return true; }})()",
        js(value)
    )
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::plain("alice", r#""alice""#)]
    #[case::quotes_and_backslashes(r#"a"b\c"#, r#""a\"b\\c""#)]
    #[case::a_newline_stays_in_the_string("line1\nline2", r#""line1\nline2""#)]
    #[case::a_quote_that_would_end_a_single_quoted_string("it's", r#""it's""#)]
    fn js_makes_a_string_literal_that_holds_the_text(#[case] text: &str, #[case] literal: &str) {
        assert_eq!(js(text), literal);
    }

    #[test]
    fn click_script_looks_for_the_button_by_its_name_value_and_label() {
        let b = Button { name: Some("decision".into()), value: "allow".into(), label: "Allow \"all\"".into() };
        let script = click_script(Some(&b), Some("ignored"));
        assert!(script.contains(r#"const want = ["decision", "allow", "Allow \"all\""]"#), "{script}");
        assert!(script.contains("e.click()") && !script.contains("ignored"), "{script}");
        let unnamed = click_script(Some(&Button { name: None, value: String::new(), label: "Go".into() }), None);
        assert!(unnamed.contains(r#"const want = ["", "", "Go"]"#), "{unnamed}");
    }

    #[test]
    fn click_script_without_a_button_submits_the_form_of_the_field() {
        let script = click_script(None, Some("pass\"word"));
        assert!(script.contains(r#"CSS.escape("pass\"word")"#) && script.contains("f.form.requestSubmit()"), "{script}");
        assert!(click_script(None, None).contains(r#"CSS.escape("")"#));
    }

    #[test]
    fn type_script_sets_the_value_through_the_prototype_and_announces_it() {
        let script = type_script("user", "o'brien\"</script>");
        assert!(script.contains(r#"document.querySelector('[name=' + CSS.escape("user") + ']')"#), "{script}");
        assert!(script.contains(r#"set.call(i, "o'brien\"</script>")"#), "{script}");
        assert!(script.contains("new Event('input'") && script.contains("new Event('change'"), "{script}");
    }
}
