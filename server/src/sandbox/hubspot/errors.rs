//! HubSpot's error bodies: the top-level `Error` (`status`, `message`, `correlationId`,
//! `category`, …) and, inside a 207 batch answer, `StandardError` (which also requires
//! `context`, `errors` and `links`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::data::correlation_id;

#[derive(Debug, Clone)]
pub struct HsError {
    pub status: StatusCode,
    pub category: &'static str,
    pub message: String,
    /// e.g. `("propertyName", ["foo"])` or `("ids", ["12"])`.
    pub context: Vec<(&'static str, Vec<String>)>,
    /// The per-property code (`PROPERTY_DOESNT_EXIST`, `INVALID_EMAIL`, …), if any.
    pub code: Option<&'static str>,
}

impl HsError {
    pub fn validation(message: impl Into<String>) -> HsError {
        HsError {
            status: StatusCode::BAD_REQUEST,
            category: "VALIDATION_ERROR",
            message: message.into(),
            context: Vec::new(),
            code: None,
        }
    }

    /// A property value HubSpot refuses, worded the way HubSpot words it.
    pub fn property(code: &'static str, name: &str, detail: &str) -> HsError {
        let item =
            json!({"isValid": false, "message": detail, "error": code, "name": name, "localizedErrorMessage": detail});
        HsError {
            status: StatusCode::BAD_REQUEST,
            category: "VALIDATION_ERROR",
            message: format!("Property values were not valid: {}", Value::Array(vec![item])),
            context: vec![("propertyName", vec![name.to_owned()])],
            code: Some(code),
        }
    }

    pub fn conflict(object_upper: &str, existing: u64) -> HsError {
        let noun = object_upper[..1].to_owned() + &object_upper[1..].to_lowercase();
        HsError {
            status: StatusCode::CONFLICT,
            category: "CONFLICT",
            message: format!("{noun} already exists. Existing ID: {existing}"),
            context: vec![("id", vec![existing.to_string()])],
            code: Some("CONFLICT"),
        }
    }

    pub fn not_found(object_upper: &str, ids: Vec<String>) -> HsError {
        HsError {
            status: StatusCode::NOT_FOUND,
            category: "OBJECT_NOT_FOUND",
            message: format!(
                "Could not get some {object_upper} objects, they may be deleted or not exist. Check that ids are valid."
            ),
            context: vec![("ids", ids)],
            code: None,
        }
    }

    fn context_json(&self) -> Value {
        Value::Object(self.context.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect())
    }

    /// The `StandardError` shape used in a 207's `errors`.
    pub fn standard(&self) -> Value {
        let mut detail = json!({"message": self.message, "context": self.context_json()});
        if let Some(code) = self.code {
            detail["code"] = json!(code);
        }
        json!({
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": self.context_json(),
            "errors": [detail],
            "links": {},
        })
    }
}

impl IntoResponse for HsError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id(),
            "category": self.category,
        });
        if !self.context.is_empty() {
            body["context"] = self.context_json();
        }
        if let Some(code) = self.code {
            body["errors"] = json!([{"message": self.message, "code": code, "context": self.context_json()}]);
        }
        (self.status, axum::Json(body)).into_response()
    }
}
