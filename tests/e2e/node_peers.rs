//! Test peers that come from npm (Chromium through playwright-core, oauth2-mock-server):
//! where they are installed and whether they are there. Without them these tests are listed
//! as ignored, unless `HITCH_TEST_BROWSER=required` (set by .ci/run) makes them mandatory.

use std::path::{Path, PathBuf};
use std::process::Stdio;

pub fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

pub fn node_modules() -> PathBuf {
    node_dir().join("node_modules")
}

pub fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

pub fn required() -> bool {
    std::env::var("HITCH_TEST_BROWSER").is_ok_and(|v| v == "required")
}

/// What is missing to run node-based peers (`chromium` too when `browser`), if anything.
pub fn missing(browser: bool) -> Option<String> {
    if std::process::Command::new("node").arg("--version").stdout(Stdio::null()).status().is_err() {
        return Some("node is not installed".into());
    }
    if browser && !Path::new(&chromium()).exists() {
        return Some(format!("{} is missing (apt-get install chromium)", chromium()));
    }
    for package in ["playwright-core", "oauth2-mock-server"] {
        if !node_modules().join(package).exists() {
            return Some(format!("{package} is not installed (npm ci --prefix tests/browser)"));
        }
    }
    None
}
