//! Redaction of record payloads before they are stored with a record error: values of
//! secret or sensitive-looking fields are masked and long text is cut, so an error log
//! never becomes a copy of customers' passwords or card numbers.

use serde_json::{Map, Value};

use super::text::shorten;

/// What a masked value is replaced by.
pub const REDACTED: &str = "[redacted]";

/// Longest text kept in a redacted payload, in characters (then "…").
pub const MAX_TEXT_CHARS: usize = 200;

/// Name fragments (lower-case, without separators) that mark a field as sensitive.
const SENSITIVE: [&str; 9] = ["password", "token", "secret", "apikey", "ssn", "card", "iban", "accountnumber", "cvc"];

/// Whether a field name looks secret or personal-sensitive: it contains password, token,
/// secret, api_key, ssn, card, iban, account_number or cvc, ignoring case and the
/// separators `_`, `-`, `.` and spaces (so `apiKey`, `api-key` and `Account Number` count).
pub fn is_sensitive_name(name: &str) -> bool {
    let folded: String = name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    SENSITIVE.iter().any(|s| folded.contains(s))
}

/// A copy of `record` safe to store: sensitive fields' values (at any depth, whatever
/// their type) become "[redacted]", and text longer than 200 characters is cut to 200
/// followed by "…".
pub fn redact(record: &Map<String, Value>) -> Map<String, Value> {
    record
        .iter()
        .map(|(key, value)| {
            let value = if is_sensitive_name(key) && !value.is_null() {
                Value::String(REDACTED.to_owned())
            } else {
                redact_value(value)
            };
            (key.clone(), value)
        })
        .collect()
}

fn redact_value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(redact(map)),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        Value::String(s) => Value::String(shorten(s, MAX_TEXT_CHARS).into_owned()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn recognises_sensitive_names() {
        for name in [
            "password",
            "Password",
            "user_password",
            "access_token",
            "client_secret",
            "api_key",
            "apiKey",
            "API-Key",
            "ssn",
            "SSN_last4",
            "credit_card",
            "cardNumber",
            "iban",
            "IBAN",
            "account_number",
            "Account Number",
            "cvc",
        ] {
            assert!(is_sensitive_name(name), "{name}");
        }
        for name in ["email", "firstname", "amount", "account", "number", "api", "key", "lifecyclestage"] {
            assert!(!is_sensitive_name(name), "{name}");
        }
    }

    #[test]
    fn masks_and_truncates() {
        let long = "é".repeat(250);
        let record = map(json!({
            "email": "a@b.c",
            "Password": "hunter2",
            "card_number": 4111111111111111_u64,
            "api_key": {"nested": "object"},
            "token": null,
            "notes": long,
            "amount": 12.5,
            "billing": {"iban": "DE89 3704", "city": "Berlin"},
            "contacts": [{"ssn": "123-45-6789", "name": "x"}]
        }));
        let expected = map(json!({
            "email": "a@b.c",
            "Password": "[redacted]",
            "card_number": "[redacted]",
            "api_key": "[redacted]",
            "token": null,
            "notes": format!("{}…", "é".repeat(200)),
            "amount": 12.5,
            "billing": {"iban": "[redacted]", "city": "Berlin"},
            "contacts": [{"ssn": "[redacted]", "name": "x"}]
        }));
        assert_eq!(redact(&record), expected);
    }
}
