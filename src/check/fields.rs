//! The one list of `expect` fields: each entry is its doc comment (the one-line description), the
//! field and its Rust type, its TOML shape, and the registry members that differ from the defaults
//! (the checks it records, its reference, which answers it judges, its evaluators). Adding a check
//! kind is one entry here, its evaluator in `check::http` or `check::browser`, a fault in the
//! reference server and its tests (CONTRIBUTING.md walks through it).
//!
//! The list is a macro that hands itself to a callback: `check::expect` makes the `Expect` struct
//! from it, `check::registry` makes `KINDS`. Nothing here is compiled on its own, so this module
//! depends on nothing.

/// Calls `$callback! { … }` with every field declaration, in evaluation order.
macro_rules! expect_fields {
    ($callback:ident) => {
        $callback! {
            /// The answer's status is exactly this (a browser step: the page's status).
            status: Option<u16>, "integer" {
                checks: &["status_is"], judges: Judges::Both, part: Part::Status, instead_of: Some("status_in"),
                http: Some(http::status), browser: Some(browser::status),
            }
            /// The answer's status is one of these.
            status_in: Vec<u16>, "array of integers" {
                checks: &["status_is_one_of"], part: Part::Status, instead_of: Some("status"), http: Some(http::status_in),
            }
            /// The answer is a 2xx (`true`) or anything else (`false`).
            success: Option<bool>, "boolean" {
                checks: &["status_is_success", "status_is_not_success"], part: Part::Status, http: Some(http::success),
            }
            /// The first page is a login page: a password input, or a username alone (a two-step login).
            login_form: bool, "boolean" {
                checks: &["login_form_shown"], judges: Judges::FirstPage, browser: Some(browser::login_form),
            }
            /// The login driver signed in on the way (`true`: a login page was shown) or never did (`false`), as it saw.
            login_page: Option<bool>, "boolean" {
                checks: &["login_page_shown", "no_login_page_shown"], reference: Some("OpenID Connect Core §3.1.2.1"), judges: Judges::Browser, browser: Some(browser::login_page),
            }
            /// The login driver answered a consent page on the way (`true`) or none (`false`), as it saw.
            consent_page: Option<bool>, "boolean" {
                checks: &["consent_page_shown", "no_consent_page_shown"], reference: Some("OpenID Connect Core §3.1.2.1"), judges: Judges::Browser, browser: Some(browser::consent_page),
            }
            /// How a redirect answering the login form's POST (the user's password) may be: `not_307` (never 307, which would have the browser post the password again where it points), `303` (303 See Other, if a redirect answers it). Judged by the form driver, which sees the statuses.
            credentials_redirect: Option<CredentialsRedirect>, "\"not_307\" | \"303\"" {
                checks: &["password_post_not_redirected_307", "password_post_redirected_303"], reference: Some("RFC 9700 §4.12"), judges: Judges::Browser, browser: Some(browser::credentials_redirect),
            }
            /// No login and no consent page on the way: the server answered without any user interface (`prompt=none`).
            no_interaction: bool, "boolean" {
                checks: &["no_user_interface_shown"], reference: Some("OpenID Connect Core §3.1.2.1"), judges: Judges::Browser, browser: Some(browser::no_interaction),
            }
            /// The page resists framing: X-Frame-Options DENY or SAMEORIGIN, or a CSP frame-ancestors that is not `*`.
            anti_framing: bool, "boolean" {
                checks: &["page_resists_framing"], reference: Some("RFC 9700 §4.16"), judges: Judges::FirstPage, browser: Some(browser::anti_framing),
            }
            /// The page keeps its URL from other origins: a Referrer-Policy header or meta referrer.
            referrer_policy: bool, "boolean" {
                checks: &["page_limits_referrer"], reference: Some("RFC 9700 §4.2.4"), judges: Judges::FirstPage, browser: Some(browser::referrer_policy),
            }
            /// A redirect (if any) carries each parameter at most once.
            single_params: bool, "boolean" {
                checks: &["no_repeated_parameters"], reference: Some("RFC 6749 §3.1"), judges: Judges::Browser, browser: Some(browser::single_params),
            }
            /// Where the login ends: `code` (a redirect to the redirect_uri with a code), `error` (with an error), `none` (never redirected off the server), `no_code` (never handed a code), `code_or_error` (a code, or one of the errors `error` / `error_in` name), `success` (no error; `present` names what it carries).
            redirect: Option<RedirectExpect>, "\"code\" | \"error\" | \"none\" | \"no_code\" | \"code_or_error\" | \"success\"" {
                checks: &["redirected_to_redirect_uri", "no_repeated_parameters", "code_in_redirect", "no_error_in_redirect", "error_in_redirect", "error_description_is_ascii", "no_code_with_error", "not_redirected_to_client", "no_code_issued"],
                reference: Some("RFC 6749 §4.1.2, §4.1.2.1"), judges: Judges::Login, validate: Some(redirect_error_named), browser: Some(browser::redirect),
            }
            /// The JSON body is valid against `specs/<profile>/<name>.schema.json`.
            schema: Option<String>, "schema name" {
                checks: &["body_matches_schema"], json: Json::Yes, validate: Some(schema_known), http: Some(http::schema),
            }
            /// The answer carries this error code (an HTTP answer: the JSON `error` member, which must also match the profile's error schema; a browser step: the error redirect's `error`).
            error: Option<String>, "string" {
                checks: &["error_code_is", "error_body_matches_schema", "error_description_is_ascii", "error_in_redirect"],
                reference: Some("RFC 6749 §5.2, §4.1.2.1"), judges: Judges::HttpAndRedirect, json: Json::Yes, instead_of: Some("error_in"), http: Some(http::error),
            }
            /// Like `error`, any one of these codes.
            error_in: Vec<String>, "array of strings" {
                checks: &["error_code_is", "error_body_matches_schema", "error_description_is_ascii", "error_in_redirect"],
                reference: Some("RFC 6749 §5.2, §4.1.2.1"), judges: Judges::HttpAndRedirect, json: Json::Yes, instead_of: Some("error"), http: Some(http::error),
            }
            /// The response comes in the redirect's fragment, none of it in the query (implicit and hybrid flows); the other redirect checks read the fragment.
            fragment: bool, "boolean" {
                checks: &["response_in_fragment"], reference: Some("OpenID Connect Core §3.2.2.5, §3.3.2.5"), judges: Judges::Login,
            }
            /// The response comes as form fields posted to the redirect_uri (response_mode=form_post), none of it in the URL; the other redirect checks read the fields.
            form_post: bool, "boolean" {
                checks: &["response_posted"], reference: Some("OAuth 2.0 Form Post Response Mode §2"), judges: Judges::Login,
            }
            /// The redirect's `state` is the one sent, byte for byte.
            state_echoed: bool, "boolean" {
                checks: &["state_echoed_exactly"], reference: Some("RFC 6749 §4.1.2, §4.1.2.1"), judges: Judges::Login,
            }
            /// On a 2xx answer, the `scope` member is present: the granted scope differs from the requested one.
            scope_stated: bool, "boolean" {
                checks: &["scope_stated_when_changed"], reference: Some("RFC 6749 §3.3"), json: Json::OnSuccess, http: Some(http::scope_stated),
            }
            /// On a 2xx answer, `scope` is present and every scope in it is one of these (placeholders allowed): the grant was never widened.
            scope_within: Option<String>, "string" {
                checks: &["scope_not_widened"], reference: Some("RFC 6749 §3.3, §6"), json: Json::OnSuccess, http: Some(http::scope_within),
            }
            /// `token_type` equals this, in any case.
            token_type: Option<String>, "string" {
                checks: &["token_type_is"], reference: Some("RFC 6749 §5.1, §7.1"), json: Json::Yes, http: Some(http::token_type),
            }
            /// `expires_in` is a positive JSON number (`positive_number`) or a string holding one (`positive_integer_string`).
            expires_in: Option<ExpiresIn>, "\"positive_number\" | \"positive_integer_string\"" {
                checks: &["expires_in_is_positive_number", "expires_in_is_positive_integer_string"], reference: Some("RFC 6749 §5.1"), json: Json::Yes, http: Some(http::expires_in),
            }
            /// These JSON members (a browser step: redirect parameters) are present and not empty.
            present: Vec<String>, "array of strings" {
                checks: &["member_present", "parameter_present"], judges: Judges::HttpAndRedirect, json: Json::Yes, http: Some(http::present),
            }
            /// These JSON members (a browser step: redirect parameters) are absent.
            absent: Vec<String>, "array of strings" {
                checks: &["member_absent", "parameter_absent"], judges: Judges::HttpAndRedirect, http: Some(http::absent),
            }
            /// JSON members (a browser step: redirect parameters) equal these strings (placeholders allowed; `a.b` reaches into an object).
            equals: IndexMap<String, String>, "table: member = string" {
                checks: &["member_equals", "parameter_equals"], judges: Judges::HttpAndRedirect, json: Json::Yes, http: Some(http::equals),
            }
            /// JSON members are these booleans.
            booleans: IndexMap<String, bool>, "table: member = boolean" {
                checks: &["member_is_boolean"], json: Json::Yes, http: Some(http::booleans),
            }
            /// JSON members, if present, are not these booleans (e.g. never `active: true`).
            booleans_not: IndexMap<String, bool>, "table: member = boolean" {
                checks: &["member_is_not_boolean"], http: Some(http::booleans_not),
            }
            /// JSON members are numbers below this bound (e.g. `expires_in = 600`: a lifetime under ten minutes).
            below: IndexMap<String, f64>, "table: member = number" {
                checks: &["member_below"], json: Json::Yes, http: Some(http::below),
            }
            /// JSON members are arrays holding this string.
            contains: IndexMap<String, String>, "table: member = string" {
                checks: &["member_lists"], json: Json::Yes, http: Some(http::contains),
            }
            /// JSON members have these formats: `date-time`, `jose`, `positive-integer-string`, `non-empty`, `issuer-url`, `future-time-if-present`, `https-url-if-present`.
            formats: IndexMap<String, Format>, "table: member = format" {
                checks: &["member_is_date_time", "member_is_compact_jose", "member_is_positive_integer_string", "member_is_non_empty_string", "member_is_issuer_url", "member_is_future_time", "member_is_https_url"],
                json: Json::Yes, http: Some(http::formats),
            }
            /// JSON members differ from these earlier values (placeholders, e.g. `{refresh_token}`): a value was rotated.
            differs: IndexMap<String, String>, "table: member = string" {
                checks: &["member_differs"], json: Json::Yes, http: Some(http::differs),
            }
            /// Every key of the JWK Set (`keys`) is public: no private (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`) or symmetric (`k`) member.
            public_keys_only: bool, "boolean" {
                checks: &["jwk_set_public_keys_only"], reference: Some("OpenID Connect Discovery §3"), json: Json::Yes, http: Some(openid::public_keys_only),
            }
            /// No two keys of the JWK Set (`keys`) share a `kid`.
            distinct_kids: bool, "boolean" {
                checks: &["jwk_set_kids_distinct"], reference: Some("RFC 7517 §4.5"), json: Json::Yes, http: Some(openid::distinct_kids),
            }
            /// Every RSA key of the JWK Set (`keys`) has a modulus of at least 2048 bits.
            rsa_keys_2048: bool, "boolean" {
                checks: &["jwk_set_rsa_keys_2048_bits"], reference: Some("RFC 7518 §3.3"), json: Json::Yes, http: Some(openid::rsa_keys_2048),
            }
            /// The answer carries an `id_token` that is signed (not `none`) by a key of the OpenID Provider's JWK Set, with `iss` the issuer, `aud` holding the client_id, `azp` (if present) the client_id, sane `exp` and `iat`, a `sub` of at most 255 ASCII characters, an `at_hash` / `c_hash` (if present; `at_hash`, `c_hash` = true: required) matching the access token / code and, in a browser step, the ID Token of the authorization response; and, when given, `nonce` echoed, `auth_time` present, later than or equal to an earlier one, `sub` equal to an earlier one, `auth_time` (when present) the original one, no `nonce` (`if_present`: no `id_token` at all passes).
            id_token: Option<IdTokenExpect>, "table (all optional): nonce, auth_time_after, auth_time_same, auth_time_kept, sub = string; auth_time, if_present, c_hash, at_hash, no_nonce = boolean" {
                checks: &["id_token_present", "id_token_is_jws", "id_token_signed", "id_token_signature_verifies", "id_token_iss_is_issuer", "id_token_aud_has_client", "id_token_azp_is_client", "id_token_times_sane", "id_token_sub_valid", "id_token_at_hash_matches", "id_token_c_hash_matches", "id_token_nonce_echoed", "id_token_auth_time_present", "id_token_auth_time_later", "id_token_auth_time_unchanged", "id_token_auth_time_original", "id_token_without_nonce", "id_token_sub_same"],
                reference: Some("OpenID Connect Core §2"), judges: Judges::HttpAndRedirect, json: Json::Yes, http: Some(openid::id_token), browser: Some(browser::id_token),
            }
            /// `Cache-Control: no-store` and `Pragma: no-cache`.
            no_store: bool, "boolean" {
                checks: &["cache_control_no_store", "pragma_no_cache"], reference: Some("RFC 6749 §5.1"), part: Part::Headers, http: Some(http::no_store),
            }
            /// These headers are present.
            header_present: Vec<String>, "array of header names" {
                checks: &["header_present"], part: Part::Headers, http: Some(http::header_present),
            }
            /// Headers hold this comma-separated directive (case-insensitive), e.g. `cache-control = "no-store"`.
            header_contains: IndexMap<String, String>, "table: header = directive" {
                checks: &["header_contains"], part: Part::Headers, http: Some(http::header_contains),
            }
            /// Headers whose value contains this text (case-insensitive), e.g. an error in a challenge.
            header_includes: IndexMap<String, String>, "table: header = text" {
                checks: &["header_includes"], part: Part::Headers, http: Some(http::header_includes),
            }
            /// Headers whose value, if present, does not contain this text (case-insensitive).
            header_excludes: IndexMap<String, String>, "table: header = text" {
                checks: &["header_excludes"], part: Part::Headers, http: Some(http::header_excludes),
            }
            /// The WWW-Authenticate header holds a challenge for this auth scheme (e.g. "Basic").
            challenge: Option<String>, "string" {
                checks: &["challenge_scheme_matches"], reference: Some("RFC 6749 §5.2, RFC 6750 §3, RFC 9449 §7.1"), part: Part::Headers, http: Some(http::challenge),
            }
        }
    };
}
pub(crate) use expect_fields;
