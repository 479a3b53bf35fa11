//! Save-time validation messages, checked word for word: they are what a person reads.

use serde_json::json;

use super::*;

fn spec(name: &str, kind: FieldKind, required: bool, read_only: bool) -> FieldSpec {
    FieldSpec { name: name.to_owned(), label: name.to_owned(), kind, required, read_only }
}

fn hubspot() -> Vec<FieldSpec> {
    ["email", "firstname", "lastname", "lifecyclestage", "createdate", "amount", "phone", "address"]
        .map(|n| spec(n, FieldKind::String, false, false))
        .to_vec()
}

fn airtable() -> Vec<FieldSpec> {
    vec![
        spec("email", FieldKind::String, true, false),
        spec("full_name", FieldKind::String, false, false),
        spec("status", FieldKind::String, false, false),
        spec("amount", FieldKind::Number, false, false),
        spec("active", FieldKind::Boolean, false, false),
        spec("id", FieldKind::String, false, true),
        spec("created", FieldKind::String, true, true),
    ]
}

fn messages(mapping: serde_json::Value) -> Vec<String> {
    let mapping: Mapping = match serde_json::from_value(mapping) {
        Ok(m) => m,
        Err(e) => return vec![format!("bad test mapping: {e}")],
    };
    let (source, dest) = (hubspot(), airtable());
    mapping
        .validate(Schema::new("HubSpot contacts", &source), Schema::new("Airtable Customers", &dest))
        .into_iter()
        .map(|p| p.message)
        .collect()
}

fn rules(rules: serde_json::Value) -> Vec<String> {
    let mut all = rules.as_array().cloned().unwrap_or_default();
    all.insert(0, json!({"target": "email", "source": {"field": "email"}}));
    messages(json!({ "rules": all }))
}

#[test]
fn a_good_mapping_has_no_problems() {
    assert_eq!(
        messages(json!({
            "rules": [
                {"target": "email", "source": {"field": "email"}, "transforms": [{"op": "trim"}, {"op": "lower"}]},
                {"target": "full_name", "source": {"template": "{{firstname}} {{ lastname }}"}},
                {"target": "status", "source": {"field": "address.city"}, "default": "n/a"},
                {"target": "amount", "source": {"field": "amount"}, "transforms": [{"op": "number"}]},
                {"target": "active", "source": {"constant": true}}
            ],
            "filter": {"all": [{"field": "email", "op": "exists"}]}
        })),
        Vec::<String>::new()
    );
}

#[test]
fn unknown_source_fields() {
    assert_eq!(
        rules(json!([
            {"target": "status", "source": {"field": "emial"}},
            {"target": "full_name", "source": {"template": "{{frstname}} {{lastname}}"}},
            {"target": "amount", "source": {"field": "deal.amount"}}
        ])),
        [
            "'status': HubSpot contacts has no field 'emial'.",
            "'full_name': the template refers to 'frstname', which HubSpot contacts does not have.",
            "'amount': HubSpot contacts has no field 'deal.amount'.",
        ]
    );
}

#[test]
fn unknown_source_fields_are_not_checked_when_the_source_lists_none() {
    let mapping: Result<Mapping, _> =
        serde_json::from_value(json!({"rules": [{"target": "email", "source": {"field": "anything"}}]}));
    let dest = airtable();
    let problems = mapping.map(|m| m.validate(Schema::new("Webhook", &[]), Schema::new("Airtable Customers", &dest)));
    assert_eq!(problems.map_err(|e| e.to_string()), Ok(Vec::new()));
}

#[test]
fn template_errors() {
    assert_eq!(
        rules(json!([
            {"target": "full_name", "source": {"template": "Hi {{firstname"}},
            {"target": "status", "source": {"template": "{{ }}"}}
        ])),
        [
            "'full_name': the template has a '{{' at character 4 that is never closed with '}}'.",
            "'status': the template has an empty placeholder at character 1.",
        ]
    );
}

#[test]
fn targets_must_exist_and_be_writable() {
    assert_eq!(
        rules(json!([
            {"target": "stage", "source": {"field": "lifecyclestage"}},
            {"target": "id", "source": {"field": "email"}},
            {"target": "", "source": {"field": "email"}}
        ])),
        [
            "'stage': Airtable Customers has no field 'stage'.",
            "'id': Airtable Customers sets this field itself, so it cannot be written.",
            "Rule 4: no destination field is chosen.",
        ]
    );
}

#[test]
fn duplicate_targets_are_reported_once() {
    assert_eq!(
        rules(json!([
            {"target": "email", "source": {"field": "phone"}},
            {"target": "email", "source": {"constant": "x"}}
        ])),
        ["'email': 3 rules write this field; keep one."]
    );
}

#[test]
fn transform_problems() {
    assert_eq!(
        rules(json!([
            {"target": "status", "source": {"field": "lifecyclestage"}, "transforms": [{"op": "lookup", "table": {}}]},
            {"target": "full_name", "source": {"field": "createdate"}, "transforms": [{"op": "date", "format": "%Y-%Q"}]},
            {"target": "amount", "source": {"field": "lifecyclestage"},
             "transforms": [{"op": "lookup", "table": {"a": 1}, "on_missing": "default"}]}
        ])),
        [
            "'status': the lookup table is empty; add at least one entry.",
            "'full_name': the date format '%Y-%Q' is not valid.",
            "'amount': the lookup uses the rule's default for unknown values, but the rule has no default.",
        ]
    );
}

#[test]
fn constants_and_defaults_must_fit_the_field() {
    assert_eq!(
        rules(json!([
            {"target": "amount", "source": {"constant": "abc"}},
            {"target": "active", "source": {"field": "phone"}, "transforms": [{"op": "lower"}], "default": "yes"},
            {"target": "status", "source": {"constant": 5}},
            {"target": "full_name", "source": {"constant": null}}
        ])),
        [
            "'amount': this field holds numbers, but the constant is 'abc'.",
            "'active': this field holds true/false, but the default is 'yes'.",
        ]
    );
    // Transformed constants are checked when the transforms run.
    assert_eq!(
        rules(json!([{"target": "amount", "source": {"constant": "12"}, "transforms": [{"op": "number"}]}])),
        Vec::<String>::new()
    );
}

#[test]
fn required_fields_need_a_rule() {
    assert_eq!(
        messages(json!({"rules": [{"target": "status", "source": {"field": "lifecyclestage"}}]})),
        ["Airtable Customers requires 'email': add a rule for it."]
    );
    let problems: Result<Vec<MappingProblem>, String> = serde_json::from_value::<Mapping>(json!({"rules": []}))
        .map(|m| {
            let dest = airtable();
            m.validate(Schema::new("HubSpot contacts", &hubspot()), Schema::new("Airtable Customers", &dest))
        })
        .map_err(|e| e.to_string());
    assert_eq!(
        problems,
        Ok(vec![
            MappingProblem {
                rule: None,
                target: None,
                message: "The mapping has no rules: add one for each field to fill.".into()
            },
            MappingProblem {
                rule: None,
                target: Some("email".into()),
                message: "Airtable Customers requires 'email': add a rule for it.".into()
            },
        ])
    );
}

#[test]
fn problems_point_at_the_rule() {
    let mapping: Result<Mapping, _> = serde_json::from_value(json!({"rules": [
        {"target": "email", "source": {"field": "email"}},
        {"target": "stage", "source": {"field": "x"}}
    ]}));
    let (source, dest) = (hubspot(), airtable());
    let problems = mapping.map(|m| m.validate(Schema::new("S", &source), Schema::new("D", &dest)));
    let located = problems.map(|p| p.into_iter().map(|p| (p.rule, p.target)).collect::<Vec<_>>());
    assert_eq!(
        located.map_err(|e| e.to_string()),
        Ok(vec![(Some(1), Some("stage".to_owned())), (Some(1), Some("stage".to_owned()))])
    );
}

#[test]
fn filter_problems() {
    assert_eq!(
        messages(json!({
            "rules": [{"target": "email", "source": {"field": "email"}}],
            "filter": {"all": [
                {"field": "stage", "op": "eq", "value": "customer"},
                {"field": "lifecyclestage", "op": "eq"},
                {"field": "email", "op": "exists", "value": "yes"}
            ]}
        })),
        [
            "Filter: 'lifecyclestage' eq needs a value.",
            "Filter: 'email' exists takes no value.",
            "Filter: HubSpot contacts has no field 'stage'.",
        ]
    );
    assert_eq!(
        messages(json!({"rules": [{"target": "email", "source": {"field": "email"}}], "filter": {"any": []}})),
        ["Filter: 'match any' has no conditions, so no record would pass."]
    );
}
