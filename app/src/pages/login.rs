//! Sign-in page.

use leptos::prelude::*;

use crate::components::{Csrf, Field};
use crate::models::{Chrome, FieldState, LoginForm};
use crate::{shell, urls};

pub fn render(chrome: Chrome, form: LoginForm) -> String {
    let csrf = chrome.csrf.clone();
    shell::document(chrome, move || {
        let LoginForm { email, error, next } = form;
        view! {
            <h1>"Sign in to Hitch"</h1>
            {error.map(|e| view! { <div class="form-error" role="alert">{e}</div> })}
            <form class="stack" method="post" action=urls::LOGIN>
                <Csrf token=csrf />
                <input type="hidden" name="next" value=next />
                <Field
                    id="login-email"
                    name="email"
                    label="Email"
                    kind="email"
                    state=email
                    autocomplete="username"
                    required=true
                />
                <Field
                    id="login-password"
                    name="password"
                    label="Password"
                    kind="password"
                    state=FieldState::default()
                    autocomplete="current-password"
                    required=true
                />
                <button type="submit" class="btn btn-primary btn-block">"Sign in"</button>
            </form>
            <p class="auth-alt">"New to Hitch? " <a href=urls::SIGNUP>"Create an account"</a></p>
        }
    })
}
