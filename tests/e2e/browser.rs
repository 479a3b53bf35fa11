//! The browser walkthrough (tests/browser/walkthrough.mjs): headless Chromium driven by
//! playwright-core against a real server. Needs node, Debian's chromium and
//! `npm ci --prefix tests/browser`; without them it is listed as ignored, unless
//! `HITCH_TEST_BROWSER=required` (set by .ci/run) makes it mandatory.

use std::path::PathBuf;

use hitch_tests::{Backend, TestApp, TestDatabase};

use crate::node_peers;
use libtest_mimic::{Failed, Trial};

pub fn trial() -> Trial {
    let required = node_peers::required();
    let missing = node_peers::missing(true);
    if let (Some(why), false) = (&missing, required) {
        eprintln!("note: browser walkthrough SKIPPED (listed as ignored): {why}");
    }
    Trial::test("browser::walkthrough", move || {
        if let Some(why) = node_peers::missing(true) {
            return Err(Failed::from(format!("browser walkthrough required but {why}")));
        }
        run()
    })
    .with_ignored_flag(missing.is_some() && !required)
}

fn run() -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let db = TestDatabase::create(Backend::Sqlite).await.map_err(|e| format!("{e:#}"))?;
        let (sandbox, _sandbox_task) = crate::connections::sandbox().await.map_err(|e| format!("{e:#}"))?;
        let app = TestApp::spawn(&db, &[("HITCH_PROVIDERS_SANDBOX", sandbox.as_str())])
            .await
            .map_err(|e| format!("{e:#}"))?;
        let shots =
            std::env::var("HITCH_SCREENSHOTS").map(PathBuf::from).unwrap_or_else(|_| db.data_dir().join("screenshots"));
        let output = tokio::process::Command::new("node")
            .arg(node_peers::node_dir().join("walkthrough.mjs"))
            .arg(&app.base)
            .arg(&shots)
            .arg(&sandbox)
            .env("CHROMIUM", node_peers::chromium())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| format!("run node: {e}"))?;
        app.stop().await.map_err(|e| format!("{e:#}"))?;
        let _ = db.destroy().await;
        if output.status.success() {
            Ok(())
        } else {
            Err(Failed::from(format!(
                "walkthrough failed ({}):\n{}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    })
}
