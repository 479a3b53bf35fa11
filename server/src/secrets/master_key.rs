//! Where the master keys come from. Either the environment (`HITCH_MASTER_KEY`, plus
//! `HITCH_PREVIOUS_MASTER_KEYS` during a rotation), or the data folder's `master.key`, made
//! on first start with a loud warning: losing it loses every stored credential. The file
//! holds one key per line, current first, so `hitch admin rotate-key` can add a new key
//! while older ciphertexts stay readable.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{Keyring, MasterKey};
use crate::config::Settings;

/// How the keys were obtained, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKeySource {
    Environment,
    KeyFile,
    GeneratedKeyFile,
}

pub fn key_file(settings: &Settings) -> PathBuf {
    settings.data_dir.join("master.key")
}

fn parse_env(settings: &Settings) -> anyhow::Result<Option<Keyring>> {
    let Some(raw) = &settings.master_key else {
        return Ok(None);
    };
    let hint = "must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)";
    let current = MasterKey::from_base64(raw.expose()).with_context(|| format!("HITCH_MASTER_KEY {hint}"))?;
    let previous = settings
        .previous_master_keys
        .iter()
        .map(|k| {
            MasterKey::from_base64(k.expose()).with_context(|| format!("HITCH_PREVIOUS_MASTER_KEYS: each key {hint}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Some(Keyring::new(current, previous)))
}

fn read_key_file(path: &Path) -> anyhow::Result<Keyring> {
    let raw = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let mut keys = raw
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| MasterKey::from_base64(l).with_context(|| format!("{} holds an invalid key", path.display())));
    let current = keys.next().with_context(|| format!("{} is empty", path.display()))??;
    Ok(Keyring::new(current, keys.collect::<anyhow::Result<Vec<_>>>()?))
}

/// The keys this process uses, creating the key file when there is neither a key in the
/// environment nor a file.
pub fn load_or_create_master_key(settings: &Settings) -> anyhow::Result<(Keyring, MasterKeySource)> {
    if let Some(ring) = parse_env(settings)? {
        return Ok((ring, MasterKeySource::Environment));
    }
    let path = key_file(settings);
    if path.exists() {
        return Ok((read_key_file(&path)?, MasterKeySource::KeyFile));
    }
    let key = MasterKey::generate();
    write_key_file(&path, std::slice::from_ref(&key))?;
    Ok((Keyring::new(key, Vec::new()), MasterKeySource::GeneratedKeyFile))
}

/// Reads the keys again (another process may have rotated the key file).
pub fn reload(settings: &Settings) -> anyhow::Result<Keyring> {
    match parse_env(settings)? {
        Some(ring) => Ok(ring),
        None => read_key_file(&key_file(settings)),
    }
}

/// Puts a new current key at the top of the key file, keeping the old ones after it.
/// Replaces the file atomically, so a concurrent reader sees the old or the new file whole.
pub fn rotate_key_file(settings: &Settings) -> anyhow::Result<Keyring> {
    let path = key_file(settings);
    let old = read_key_file(&path)?;
    let mut keys = vec![MasterKey::generate()];
    keys.extend(old.keys().iter().cloned());
    let tmp = path.with_extension("key.new");
    let _ = std::fs::remove_file(&tmp);
    write_key_file(&tmp, &keys)?;
    std::fs::rename(&tmp, &path).with_context(|| format!("replace {}", path.display()))?;
    read_key_file(&path)
}

fn write_key_file(path: &Path, keys: &[MasterKey]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create data folder {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| format!("create {}", path.display()))?;
    for key in keys {
        writeln!(file, "{}", key.to_base64()).with_context(|| format!("write {}", path.display()))?;
    }
    file.sync_all().with_context(|| format!("sync {}", path.display()))?;
    Ok(())
}
