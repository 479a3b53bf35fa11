//! Runs and record errors as table rows.

use hitch_app::models::{RecordErrorRow, RunCounts as CountsView, RunRow, Status};

use crate::http::display::timestamp;
use crate::storage::{RecordError, Run};

pub fn status(run: &Run) -> (Status, String) {
    match run.status.as_str() {
        "running" => (Status::Running, "running".into()),
        "queued" => (Status::Pending, "queued".into()),
        "succeeded" => (Status::Healthy, "succeeded".into()),
        "succeeded_with_errors" => {
            (Status::SucceededWithErrors, format!("succeeded with {} errors", run.counts.failed))
        }
        "interrupted" => (Status::Failing, "interrupted".into()),
        _ => (Status::Failing, format!("failed: {}", run.error_message)),
    }
}

fn duration(run: &Run, now: i64) -> String {
    match run.started_at {
        Some(start) => {
            let ms = run.finished_at.unwrap_or(now) - start;
            if ms < 1000 { format!("{ms} ms") } else { format!("{:.1} s", ms as f64 / 1000.0) }
        }
        None => "—".into(),
    }
}

pub fn row(run: &Run, recipe_name: &str, tz: chrono_tz::Tz, now: i64) -> RunRow {
    let (status, status_label) = status(run);
    let c = &run.counts;
    RunRow {
        id: run.id.clone(),
        recipe_id: run.recipe_id.clone(),
        recipe_name: recipe_name.to_owned(),
        status,
        status_label,
        trigger: run.trigger.clone(),
        counts: CountsView {
            read: c.read,
            created: c.created,
            updated: c.updated,
            unchanged: c.unchanged,
            skipped: c.skipped,
            failed: c.failed,
        },
        started: run.started_at.map(|at| timestamp(at, tz, now)),
        duration: duration(run, now),
    }
}

pub fn error_row(e: &RecordError, recipe_name: &str, tz: chrono_tz::Tz, now: i64) -> RecordErrorRow {
    RecordErrorRow {
        id: e.id.clone(),
        run_id: e.run_id.clone(),
        recipe_name: recipe_name.to_owned(),
        source_id: e.source_id.clone(),
        stage: e.stage.clone(),
        message: e.message.clone(),
        payload: serde_json::from_str::<serde_json::Value>(&e.payload)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| e.payload.clone()),
        status: e.status.clone(),
        at: timestamp(e.created_at, tz, now),
    }
}

/// Recipe names by id, for rows that name their recipe.
pub fn recipe_names(recipes: &[crate::storage::Recipe]) -> std::collections::HashMap<String, String> {
    recipes.iter().map(|r| (r.id.clone(), r.name.clone())).collect()
}
