//! Sign-up page: a new account and its first workspace.

use leptos::prelude::*;

use crate::components::{Csrf, Field};
use crate::models::{Chrome, SignupForm};
use crate::{shell, urls};

pub fn render(chrome: Chrome, form: SignupForm) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let SignupForm { company, email, password, error } = form;
        view! {
            <h1>"Create your Hitch account"</h1>
            {error.map(|e| view! { <div class="form-error" role="alert">{e}</div> })}
            <form class="stack" method="post" action=urls::SIGNUP>
                <Csrf token=csrf />
                <Field
                    id="signup-company"
                    name="company"
                    label="Company or team name"
                    state=company
                    autocomplete="organization"
                    required=true
                />
                <Field
                    id="signup-email"
                    name="email"
                    label="Email"
                    kind="email"
                    state=email
                    autocomplete="email"
                    required=true
                />
                <Field
                    id="signup-password"
                    name="password"
                    label="Password"
                    kind="password"
                    state=password
                    hint="At least 10 characters."
                    autocomplete="new-password"
                    required=true
                />
                <button type="submit" class="btn btn-primary btn-block">"Create account"</button>
            </form>
            <p class="auth-alt">"Already have an account? " <a href=urls::LOGIN>"Sign in"</a></p>
        }
    })
}
