//! Stripe's error body: `{"error": {"type", "message", "param"?, "code"?, "doc_url"?}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct StripeError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    pub param: Option<String>,
    pub code: Option<&'static str>,
}

impl StripeError {
    pub fn invalid(message: impl Into<String>, param: Option<&str>, code: Option<&'static str>) -> StripeError {
        StripeError {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_request_error",
            message: message.into(),
            param: param.map(str::to_owned),
            code,
        }
    }

    /// `No such customer: 'cus_…'` (404 for a path id, 400 for a cursor or filter).
    pub fn missing(noun: &str, id: &str, param: &str, status: StatusCode) -> StripeError {
        StripeError {
            status,
            kind: "invalid_request_error",
            message: format!("No such {noun}: '{id}'"),
            param: Some(param.to_owned()),
            code: Some("resource_missing"),
        }
    }

    pub fn idempotency(key: &str) -> StripeError {
        StripeError {
            status: StatusCode::BAD_REQUEST,
            kind: "idempotency_error",
            message: format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            ),
            param: None,
            code: None,
        }
    }

    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({"type": self.kind, "message": self.message});
        if let Some(p) = &self.param {
            error["param"] = json!(p);
        }
        if let Some(c) = self.code {
            error["code"] = json!(c);
            error["doc_url"] = json!(format!("https://stripe.com/docs/error-codes/{}", c.replace('_', "-")));
        }
        json!({ "error": error })
    }
}

impl IntoResponse for StripeError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}
