//! The sandbox's consent and error pages: plain HTML with inline CSS (the sandbox is its own
//! origin and has no asset pipeline), styled so nobody mistakes it for the real provider.

/// The "allow this app?" page a provider shows during sign-in.
pub struct ConsentPage<'a> {
    pub provider_name: &'a str,
    /// Where the form posts: the same authorize path.
    pub action: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    /// The one preselected account: (id, label).
    pub account: (&'a str, &'a str),
    /// The authorize parameters, carried through the form unchanged.
    pub hidden: &'a [(String, String)],
}

impl ConsentPage<'_> {
    pub fn render(&self) -> String {
        let title = format!("Hitch sandbox · {}", self.provider_name);
        let scopes = if self.scopes.is_empty() {
            "<li>Full access to the account (this provider has no scopes)</li>".to_owned()
        } else {
            self.scopes.iter().map(|s| format!("<li><code>{}</code></li>", escape(s))).collect()
        };
        let hidden: String = self
            .hidden
            .iter()
            .map(|(k, v)| format!(r#"<input type="hidden" name="{}" value="{}">"#, escape(k), escape(v)))
            .collect();
        let body = format!(
            r#"<p class="lead"><strong>Hitch</strong> <span class="muted">(client <code>{client}</code>)</span> wants to connect to your {provider} account.</p>
<form method="post" action="{action}">{hidden}
<fieldset><legend>Account</legend>
<label class="account"><input type="radio" name="account" value="{account_id}" checked> {account_label}</label>
<label class="account muted"><input type="radio" disabled> Use another account</label>
</fieldset>
<h2>It will be able to</h2><ul>{scopes}</ul>
<p class="muted small">You will be sent back to <code>{redirect}</code></p>
<div class="buttons"><button type="submit" name="decision" value="deny" class="secondary">Deny</button>
<button type="submit" name="decision" value="approve" class="primary" autofocus>Approve</button></div>
</form>"#,
            client = escape(self.client_id),
            provider = escape(self.provider_name),
            action = escape(self.action),
            account_id = escape(self.account.0),
            account_label = escape(self.account.1),
            redirect = escape(self.redirect_uri),
        );
        page(&title, self.provider_name, &body)
    }
}

/// An error the provider shows instead of redirecting (the redirect target is not trusted).
pub fn error_page(provider_name: &str, error: &str, explanation: &str) -> String {
    let body = format!(
        r#"<p class="error"><strong>error={}</strong></p><p>{}</p><p class="muted small">The sandbox accepts the client id <code>{}</code>. Check HITCH_PROVIDERS_SANDBOX and HITCH_PROVIDER_*_CLIENT_ID.</p>"#,
        escape(error),
        escape(explanation),
        crate::providers::SANDBOX_CLIENT_ID,
    );
    page(&format!("Hitch sandbox · {provider_name}"), provider_name, &body)
}

fn page(title: &str, provider_name: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{CSS}</style></head>
<body><div class="banner">Sandbox · not the real {provider}</div><main class="card"><h1>{title}</h1>{body}</main></body></html>"#,
        title = escape(title),
        provider = escape(provider_name),
    )
}

const CSS: &str = "
:root{--bg:#f4f5f7;--card:#fff;--text:#1c2024;--muted:#60646c;--line:#d9dce1;--accent:#5b5bd6;--warn:#ffd66b;--err:#c62a2f}
@media (prefers-color-scheme:dark){:root{--bg:#111113;--card:#1b1b1f;--text:#edeef0;--muted:#9ba1a6;--line:#2e3135;--err:#ff6369}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;background:var(--bg);color:var(--text)}
.banner{background:var(--warn);color:#1c2024;text-align:center;font-weight:600;padding:6px;font-size:13px;letter-spacing:.02em}
.card{max-width:480px;margin:40px auto;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:28px 32px}
h1{font-size:20px;margin:0 0 12px}h2{font-size:14px;margin:20px 0 6px;color:var(--muted);font-weight:600}
ul{margin:0;padding-left:20px}code{font-size:13px;word-break:break-all}.muted{color:var(--muted)}.small{font-size:13px}
fieldset{border:1px solid var(--line);border-radius:8px;margin:16px 0 0;padding:8px 14px}legend{font-size:13px;color:var(--muted);padding:0 4px}
.account{display:block;padding:4px 0}.error{color:var(--err)}
.buttons{display:flex;justify-content:flex-end;gap:10px;margin-top:22px}
button{font:inherit;padding:8px 18px;border-radius:6px;border:1px solid var(--line);cursor:pointer}
.primary{background:var(--accent);border-color:var(--accent);color:#fff}.secondary{background:transparent;color:var(--text)}
";

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let hidden = vec![("state".to_owned(), "\"><script>".to_owned())];
        let html = ConsentPage {
            provider_name: "Xero",
            action: "/xero/oauth/authorize",
            client_id: "c",
            redirect_uri: "http://app/cb?a=1&b=2",
            scopes: &["openid".to_owned()],
            account: ("t", "Sandbox Co"),
            hidden: &hidden,
        }
        .render();
        assert!(html.contains("Hitch sandbox · Xero"));
        assert!(html.contains("&quot;&gt;&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("a=1&amp;b=2"));
    }
}
