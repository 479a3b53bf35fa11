//! Finding the npm test tools (tests/browser/node_modules) and the shared provider specs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's npm test-tool package.
pub fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser")
}

/// A file in `../shared/provider-specs/` (beside the clone, read-only; never copied in).
pub fn spec(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/provider-specs").join(relative)
}

pub fn node_works() -> bool {
    Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Prism's CLI entry point, if installed.
pub fn prism_cli() -> Option<PathBuf> {
    let path = browser_dir().join("node_modules/@stoplight/prism-cli/dist/index.js");
    (path.is_file() && node_works()).then_some(path)
}

/// Whether the Stripe schema check can run: node, ajv and yaml installed.
pub fn ajv_ready() -> bool {
    let modules = browser_dir().join("node_modules");
    node_works() && modules.join("ajv/package.json").is_file() && modules.join("yaml/package.json").is_file()
}

/// A port nobody is listening on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh, empty temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hitch-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
