//! The filter's text form, as edited in the UI: one condition per line, `field op value`.
//!
//! ```text
//! match any
//! lifecyclestage eq customer
//! email exists
//! company contains "two words"
//! amount gt 1000
//! ```
//!
//! An optional first line `match any` (or `match all`, the default) picks the combination.
//! Blank lines and lines starting with `#` are skipped. A field or value with spaces, or a
//! value that must stay text although it looks like a number or true/false, is written in
//! double quotes (`\"` and `\\` inside). An unquoted value is the rest of the line, read as
//! a number when it is a JSON number, as true/false, or else as text.

use serde_json::{Number, Value};

use super::filter::{Condition, Filter, FilterOp};
use crate::domain::ValidationError;

impl Filter {
    /// Reads the text form; the error names the line and what is wrong with it. Text with
    /// no conditions gives an empty `All`, which lets every record pass (store it as no filter).
    pub fn parse_lines(text: &str) -> Result<Filter, ValidationError> {
        let mut any = false;
        let mut conditions = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if conditions.is_empty()
                && let Some(mode) = combination(line)
            {
                any = mode;
                continue;
            }
            let condition =
                parse_condition(line).map_err(|why| ValidationError::new(format!("Line {}: {why}", index + 1)))?;
            conditions.push(condition);
        }
        Ok(if any { Filter::Any(conditions) } else { Filter::All(conditions) })
    }

    /// Writes the text form; [`Filter::parse_lines`] reads it back to an equal filter (for
    /// every filter whose values are text, numbers or true/false).
    pub fn to_lines(&self) -> String {
        let mut lines = Vec::with_capacity(self.conditions().len() + 1);
        if let Filter::Any(_) = self {
            lines.push("match any".to_owned());
        }
        for c in self.conditions() {
            let mut line = format!("{} {}", quote_if_needed(&c.field, field_needs_quotes(&c.field)), c.op.as_str());
            match &c.value {
                None => {}
                Some(Value::String(s)) => {
                    line.push(' ');
                    line.push_str(&quote_if_needed(s, value_needs_quotes(s)));
                }
                Some(Value::Number(n)) => line.push_str(&format!(" {n}")),
                Some(Value::Bool(b)) => line.push_str(&format!(" {b}")),
                // Not valid in a filter (validation says so); written so nothing is lost.
                Some(other) => {
                    line.push(' ');
                    line.push_str(&quote_if_needed(&other.to_string(), true));
                }
            }
            lines.push(line);
        }
        lines.join("\n")
    }
}

/// `match any` / `match all` (any case): Some(true) for any.
fn combination(line: &str) -> Option<bool> {
    let mut words = line.split_whitespace();
    let (Some(first), Some(second), None) = (words.next(), words.next(), words.next()) else { return None };
    if !first.eq_ignore_ascii_case("match") {
        return None;
    }
    match second.to_ascii_lowercase().as_str() {
        "any" => Some(true),
        "all" => Some(false),
        _ => None,
    }
}

fn parse_condition(line: &str) -> Result<Condition, String> {
    let (field, rest) = token(line)?;
    let rest = rest.trim_start();
    let (op_word, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if op_word.is_empty() {
        return Err("write a field, an operator and a value, like: lifecyclestage eq customer".to_owned());
    }
    let op = parse_op(op_word)
        .ok_or_else(|| format!("unknown operator '{op_word}' (use eq, ne, contains, exists, not_exists, gt or lt)"))?;
    let rest = rest.trim();
    let value = if rest.is_empty() {
        None
    } else if rest.starts_with('"') {
        let (text, after) = token(rest)?;
        if !after.trim().is_empty() {
            return Err(format!("unexpected text after the closing quote: {}", after.trim()));
        }
        Some(Value::String(text))
    } else {
        Some(bare_value(rest))
    };
    match (op.takes_value(), &value) {
        (true, None) => Err(format!("'{field}' {} needs a value", op.as_str())),
        (false, Some(_)) => Err(format!("'{field}' {} takes no value", op.as_str())),
        _ => Ok(Condition { field, op, value }),
    }
}

fn parse_op(word: &str) -> Option<FilterOp> {
    match word {
        "=" | "==" => return Some(FilterOp::Eq),
        "!=" | "<>" => return Some(FilterOp::Ne),
        ">" => return Some(FilterOp::Gt),
        "<" => return Some(FilterOp::Lt),
        _ => {}
    }
    FilterOp::ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word))
}

/// One token at the start of `s`: a quoted string (with `\"`, `\\`, `\n`, `\t`, `\r`) or
/// everything up to the next whitespace. Returns the token and what follows it.
fn token(s: &str) -> Result<(String, &str), String> {
    let Some(body) = s.strip_prefix('"') else {
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        return Ok((s[..end].to_owned(), &s[end..]));
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, other)) => out.push(other),
                None => break,
            },
            other => out.push(other),
        }
    }
    Err("a quote is not closed".to_owned())
}

/// An unquoted value: a JSON number, true/false, or else text.
fn bare_value(s: &str) -> Value {
    match s {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        // serde_json refuses leading zeros, so "01234" (a zip code) stays text.
        _ => serde_json::from_str::<Number>(s).map(Value::Number).unwrap_or_else(|_| Value::String(s.to_owned())),
    }
}

fn field_needs_quotes(field: &str) -> bool {
    field.is_empty() || field.starts_with(['"', '#']) || field.contains(char::is_whitespace)
}

fn value_needs_quotes(value: &str) -> bool {
    value.is_empty()
        || value.starts_with('"')
        || value.contains(char::is_whitespace)
        || bare_value(value) != Value::String(value.to_owned())
}

fn quote_if_needed(s: &str, needed: bool) -> String {
    if !needed {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn filter(v: Value) -> Filter {
        serde_json::from_value(v).unwrap_or(Filter::Any(Vec::new()))
    }

    #[test]
    fn parses_conditions() {
        let text = "# customers with an email\nemail exists\n\nlifecyclestage eq customer\ncompany contains \"two words\"\namount gt 1000\n";
        let expected = filter(json!({"all": [
            {"field": "email", "op": "exists"},
            {"field": "lifecyclestage", "op": "eq", "value": "customer"},
            {"field": "company", "op": "contains", "value": "two words"},
            {"field": "amount", "op": "gt", "value": 1000}
        ]}));
        assert_eq!(Filter::parse_lines(text), Ok(expected));
    }

    #[test]
    fn parses_any_aliases_and_bare_values() {
        let text =
            "MATCH ANY\nstage = sales qualified lead\n\"Full Name\" != \"\"\nzip eq 01234\nvip == true\nx NOT_EXISTS";
        let expected = filter(json!({"any": [
            {"field": "stage", "op": "eq", "value": "sales qualified lead"},
            {"field": "Full Name", "op": "ne", "value": ""},
            {"field": "zip", "op": "eq", "value": "01234"},
            {"field": "vip", "op": "eq", "value": true},
            {"field": "x", "op": "not_exists"}
        ]}));
        assert_eq!(Filter::parse_lines(text), Ok(expected));
        assert_eq!(Filter::parse_lines(""), Ok(Filter::All(Vec::new())));
    }

    #[test]
    fn errors_name_the_line() {
        let err = |text: &str| Filter::parse_lines(text).map_err(|e| e.0);
        assert_eq!(
            err("a exists\nb equals c"),
            Err("Line 2: unknown operator 'equals' (use eq, ne, contains, exists, not_exists, gt or lt)".into())
        );
        assert_eq!(err("stage eq"), Err("Line 1: 'stage' eq needs a value".into()));
        assert_eq!(err("email exists yes"), Err("Line 1: 'email' exists takes no value".into()));
        assert_eq!(err("name eq \"open"), Err("Line 1: a quote is not closed".into()));
        assert_eq!(err("name eq \"a\" b"), Err("Line 1: unexpected text after the closing quote: b".into()));
        assert_eq!(
            err("email"),
            Err("Line 1: write a field, an operator and a value, like: lifecyclestage eq customer".into())
        );
    }

    #[test]
    fn round_trips() {
        let filters = [
            json!({"all": []}),
            json!({"any": []}),
            json!({"all": [{"field": "email", "op": "exists"}, {"field": "lifecyclestage", "op": "eq", "value": "customer"}]}),
            json!({"any": [
                {"field": "Full Name", "op": "contains", "value": "two words"},
                {"field": "#tag", "op": "ne", "value": "say \"hi\"\\now\nnext"},
                {"field": "n", "op": "gt", "value": 1.5},
                {"field": "n", "op": "lt", "value": "10"},
                {"field": "b", "op": "eq", "value": "true"},
                {"field": "b", "op": "eq", "value": false},
                {"field": "e", "op": "eq", "value": ""},
                {"field": "s", "op": "eq", "value": " padded "},
                {"field": "q", "op": "eq", "value": "\"quoted"},
                {"field": "match", "op": "eq", "value": "any"},
                {"field": "a.b", "op": "not_exists"}
            ]}),
        ];
        for f in filters {
            let f = filter(f);
            let text = f.to_lines();
            assert_eq!(Filter::parse_lines(&text), Ok(f.clone()), "{text}");
        }
    }

    #[test]
    fn writes_readable_lines() {
        let f = filter(json!({"any": [
            {"field": "email", "op": "exists"},
            {"field": "stage", "op": "eq", "value": "customer"},
            {"field": "Full Name", "op": "contains", "value": "two words"},
            {"field": "amount", "op": "gt", "value": 1000},
            {"field": "zip", "op": "eq", "value": "1000"}
        ]}));
        assert_eq!(
            f.to_lines(),
            "match any\nemail exists\nstage eq customer\n\"Full Name\" contains \"two words\"\namount gt 1000\nzip eq \"1000\""
        );
    }
}
