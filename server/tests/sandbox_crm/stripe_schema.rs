//! The Stripe stand-in's responses checked against the Stripe OpenAPI description's own
//! schemas with `tests/browser/validate-stripe.mjs` (ajv; the spec is too large for Prism).
//! Object schemas are closed there, so a field the 2023-08-16 spec does not name fails too.

use std::process::Command;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{sandbox, skip_without};
use crate::node::{ajv_ready, browser_dir, spec, temp_dir};

#[tokio::test]
async fn stripe_responses_validate_against_the_spec_schemas() {
    let spec_path = spec("stripe/spec3.2023-09-12.yaml");
    if skip_without("node with ajv and yaml in tests/browser/node_modules", ajv_ready())
        || skip_without(&format!("the Stripe spec at {}", spec_path.display()), spec_path.is_file())
    {
        return;
    }
    let sb = sandbox().await;
    sb.stripe_reset(31, 150, 80, 120).await;
    let created = sb
        .st_send(
            Method::POST,
            "/v1/customers",
            &[("email", "s@example.com"), ("name", "Schema Check"), ("metadata[hitch_id]", "h-9")],
            None,
        )
        .await;
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let updated = sb
        .st_send(
            Method::POST,
            &format!("/v1/customers/{id}"),
            &[("phone", "+15550100000"), ("metadata[hitch_id]", "")],
            None,
        )
        .await;
    let invoice_id = sb.st_get("/v1/invoices?limit=1").await.json()["data"][0]["id"].as_str().unwrap().to_owned();
    let charge_id = sb.st_get("/v1/charges?limit=1").await.json()["data"][0]["id"].as_str().unwrap().to_owned();
    let deleted = sb.st_send(Method::DELETE, &format!("/v1/customers/{id}"), &[], None).await;
    let mut samples: Vec<(&str, String)> = vec![
        ("customer", created.text),
        ("customer", updated.text),
        ("deleted_customer", deleted.text),
        ("GET /v1/customers", sb.st_get("/v1/customers?limit=100").await.text),
        ("GET /v1/invoices", sb.st_get("/v1/invoices?limit=100").await.text),
        ("GET /v1/charges", sb.st_get("/v1/charges?limit=100").await.text),
        ("GET /v1/events", sb.st_get("/v1/events?limit=100").await.text),
        ("invoice", sb.st_get(&format!("/v1/invoices/{invoice_id}")).await.text),
        ("charge", sb.st_get(&format!("/v1/charges/{charge_id}")).await.text),
        ("error", sb.st_get("/v1/events?ending_before=evt_nope").await.text),
        ("error", sb.st_send(Method::POST, "/v1/customers", &[("email", "bad")], None).await.text),
        ("error", sb.st_get("/v1/customers/cus_missing").await.text),
    ];
    let event = sb.st_get("/v1/events?limit=1").await.json()["data"][0].to_string();
    samples.push(("event", event));
    sb.control("/_sandbox/stripe/settings", serde_json::json!({"rate_limit_per_10s": 1})).await;
    sb.st_get("/v1/customers?limit=1").await;
    let limited = sb.st_get("/v1/customers?limit=1").await;
    assert_eq!(limited.status.as_u16(), 429);
    samples.push(("error", limited.text));

    let dir = temp_dir("stripe-schema");
    let mut args =
        vec![browser_dir().join("validate-stripe.mjs").display().to_string(), spec_path.display().to_string()];
    for (i, (schema, body)) in samples.iter().enumerate() {
        serde_json::from_str::<Value>(body).unwrap_or_else(|e| panic!("{schema}: not JSON ({e}): {body}"));
        let file = dir.join(format!("{i:02}.json"));
        std::fs::write(&file, body).unwrap();
        args.push((*schema).to_owned());
        args.push(file.display().to_string());
    }
    let out = Command::new("node").args(&args).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "Stripe schema violations:\n{report}");
    assert_eq!(report.lines().filter(|l| l.starts_with("ok ")).count(), samples.len());
    let _ = std::fs::remove_dir_all(dir);
}
