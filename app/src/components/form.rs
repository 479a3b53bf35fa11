use leptos::prelude::*;

use crate::models::FieldState;

/// The hidden CSRF field every form carries.
#[component]
pub fn Csrf(#[prop(into)] token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf" value=token /> }
}

/// A labelled input with an optional hint and error. The error is tied to the input with
/// `aria-describedby` and flagged with `aria-invalid`, so screen readers announce it.
#[component]
pub fn Field(
    id: &'static str,
    name: &'static str,
    #[prop(into)] label: String,
    state: FieldState,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] readonly: bool,
    #[prop(optional)] list: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = [hint.is_some().then(|| hint_id.clone()), state.error.is_some().then(|| error_id.clone())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let described = (!described.is_empty()).then_some(described);
    let invalid = state.error.is_some().then_some("true");
    let class = if state.error.is_some() { "field field--error" } else { "field" };
    // Never echo a password back into the page.
    let value = (kind != "password").then_some(state.value);
    view! {
        <div class=class>
            <label for=id>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                readonly=readonly
                list=list
                aria-invalid=invalid
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{h}</p> })}
            {state.error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}

/// "admin" -> "Admin".
pub fn role_label(role: &str) -> String {
    let mut chars = role.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A `<select>` of roles with one preselected. Label it with a `<label for=id>` or `aria_label`.
#[component]
pub fn RoleSelect(
    #[prop(into)] id: String,
    roles: Vec<String>,
    #[prop(into)] selected: String,
    #[prop(optional, into)] aria_label: Option<String>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    view! {
        <select id=id name="role" aria-label=aria_label disabled=disabled>
            {roles
                .into_iter()
                .map(|role| {
                    let is_selected = role == selected;
                    let text = role_label(&role);
                    view! { <option value=role selected=is_selected>{text}</option> }
                })
                .collect_view()}
        </select>
    }
}
