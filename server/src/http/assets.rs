//! The stylesheet and script, compiled into the binary so `hitch` runs from any folder.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../../style/hitch.css");
const JS: &str = include_str!("../../../public/hitch.js");

fn etag(body: &str) -> String {
    use sha2::Digest;
    format!("\"{}\"", hex::encode(&sha2::Sha256::digest(body.as_bytes())[..8]))
}

fn serve(body: &'static str, content_type: &'static str, headers: &HeaderMap) -> Response {
    let tag = etag(body);
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(tag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache"), (header::ETAG, tag.as_str())], body)
        .into_response()
}

pub async fn css_get(headers: HeaderMap) -> Response {
    serve(CSS, "text/css; charset=utf-8", &headers)
}

pub async fn js_get(headers: HeaderMap) -> Response {
    serve(JS, "text/javascript; charset=utf-8", &headers)
}
