//! Every log line the servers in this test binary write, at debug level, kept in memory so a
//! test can prove that no secret reaches the logs. `TEST_LOG=1` prints them to stderr instead.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

static BUFFER: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();

fn buffer() -> &'static Mutex<Vec<u8>> {
    BUFFER.get_or_init(|| Mutex::new(Vec::new()))
}

struct Sink;

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = buffer().lock() {
            b.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber (or the stderr one with `TEST_LOG`).
pub fn install() {
    if std::env::var_os("TEST_LOG").is_some() {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::new("debug,hyper=info,h2=info,rustls=info,sqlx=debug");
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(|| Sink).try_init();
}

/// Everything logged so far.
pub fn text() -> String {
    buffer().lock().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}
