//! HubSpot batch writes: 201/200, 207 multi-status with mixed success, 409 on a duplicate
//! email, upsert by email (`new` true/false), update and archive.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::sandbox;

fn props(v: &Value) -> &serde_json::Map<String, Value> {
    v["properties"].as_object().unwrap()
}

#[tokio::test]
async fn batch_create_mixed_inputs_answers_207() {
    let sb = sandbox().await;
    sb.hubspot_reset(2, 20, 0, 0).await;
    let ok = sb
        .hs_post(
            "/crm/v3/objects/contacts/batch/create",
            &json!({"inputs": [{"properties": {"email": "new.person@example.com", "firstname": "New"}, "associations": []}]}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let body = ok.json();
    assert_eq!(body["status"], json!("COMPLETE"));
    assert!(body["startedAt"].is_string() && body["completedAt"].is_string());
    let created = &body["results"][0];
    assert_eq!(props(created)["email"], json!("new.person@example.com"));
    assert_eq!(created["id"], json!("21"));
    assert_eq!(created["archived"], json!(false));

    let mixed = json!({"inputs": [
        {"properties": {"email": "fine@example.com", "lastname": "Fine"}, "objectWriteTraceId": "t0"},
        {"properties": {"email": "broken@example"}, "objectWriteTraceId": "t1"},
        {"properties": {"email": "x@example.com", "favourite_colour": "blue"}, "objectWriteTraceId": "t2"},
    ]});
    let r = sb.hs_post("/crm/v3/objects/contacts/batch/create", &mixed).await;
    assert_eq!(r.status, StatusCode::MULTI_STATUS, "{}", r.text);
    let body = r.json();
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert_eq!(body["numErrors"], json!(2));
    let errors = body["errors"].as_array().unwrap();
    for e in errors {
        assert_eq!((e["status"].as_str(), e["category"].as_str()), (Some("error"), Some("VALIDATION_ERROR")));
        assert!(e["context"].is_object() && e["errors"].is_array() && e["links"].is_object());
    }
    assert_eq!(body["results"][0]["objectWriteTraceId"], json!("t0"), "results echo the trace id");
    assert_eq!(errors[0]["context"]["objectWriteTraceId"], json!(["t1"]));
    assert_eq!(errors[1]["context"]["objectWriteTraceId"], json!(["t2"]));
    assert_eq!(errors[0]["context"]["propertyName"], json!(["email"]));
    assert_eq!(errors[0]["errors"][0]["code"], json!("INVALID_EMAIL"));
    assert_eq!(errors[1]["errors"][0]["code"], json!("PROPERTY_DOESNT_EXIST"));
    assert!(errors[1]["message"].as_str().unwrap().contains("Property \\\"favourite_colour\\\" does not exist"));

    // Every input failing: the error's own status. A duplicate email is a 409 CONFLICT.
    let dup = sb
        .hs_post(
            "/crm/v3/objects/contacts/batch/create",
            &json!({"inputs": [{"properties": {"email": "FINE@example.com"}}]}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.text);
    let body = dup.json();
    assert_eq!(body["category"], json!("CONFLICT"));
    assert!(body["message"].as_str().unwrap().starts_with("Contact already exists. Existing ID: "));
    assert!(body["correlationId"].is_string());
    let bad =
        sb.hs_post("/crm/v3/objects/contacts/batch/create", &json!({"inputs": [{"properties": {"nope": "1"}}]})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let too_many: Vec<Value> = (0..101).map(|i| json!({"properties": {"firstname": format!("n{i}")}})).collect();
    let r = sb.hs_post("/crm/v3/objects/contacts/batch/create", &json!({"inputs": too_many})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        sb.control_get("/_sandbox/hubspot/contacts?limit=1").await["total"],
        json!(22),
        "nothing else was created"
    );
}

#[tokio::test]
async fn upsert_by_email_reports_new_and_existing() {
    let sb = sandbox().await;
    sb.hubspot_reset(4, 20, 0, 0).await;
    let held = sb.control_get("/_sandbox/hubspot/contacts?limit=1").await;
    let existing = &held["results"][0];
    let email = existing["properties"]["email"].as_str().unwrap().to_owned();
    let before = existing["updatedAt"].as_str().unwrap().to_owned();
    let body = json!({"inputs": [
        {"idProperty": "email", "id": email, "properties": {"jobtitle": "Upserted"}},
        {"idProperty": "email", "id": "brand.new@example.com", "properties": {"firstname": "Brand"}},
    ]});
    let r = sb.hs_post("/crm/v3/objects/contacts/batch/upsert", &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = r.json()["results"].as_array().unwrap().clone();
    let old = results.iter().find(|x| x["new"] == json!(false)).unwrap();
    let new = results.iter().find(|x| x["new"] == json!(true)).unwrap();
    assert_eq!(old["id"], existing["id"]);
    assert_eq!(props(old)["jobtitle"], json!("Upserted"));
    assert!(old["updatedAt"].as_str().unwrap() > before.as_str(), "writes bump updatedAt");
    assert_eq!(props(old)["lastmodifieddate"], old["updatedAt"]);
    assert_eq!(props(new)["email"], json!("brand.new@example.com"));
    // Again: both exist now.
    let again = sb.hs_post("/crm/v3/objects/contacts/batch/upsert", &body).await.json();
    assert!(again["results"].as_array().unwrap().iter().all(|x| x["new"] == json!(false)));
    let wrong = json!({"inputs": [{"idProperty": "firstname", "id": "Ava", "properties": {}}]});
    assert_eq!(sb.hs_post("/crm/v3/objects/contacts/batch/upsert", &wrong).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn update_and_archive() {
    let sb = sandbox().await;
    sb.hubspot_reset(6, 20, 5, 5).await;
    let body = json!({"inputs": [
        {"id": "3", "properties": {"firstname": "Changed", "lifecyclestage": "customer"}},
        {"id": "999", "properties": {"firstname": "Ghost"}},
    ]});
    let r = sb.hs_post("/crm/v3/objects/contacts/batch/update", &body).await;
    assert_eq!(r.status, StatusCode::MULTI_STATUS, "{}", r.text);
    let body = r.json();
    assert_eq!(props(&body["results"][0])["firstname"], json!("Changed"));
    assert_eq!(body["errors"][0]["category"], json!("OBJECT_NOT_FOUND"));
    assert_eq!(body["errors"][0]["context"]["ids"], json!(["999"]));
    let only_missing = json!({"inputs": [{"id": "998", "properties": {"firstname": "Ghost"}}]});
    assert_eq!(sb.hs_post("/crm/v3/objects/contacts/batch/update", &only_missing).await.status, StatusCode::NOT_FOUND);
    let deals = json!({"inputs": [{"id": "1", "properties": {"amount": "1234.50", "dealstage": "closedwon"}}]});
    let r = sb.hs_post("/crm/v3/objects/deals/batch/update", &deals).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(props(&r.json()["results"][0]).contains_key("hs_lastmodifieddate"));

    let r =
        sb.hs_post("/crm/v3/objects/contacts/batch/archive", &json!({"inputs": [{"id": "3"}, {"id": "404"}]})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.text.is_empty());
    let live = sb.hs_get("/crm/v3/objects/contacts?limit=100").await.json();
    assert!(live["results"].as_array().unwrap().iter().all(|x| x["id"] != json!("3")));
    let gone = sb.hs_get("/crm/v3/objects/contacts?archived=true").await.json();
    assert_eq!(gone["results"][0]["id"], json!("3"));
    assert_eq!(gone["results"][0]["archived"], json!(true));
    assert!(gone["results"][0]["archivedAt"].is_string());
}
