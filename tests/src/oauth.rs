//! Driving an OAuth provider's side like a person: open the consent page, press a button,
//! and hand back where the provider redirects (Hitch's callback URL).

use anyhow::Context;

/// Every `<input type="hidden" name=… value=…>` in `html`.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<input") {
        let tail = &rest[start..];
        let end = tail.find('>').unwrap_or(tail.len());
        let tag = &tail[..end];
        if tag.contains("type=\"hidden\"") {
            let attr = |name: &str| {
                let key = format!("{name}=\"");
                tag.find(&key).map(|i| {
                    let v = &tag[i + key.len()..];
                    v[..v.find('"').unwrap_or(v.len())]
                        .replace("&amp;", "&")
                        .replace("&quot;", "\"")
                        .replace("&#39;", "'")
                })
            };
            if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                out.push((n, v));
            }
        }
        rest = &tail[end.min(tail.len())..];
    }
    out
}

/// Opens `authorize_url` at the sandbox and answers its consent form with `decision`
/// ("approve" or "deny"); returns the redirect target the provider sends the browser to.
pub async fn consent(authorize_url: &str, decision: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let page = client.get(authorize_url).send().await.context("open the consent page")?;
    anyhow::ensure!(page.status() == 200, "consent page answered {}", page.status());
    let html = page.text().await?;
    let mut fields = hidden_inputs(&html);
    fields.retain(|(k, _)| k != "decision");
    fields.push(("decision".into(), decision.into()));
    let url = reqwest::Url::parse(authorize_url)?;
    let action = format!("{}://{}{}", url.scheme(), url.authority(), url.path());
    let resp = client.post(&action).form(&fields).send().await.context("submit the consent form")?;
    anyhow::ensure!(resp.status().is_redirection(), "consent answered {} instead of redirecting", resp.status());
    let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).context("no Location")?;
    Ok(location.to_owned())
}

/// The path and query of an absolute URL (to replay a callback on a test server).
pub fn path_and_query(url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url)?;
    Ok(match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_hidden_inputs() {
        let html = r#"<form><input type="hidden" name="state" value="a&amp;b"><input name="x" value="y"><input type="hidden" name="client_id" value="c"></form>"#;
        assert_eq!(super::hidden_inputs(html), vec![("state".into(), "a&b".into()), ("client_id".into(), "c".into())]);
    }
}
