//! Templates: literal text with `{{field}}` placeholders, parsed once and rendered per record.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::path::FieldPath;
use super::text::kind_phrase;

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// Bytes of literal text, to size the output once instead of growing it per record.
    literal_len: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Field(FieldPath),
}

impl Template {
    /// Parses `{{name}}` placeholders (spaces inside the braces are ignored; dotted paths
    /// allowed). Text outside placeholders, including a lone `}}`, is literal.
    pub(crate) fn parse(source: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let at = source.len() - rest.len() + open;
            let position = source[..at].chars().count() + 1;
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(format!(
                    "the template has a '{{{{' at character {position} that is never closed with '}}}}'"
                ));
            };
            let name = after[..close].trim();
            if name.is_empty() {
                return Err(format!("the template has an empty placeholder at character {position}"));
            }
            if name.contains("{{") {
                return Err(format!(
                    "the template has a '{{{{' at character {position} that is never closed with '}}}}'"
                ));
            }
            parts.push(Part::Field(FieldPath::new(name)));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        let literal_len = parts.iter().map(|p| if let Part::Text(t) = p { t.len() } else { 0 }).sum();
        Ok(Self { parts, literal_len })
    }

    /// The placeholders' field names, in order.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Field(path) => Some(path.name()),
            Part::Text(_) => None,
        })
    }

    /// The text for one record. A missing or null field renders as nothing; an object or a
    /// list is an error, because its JSON in the middle of a name or sentence is never wanted.
    pub(crate) fn render(&self, record: &Map<String, Value>) -> Result<String, String> {
        let mut out = String::with_capacity(self.literal_len + 16 * self.parts.len());
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(path) => match path.get(record) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(s)) => out.push_str(s),
                    Some(Value::Number(n)) => {
                        // Writing to a String cannot fail.
                        let _ = write!(out, "{n}");
                    }
                    Some(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
                    Some(other) => {
                        let name = path.name();
                        return Err(format!(
                            "'{name}' is {}, which cannot be placed in a template (use a path such as {name}.name)",
                            kind_phrase(other)
                        ));
                    }
                },
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn render(template: &str, record: Value) -> Result<String, String> {
        let Value::Object(record) = record else { return Err("not an object".into()) };
        Template::parse(template)?.render(&record)
    }

    #[test]
    fn renders_fields_and_literals() {
        let rec = json!({"firstname": "Ada", "lastname": "Lovelace", "n": 3, "vip": true,
                         "address": {"city": "London"}, "blank": null});
        assert_eq!(render("{{firstname}} {{lastname}}", rec.clone()), Ok("Ada Lovelace".into()));
        assert_eq!(render("{{ firstname }}!", rec.clone()), Ok("Ada!".into()));
        assert_eq!(render("Dear {{firstname}},", rec.clone()), Ok("Dear Ada,".into()));
        assert_eq!(render("{{address.city}}", rec.clone()), Ok("London".into()));
        assert_eq!(render("#{{n}} {{vip}}", rec.clone()), Ok("#3 true".into()));
        assert_eq!(render("[{{missing}}][{{blank}}]", rec.clone()), Ok("[][]".into()));
        assert_eq!(render("no placeholders", rec.clone()), Ok("no placeholders".into()));
        assert_eq!(render("", rec.clone()), Ok("".into()));
        assert_eq!(render("a }} b", rec.clone()), Ok("a }} b".into()));
        assert_eq!(render("{{firstname}}{{lastname}}", rec), Ok("AdaLovelace".into()));
    }

    #[test]
    fn objects_cannot_be_rendered() {
        assert_eq!(
            render("{{address}}", json!({"address": {"city": "London"}})),
            Err("'address' is an object, which cannot be placed in a template (use a path such as address.name)".into())
        );
        assert!(render("{{tags}}", json!({"tags": ["a"]})).is_err_and(|e| e.starts_with("'tags' is a list")));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            Template::parse("Hi {{firstname"),
            Err("the template has a '{{' at character 4 that is never closed with '}}'".into())
        );
        assert_eq!(Template::parse("é{{}}"), Err("the template has an empty placeholder at character 2".into()));
        assert_eq!(Template::parse("{{   }}"), Err("the template has an empty placeholder at character 1".into()));
        assert!(Template::parse("{{a {{b}}").is_err());
        assert!(Template::parse("{{a}} {{").is_err());
    }

    #[test]
    fn lists_placeholders() {
        let t = Template::parse("{{a}} and {{ b.c }}").map(|t| t.fields().map(str::to_owned).collect::<Vec<_>>());
        assert_eq!(t, Ok(vec!["a".to_owned(), "b.c".to_owned()]));
    }
}
