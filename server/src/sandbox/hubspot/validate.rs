//! Property values a write may set, checked the way HubSpot checks them: unknown names
//! (`PROPERTY_DOESNT_EXIST`), read-only ones (`READ_ONLY_VALUE`), emails (`INVALID_EMAIL`),
//! numbers, dates and enumeration options. Values become strings; `null` or "" clears.

use serde_json::{Map, Value};

use super::errors::HsError;
use super::schema::{Kind, Object, PropRef};
use crate::sandbox::data::json::{iso_ms, parse_time_ms};
use crate::sandbox::data::words::hubspot_email_ok;

pub type Changes = Vec<(usize, Option<String>)>;

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub fn changes(object: Object, properties: Option<&Value>) -> Result<Changes, HsError> {
    let empty = Map::new();
    let props = match properties {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(HsError::validation("Invalid input JSON: properties must be an object")),
    };
    let mut out = Vec::with_capacity(props.len());
    for (name, raw) in props {
        let index = match object.lookup(name) {
            None => {
                return Err(HsError::property(
                    "PROPERTY_DOESNT_EXIST",
                    name,
                    &format!("Property \"{name}\" does not exist"),
                ));
            }
            Some(PropRef::Stored(i)) => i,
            Some(_) => {
                return Err(HsError::property(
                    "READ_ONLY_VALUE",
                    name,
                    &format!("\"{name}\" is a read only property; its value cannot be set."),
                ));
            }
        };
        out.push((index, checked(object, index, name, text_of(raw))?));
    }
    Ok(out)
}

fn checked(object: Object, index: usize, name: &str, value: Option<String>) -> Result<Option<String>, HsError> {
    let Some(v) = value else { return Ok(None) };
    match object.props()[index].kind {
        Kind::Email if !hubspot_email_ok(v.trim()) => {
            Err(HsError::property("INVALID_EMAIL", name, &format!("Email address {v} is invalid")))
        }
        Kind::Email => Ok(Some(v.trim().to_owned())),
        Kind::Number if v.trim().parse::<f64>().is_err() => {
            Err(HsError::property("INVALID_FLOAT", name, &format!("{v} was not a valid number for property {name}")))
        }
        Kind::DateTime => match parse_time_ms(&v) {
            Some(ms) => Ok(Some(iso_ms(ms))),
            None => Err(HsError::property(
                "INVALID_DATE",
                name,
                &format!("{v} was not a valid date-time for property {name}"),
            )),
        },
        Kind::Enum(options) if !options.iter().any(|(o, _)| *o == v) => {
            let allowed: Vec<&str> = options.iter().map(|(o, _)| *o).collect();
            Err(HsError::property(
                "INVALID_OPTION",
                name,
                &format!("{v} was not one of the allowed options: [{}]", allowed.join(", ")),
            ))
        }
        _ => Ok(Some(v)),
    }
}

/// The email a write sets, if it sets one (contacts only).
pub fn email_in(object: Object, changes: &Changes) -> Option<&str> {
    let i = object.unique_prop()?;
    changes.iter().find(|(j, _)| *j == i).and_then(|(_, v)| v.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hubspot_refusals() {
        let c = |v: Value| changes(Object::Contacts, Some(&v)).map_err(|e| e.code);
        assert_eq!(c(json!({"nope": "x"})), Err(Some("PROPERTY_DOESNT_EXIST")));
        assert_eq!(c(json!({"email": "a@example"})), Err(Some("INVALID_EMAIL")));
        assert_eq!(c(json!({"hs_object_id": "1"})), Err(Some("READ_ONLY_VALUE")));
        assert_eq!(c(json!({"lifecyclestage": "boss"})), Err(Some("INVALID_OPTION")));
        assert_eq!(c(json!({"email": "a@b.co", "firstname": null})), Ok(vec![(0, Some("a@b.co".into())), (1, None)]));
        let d = changes(Object::Deals, Some(&json!({"closedate": "2024-01-02"})));
        assert_eq!(d.ok(), Some(vec![(4, Some("2024-01-02T00:00:00.000Z".into()))]));
    }
}
