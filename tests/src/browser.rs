//! A minimal browser: a cookie jar, no automatic redirects (tests assert them), and forms
//! submitted with the CSRF token the server put in the page.

use anyhow::Context;

pub struct Browser {
    base: String,
    client: reqwest::Client,
}

/// A response as a test looks at it.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The value of the hidden `csrf` input, if the page has a form.
    pub fn csrf(&self) -> Option<String> {
        input_value(&self.body, "csrf")
    }

    /// The first 600 characters, for assertion messages.
    pub fn text_excerpt(&self) -> String {
        self.body.chars().take(600).collect()
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }
}

/// The `value` of the first `<input>` named `name` in `html`.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let v = tag.find("value=\"")? + 7;
    let len = tag[v..].find('"')?;
    Some(tag[v..v + len].replace("&amp;", "&"))
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Browser { base: base.to_owned(), client }
    }

    async fn page(resp: reqwest::Response) -> anyhow::Result<Page> {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.context("read body")?;
        Ok(Page { status, headers, body })
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Page> {
        Self::page(self.client.get(format!("{}{path}", self.base)).send().await.context("GET")?).await
    }

    /// Posts fields exactly as given (no token added): for CSRF tests and raw bodies.
    pub async fn post_raw(&self, path: &str, body: String) -> anyhow::Result<Page> {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .context("POST")?;
        Self::page(resp).await
    }

    /// Opens `form_page`, takes its CSRF token and posts `fields` to `action`.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> anyhow::Result<Page> {
        let page = self.get(form_page).await?;
        let csrf = page.csrf().with_context(|| format!("no csrf token on {form_page} (status {})", page.status))?;
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        self.post_raw(action, encode(&all)).await
    }

    /// Signs in through the form.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<Page> {
        self.submit("/login", "/login", &[("email", email), ("password", password)]).await
    }
}

/// `application/x-www-form-urlencoded` for `fields`.
pub fn encode(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
