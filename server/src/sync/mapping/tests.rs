//! Mapping whole records: the stored format, defaults, the filter, and collected errors.

use serde_json::{Map, Value, json};

use super::*;

fn mapping(v: Value) -> Mapping {
    match serde_json::from_value(v) {
        Ok(m) => m,
        Err(e) => Mapping {
            rules: vec![Rule {
                target: format!("bad test mapping: {e}"),
                source: Source::Field(String::new()),
                transforms: Vec::new(),
                default: None,
            }],
            filter: None,
        },
    }
}

fn record(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The example from the format's description.
fn example() -> Value {
    json!({
      "rules": [
        {"target": "email", "source": {"field": "email"}, "transforms": [{"op": "trim"}, {"op": "lower"}]},
        {"target": "full_name", "source": {"template": "{{firstname}} {{lastname}}"}},
        {"target": "status", "source": {"field": "lifecyclestage"},
         "transforms": [{"op": "lookup", "table": {"lead": "L", "customer": "C"}, "on_missing": "error"}]},
        {"target": "origin", "source": {"constant": "hubspot"}},
        {"target": "signed_up", "source": {"field": "createdate"}, "transforms": [{"op": "date", "format": "%Y-%m-%d"}]},
        {"target": "amount", "source": {"field": "amount"}, "transforms": [{"op": "number"}]},
        {"target": "phone", "source": {"field": "phone"}, "default": "n/a"}
      ],
      "filter": {"all": [{"field": "email", "op": "exists"}, {"field": "lifecyclestage", "op": "eq", "value": "customer"}]}
    })
}

#[test]
fn the_stored_format_round_trips() {
    let parsed: Result<Mapping, _> = serde_json::from_value(example());
    let back = parsed.map(|m| serde_json::to_value(&m).ok());
    assert_eq!(back.map_err(|e| e.to_string()), Ok(Some(example())));
}

#[test]
fn lookup_tables_keep_their_order() {
    let json = r#"{"op":"lookup","table":{"z":1,"a":2,"m":3},"on_missing":"keep"}"#;
    let transform: Result<Transform, _> = serde_json::from_str(json);
    let back = transform.as_ref().map(|t| serde_json::to_string(t).ok());
    assert_eq!(back.map_err(|e| e.to_string()), Ok(Some(json.to_owned())));
}

#[test]
fn unknown_keys_are_refused() {
    for bad in [
        json!({"rules": [{"target": "a", "source": {"field": "a"}, "transform": [{"op": "trim"}]}]}),
        json!({"rules": [{"target": "a", "source": {"field": "a"}, "transforms": [{"op": "date", "formt": "%Y"}]}]}),
        json!({"rules": [{"target": "a", "source": {"field": "a"}, "transforms": [{"op": "reverse"}]}]}),
        json!({"rules": [{"target": "a", "source": {"column": "a"}}]}),
        json!({"rules": [], "filters": {"all": []}}),
    ] {
        assert!(serde_json::from_value::<Mapping>(bad.clone()).is_err(), "{bad}");
    }
}

#[test]
fn maps_the_example_record() {
    let compiled = mapping(example()).compile();
    let input = record(json!({
        "email": "  Ada@Example.COM ", "firstname": "Ada", "lastname": "Lovelace",
        "lifecyclestage": "customer", "createdate": "1709633472000", "amount": "1,234.50", "phone": ""
    }));
    let expected = record(json!({
        "email": "ada@example.com", "full_name": "Ada Lovelace", "status": "C", "origin": "hubspot",
        "signed_up": "2024-03-05", "amount": 1234.5, "phone": "n/a"
    }));
    assert_eq!(compiled.map(|c| c.apply(&input)), Ok(Ok(Some(expected))));
}

#[test]
fn the_filter_leaves_records_out() {
    let m = mapping(example());
    assert_eq!(m.apply(&record(json!({"email": "a@b.c", "lifecyclestage": "lead"}))), Ok(None));
    assert_eq!(m.apply(&record(json!({"lifecyclestage": "customer"}))), Ok(None));
    assert_eq!(m.apply(&record(json!({"email": "", "lifecyclestage": "customer"}))), Ok(None));
    // Filtered out before any rule runs: the bad amount is no error.
    assert_eq!(m.apply(&record(json!({"email": "a@b.c", "lifecyclestage": "lead", "amount": "x"}))), Ok(None));
}

#[test]
fn every_failing_rule_is_reported() {
    // From text, as stored and as sent: a `json!` value would sort the lookup table's keys.
    let m: Result<Mapping, _> = serde_json::from_str(
        r#"{"rules": [
            {"target": "amount", "source": {"field": "amount"}, "transforms": [{"op": "number"}]},
            {"target": "email", "source": {"field": "email"}},
            {"target": "status", "source": {"field": "stage"},
             "transforms": [{"op": "lookup", "table": {"lead": "L", "customer": "C"}, "on_missing": "error"}]},
            {"target": "signed_up", "source": {"field": "created"}, "transforms": [{"op": "date", "format": "%Y"}]},
            {"target": "name", "source": {"template": "{{address}}"}}
        ]}"#,
    );
    let m = m.unwrap_or_default();
    let input = record(json!({"amount": "abc", "email": "a@b.c", "stage": "partner", "created": "soon",
                              "address": {"city": "Oslo"}}));
    let problem = |target: &str, message: &str| RecordProblem {
        target: target.to_owned(),
        stage: "mapping".to_owned(),
        message: message.to_owned(),
    };
    assert_eq!(
        m.apply(&input),
        Err(vec![
            problem("amount", "'abc' is not a number"),
            problem("status", "no lookup entry for 'partner' (known: lead, customer)"),
            problem("signed_up", "'soon' is not a date (expected RFC 3339, YYYY-MM-DD or milliseconds since 1970)"),
            problem(
                "name",
                "'address' is an object, which cannot be placed in a template (use a path such as address.name)"
            ),
        ])
    );
}

#[test]
fn sensitive_values_stay_out_of_messages() {
    let m = mapping(json!({"rules": [
        {"target": "ssn", "source": {"field": "tax_id"}, "transforms": [{"op": "number"}]},
        {"target": "pin", "source": {"field": "card_pin"}, "transforms": [{"op": "number"}]}
    ]}));
    let result = m.apply(&record(json!({"tax_id": "123-45-6789", "card_pin": "12a4"})));
    let messages = result.map_err(|p| p.into_iter().map(|p| p.message).collect::<Vec<_>>());
    assert_eq!(messages, Err(vec!["the value is not a number".to_owned(), "the value is not a number".to_owned()]));
}

#[test]
fn defaults_and_missing_fields() {
    let m = mapping(json!({"rules": [
        {"target": "a", "source": {"field": "a"}, "default": "n/a"},
        {"target": "b", "source": {"field": "b"}, "default": "n/a"},
        {"target": "c", "source": {"field": "c"}, "default": "n/a"},
        {"target": "d", "source": {"field": "d"}, "transforms": [{"op": "trim"}], "default": 0},
        {"target": "e", "source": {"field": "e"}},
        {"target": "f", "source": {"field": "f"}},
        {"target": "g", "source": {"field": "g"}, "default": "n/a"},
        {"target": "h", "source": {"field": "h"},
         "transforms": [{"op": "lookup", "table": {"x": "X"}, "on_missing": "default"}], "default": "other"},
        {"target": "i", "source": {"field": "i"}, "transforms": [{"op": "number"}], "default": -1}
    ]}));
    let input = record(json!({"a": null, "b": "", "c": "set", "d": "   ", "f": null, "g": 0, "h": "y", "i": " "}));
    // Missing without a default: left out, so the destination keeps its value.
    let expected =
        record(json!({"a": "n/a", "b": "n/a", "c": "set", "d": 0, "f": null, "g": 0, "h": "other", "i": -1}));
    assert_eq!(m.apply(&input), Ok(Some(expected)));
    assert_eq!(m.apply(&record(json!({}))).map(|r| r.map(|r| r.get("a").cloned())), Ok(Some(Some(json!("n/a")))));
}

#[test]
fn constants_and_nested_paths() {
    let m = mapping(json!({"rules": [
        {"target": "tags", "source": {"constant": ["a", "b"]}},
        {"target": "none", "source": {"constant": null}, "default": "x"},
        {"target": "city", "source": {"field": "address.city"}, "transforms": [{"op": "upper"}]},
        {"target": "raw", "source": {"field": "address"}}
    ]}));
    let input = record(json!({"address": {"city": "Oslo", "zip": "0150"}}));
    let expected =
        record(json!({"tags": ["a", "b"], "none": "x", "city": "OSLO", "raw": {"city": "Oslo", "zip": "0150"}}));
    assert_eq!(m.apply(&input), Ok(Some(expected)));
}

#[test]
fn broken_mappings_do_not_compile() {
    let m = mapping(json!({
        "rules": [
            {"target": "a", "source": {"template": "{{x"}},
            {"target": "b", "source": {"field": "b"}, "transforms": [{"op": "date", "format": "%Q"}]}
        ],
        "filter": {"all": [{"field": "x", "op": "gt"}]}
    }));
    let messages = m.compile().map(|_| ()).map_err(|p| p.into_iter().map(|p| p.message).collect::<Vec<_>>());
    assert_eq!(
        messages,
        Err(vec![
            "'a': the template has a '{{' at character 1 that is never closed with '}}'.".to_owned(),
            "'b': the date format '%Q' is not valid.".to_owned(),
            "Filter: 'x' gt needs a value.".to_owned(),
        ])
    );
    assert!(m.apply(&record(json!({}))).is_err_and(|p| p.len() == 3 && p[2].target == "filter"));
}

#[test]
fn problems_display_as_text() {
    let p = RecordProblem { target: "amount".into(), stage: STAGE.into(), message: "'abc' is not a number".into() };
    assert_eq!(p.to_string(), "amount: 'abc' is not a number");
}

#[test]
fn a_compiled_mapping_can_move_to_a_worker() {
    fn send_and_sync<T: Send + Sync + 'static>() {}
    send_and_sync::<CompiledMapping>();
}
