//! Values as text and numbers, and values as named in messages.

use std::borrow::Cow;

use serde_json::{Number, Value};

/// Longest stretch of a value quoted in a message: enough to recognise it, never a payload.
const SHOWN_CHARS: usize = 60;

/// A scalar as text (null is empty); None for objects and lists, which have no one obvious
/// text form and would only produce surprising output.
pub(crate) fn scalar_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => Some(Cow::Borrowed("")),
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Object(_) | Value::Array(_) => None,
    }
}

/// "an object" or "a list", for values that cannot be used as text.
pub(crate) fn kind_phrase(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "an object",
        Value::Array(_) => "a list",
        Value::Null => "empty",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
    }
}

/// The value as named in a message: `'abc'` (shortened), `12`, `true`, or "an object";
/// "the value" when the field looks sensitive, so record errors never store it.
pub(crate) fn show(value: &Value, sensitive: bool) -> String {
    if sensitive {
        return "the value".to_owned();
    }
    match value {
        Value::String(s) => format!("'{}'", shorten(s, SHOWN_CHARS)),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "an empty value".to_owned(),
        Value::Object(_) | Value::Array(_) => kind_phrase(value).to_owned(),
    }
}

/// At most `max` characters of `s`, with "…" when something was cut.
pub(crate) fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
        None => Cow::Borrowed(s),
    }
}

/// Text such as " 12 ", "-3.5" or "1,234.50" as a JSON number: integers stay integers.
/// Commas are accepted only as thousands separators, because "1,5" is a European 1.5 and
/// silently reading it as 15 would be worse than refusing it.
pub(crate) fn parse_number(raw: &str) -> Option<Number> {
    let s = raw.trim();
    let plain: Cow<'_, str> = if s.contains(',') { Cow::Owned(strip_thousands(s)?) } else { Cow::Borrowed(s) };
    if let Ok(i) = plain.parse::<i64>() {
        return Some(Number::from(i));
    }
    if let Ok(u) = plain.parse::<u64>() {
        return Some(Number::from(u));
    }
    // Rust also reads "inf", "NaN" and "infinity"; only digits make a number here.
    if !plain.bytes().any(|b| b.is_ascii_digit())
        || plain.bytes().any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    plain.parse::<f64>().ok().and_then(Number::from_f64)
}

fn strip_thousands(s: &str) -> Option<String> {
    let (int_part, frac) = match s.find('.') {
        Some(dot) => s.split_at(dot),
        None => (s, ""),
    };
    let digits = int_part.trim_start_matches(['+', '-']);
    let mut groups = digits.split(',');
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_digit());
    let rest_ok = groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    (first_ok && rest_ok && !frac.contains(',')).then(|| s.replace(',', ""))
}

/// A number, or text that reads as one, as f64 (for filter comparisons).
pub(crate) fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_number(s).and_then(|n| n.as_f64()),
        _ => None,
    }
}

/// Null, or text with nothing in it: what a rule's default replaces.
pub(crate) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_from_text() {
        assert_eq!(parse_number(" 12 "), Some(Number::from(12)));
        assert_eq!(parse_number("-3"), Some(Number::from(-3)));
        assert_eq!(parse_number("1,234.50").and_then(|n| n.as_f64()), Some(1234.5));
        assert_eq!(parse_number("1,234,567"), Some(Number::from(1_234_567)));
        assert_eq!(parse_number("18446744073709551615"), Some(Number::from(u64::MAX)));
        assert_eq!(parse_number("1e3").and_then(|n| n.as_f64()), Some(1000.0));
        assert_eq!(parse_number(".5").and_then(|n| n.as_f64()), Some(0.5));
        for bad in
            ["abc", "", " ", "1,5", "12,34", "1,234,5", "1.234,50", "inf", "NaN", "-infinity", "1e999", "12abc", "$5"]
        {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn shown_values() {
        assert_eq!(show(&json!("abc"), false), "'abc'");
        assert_eq!(show(&json!(12), false), "12");
        assert_eq!(show(&json!({"a": 1}), false), "an object");
        assert_eq!(show(&json!([1]), false), "a list");
        assert_eq!(show(&json!("123-45-6789"), true), "the value");
        let long = "x".repeat(100);
        assert_eq!(show(&json!(long), false), format!("'{}…'", "x".repeat(60)));
        assert_eq!(shorten("héllo", 2), "hé…");
        assert_eq!(shorten("hé", 2), "hé");
    }

    #[test]
    fn text_and_emptiness() {
        assert_eq!(scalar_text(&json!(null)).as_deref(), Some(""));
        assert_eq!(scalar_text(&json!(1.5)).as_deref(), Some("1.5"));
        assert_eq!(scalar_text(&json!(false)).as_deref(), Some("false"));
        assert_eq!(scalar_text(&json!([])), None);
        assert!(is_empty(&json!("")) && is_empty(&json!(null)));
        assert!(!is_empty(&json!(" ")) && !is_empty(&json!(0)) && !is_empty(&json!(false)));
        assert_eq!(as_f64(&json!("1,000")), Some(1000.0));
        assert_eq!(as_f64(&json!(true)), None);
    }
}
