//! Where the master key comes from: `HITCH_MASTER_KEY`, or a key file in the data folder that
//! is created on first start (with a loud warning, since losing it loses every credential).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::MasterKey;
use crate::config::Settings;

/// How the key was obtained, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKeySource {
    Environment,
    KeyFile,
    GeneratedKeyFile,
}

pub fn load_or_create_master_key(
    settings: &Settings,
) -> anyhow::Result<(MasterKey, MasterKeySource)> {
    if let Some(raw) = &settings.master_key {
        let key = MasterKey::from_base64(raw.expose()).context(
            "HITCH_MASTER_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)",
        )?;
        return Ok((key, MasterKeySource::Environment));
    }
    let path = settings.data_dir.join("master.key");
    if path.exists() {
        let raw =
            std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
        let key = MasterKey::from_base64(&raw)
            .with_context(|| format!("{} does not hold a valid key", path.display()))?;
        return Ok((key, MasterKeySource::KeyFile));
    }
    let key = MasterKey::generate();
    write_key_file(&path, &key)?;
    Ok((key, MasterKeySource::GeneratedKeyFile))
}

fn write_key_file(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("create data folder {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("create {}", path.display()))?;
    writeln!(file, "{}", key.to_base64()).with_context(|| format!("write {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("sync {}", path.display()))?;
    Ok(())
}
