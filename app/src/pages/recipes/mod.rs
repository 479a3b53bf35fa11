//! Recipes: the list, the editor (new or existing, with a preview that writes nothing), and one
//! recipe's page with its recent runs.

mod detail;
mod form;
mod list;
mod webhooks;

pub use detail::render_recipe;
pub use form::render_form;
pub use list::render_list;

/// "incremental" -> "Incremental", "full" / "full refresh" -> "Full refresh".
fn mode_label(mode: &str) -> String {
    match mode {
        "incremental" => "Incremental".to_owned(),
        "full" | "full refresh" | "full_refresh" => "Full refresh".to_owned(),
        other => other.to_owned(),
    }
}

/// What happens in the destination when a record is deleted in the source.
fn delete_policy_label(policy: &str) -> String {
    match policy {
        "ignore" => "Leave it in the destination".to_owned(),
        "propagate" => "Delete it in the destination too".to_owned(),
        "archive" => "Archive it in the destination".to_owned(),
        other => other.to_owned(),
    }
}

const DELETE_POLICIES: [&str; 3] = ["ignore", "propagate", "archive"];
