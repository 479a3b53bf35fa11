//! The `hitch` binary as scripts and operators use it: admin commands, serving with no
//! settings at all, graceful shutdown on SIGTERM. SQLite always; PostgreSQL too when
//! `HITCH_TEST_DATABASE_URL` names a server to create a database on.

// A test binary: failing loudly on the spot is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hitch");
const KEY: &str = "aGl0Y2gtdGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODk=";

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hitch-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `hitch args…` in `dir` with `env`, feeding `stdin`.
fn hitch(dir: &Path, env: &[(&str, String)], args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("HITCH_DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Polls `url` until it answers 200 or the deadline passes.
async fn wait_ready(url: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(resp) = reqwest::get(url).await
            && resp.status() == 200
        {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "hitch exited before it was ready");
        assert!(Instant::now() < deadline, "{url} not ready within 20 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "hitch did not exit within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The admin commands script a whole workspace, and what they make works over HTTP.
async fn admin_commands_script_a_workspace(dir: &Path, env: Vec<(&str, String)>) {
    let tenant = hitch(dir, &env, &["admin", "create-tenant", "--name", "Acme Corp"], "");
    assert!(tenant.status.success(), "{}", stderr(&tenant));
    assert_eq!(stdout(&tenant), "acme-corp");
    let again = hitch(dir, &env, &["admin", "create-tenant", "--name", "Acme Corp"], "");
    assert_eq!(stdout(&again), "acme-corp-2");

    let user = hitch(
        dir,
        &env,
        &["admin", "create-user", "--tenant", "acme-corp", "--email", "ada@acme.test", "--role", "owner"],
        "correct horse battery\n",
    );
    assert!(user.status.success(), "{}", stderr(&user));
    assert_eq!(stdout(&user).len(), 36, "prints the user id: {:?}", stdout(&user));
    let support = hitch(
        dir,
        &env,
        &["admin", "create-user", "--support-staff", "--email", "help@hitch.test"],
        "another long password",
    );
    assert!(support.status.success(), "{}", stderr(&support));

    let token =
        hitch(dir, &env, &["admin", "create-token", "--tenant", "acme-corp", "--name", "ci", "--role", "viewer"], "");
    assert!(token.status.success(), "{}", stderr(&token));
    let token = stdout(&token);
    assert!(token.starts_with("hitch_") && !token.contains('\n'), "prints only the token: {token:?}");

    let port = free_port();
    let mut env = env;
    env.push(("HITCH_BIND", format!("127.0.0.1:{port}")));
    let mut server = Command::new(BIN)
        .arg("serve")
        .current_dir(dir)
        .env_remove("HITCH_DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(&format!("http://127.0.0.1:{port}/readyz"), &mut server).await;
    let me: serde_json::Value = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["tenant"]["slug"], "acme-corp");
    assert_eq!(me["token"]["role"], "viewer");
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(wait_exit(&mut server, Duration::from_secs(15)).success());
}

#[tokio::test]
async fn admin_commands_on_sqlite() {
    let dir = temp_dir();
    admin_commands_script_a_workspace(&dir, vec![("HITCH_MASTER_KEY", KEY.into())]).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn admin_commands_on_postgres() {
    let Ok(admin) = std::env::var("HITCH_TEST_DATABASE_URL") else {
        eprintln!("note: PostgreSQL CLI test SKIPPED: set HITCH_TEST_DATABASE_URL to run it");
        return;
    };
    use sqlx::Connection;
    let name = format!("hitch_cli_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("HITCH_TEST_DATABASE_URL unreachable");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
    let dir = temp_dir();
    let env = vec![("HITCH_MASTER_KEY", KEY.into()), ("HITCH_DATABASE_URL", format!("{base}/{name}"))];
    admin_commands_script_a_workspace(&dir, env).await;
    assert!(!dir.join("hitch-data/hitch.db").exists(), "made a SQLite file in PostgreSQL mode");
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_admin_input_exits_1_with_the_reason() {
    let dir = temp_dir();
    let env = vec![("HITCH_MASTER_KEY", KEY.to_owned())];
    assert!(hitch(&dir, &env, &["admin", "create-tenant", "--name", "Acme"], "").status.success());
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &["admin", "create-user", "--tenant", "nope", "--email", "a@b.co"],
            "long enough pw",
            "no tenant with the slug \"nope\"",
        ),
        (&["admin", "create-user", "--tenant", "acme", "--email", "a@b.co"], "short", "at least 10 characters"),
        (&["admin", "create-user", "--tenant", "acme", "--email", "not-an-email"], "long enough pw", "--email"),
        (
            &["admin", "create-user", "--tenant", "acme", "--email", "a@b.co", "--role", "god"],
            "long enough pw",
            "--role",
        ),
        (&["admin", "create-token", "--tenant", "acme", "--name", ""], "", "--name"),
        (&["admin", "create-tenant", "--name", "x"], "", "at least 2 characters"),
    ];
    for (args, stdin, reason) in cases {
        let out = hitch(&dir, &env, args, stdin);
        assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?} printed to stdout on failure");
    }
    let ok = hitch(&dir, &env, &["admin", "create-user", "--tenant", "acme", "--email", "a@b.co"], "long enough pw");
    assert!(ok.status.success());
    let dup = hitch(&dir, &env, &["admin", "create-user", "--tenant", "acme", "--email", "A@B.co"], "long enough pw");
    assert!(stderr(&dup).contains("already exists"), "{}", stderr(&dup));
    let bad_url = hitch(&dir, &[("HITCH_DATABASE_URL", "mysql://x".into())], &["migrate"], "");
    assert!(stderr(&bad_url).contains("HITCH_DATABASE_URL"), "{}", stderr(&bad_url));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A fresh folder, no settings but the port: serves from ./hitch-data, warns about the key.
#[tokio::test]
async fn serves_with_no_settings_and_stops_on_sigterm() {
    let dir = temp_dir();
    let port = free_port();
    let mut server = Command::new(BIN)
        .current_dir(&dir)
        .env_remove("HITCH_DATABASE_URL")
        .env_remove("HITCH_MASTER_KEY")
        .env("HITCH_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(&format!("http://127.0.0.1:{port}/readyz"), &mut server).await;
    let login = reqwest::get(format!("http://127.0.0.1:{port}/login")).await.unwrap();
    assert_eq!(login.status(), 200);
    assert!(dir.join("hitch-data/hitch.db").exists(), "no SQLite file in ./hitch-data");
    let key = dir.join("hitch-data/master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600, "key file readable by others");
    }
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    let status = wait_exit(&mut server, Duration::from_secs(15));
    let mut log = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut log).unwrap();
    assert!(status.success(), "exit {status}: {log}");
    assert!(log.contains("NO HITCH_MASTER_KEY SET"), "no loud warning: {log}");
    assert!(log.contains("shutdown signal received"), "{log}");
    assert!(!log.contains(&std::fs::read_to_string(&key).unwrap().trim().to_owned()), "the key was logged");

    // A second start reuses the key file instead of making a new one.
    let before = std::fs::read_to_string(&key).unwrap();
    let migrate = hitch(&dir, &[], &["migrate"], "");
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), before);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn default_config_prints_an_example() {
    let out = hitch(&std::env::temp_dir(), &[], &["default-config"], "");
    assert!(out.status.success());
    assert!(stdout(&out).contains("database_url") && stdout(&out).contains("HITCH_"));
}

/// Spawns `hitch args…` in the background with `env`, output discarded.
fn spawn(dir: &Path, env: &[(&str, String)], args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("HITCH_DATABASE_URL")
        .env_remove("HITCH_MASTER_KEY")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// With the key in a file, `hitch admin rotate-key` adds a new key and re-encrypts every
/// credential while the server runs; the server picks the new key up by itself.
#[tokio::test]
async fn rotate_key_while_serving() {
    let dir = temp_dir();
    let (sandbox_port, port) = (free_port(), free_port());
    let mut sandbox = spawn(&dir, &[], &["sandbox", "--bind", &format!("127.0.0.1:{sandbox_port}")]);
    wait_ready(&format!("http://127.0.0.1:{sandbox_port}/_sandbox/health"), &mut sandbox).await;
    let env = vec![
        ("HITCH_BIND", format!("127.0.0.1:{port}")),
        ("HITCH_PROVIDERS_SANDBOX", format!("http://127.0.0.1:{sandbox_port}")),
    ];
    let mut server = spawn(&dir, &env, &["serve"]);
    wait_ready(&format!("http://127.0.0.1:{port}/readyz"), &mut server).await;
    assert!(hitch(&dir, &env, &["admin", "create-tenant", "--name", "Acme"], "").status.success());
    let token = stdout(&hitch(&dir, &env, &["admin", "create-token", "--tenant", "acme", "--name", "ops"], ""));

    let api = reqwest::Client::new();
    let created: serde_json::Value = api
        .post(format!("http://127.0.0.1:{port}/api/v1/connections"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"provider":"stripe","label":"Stripe","credentials":{"api_key":"sk_test_sandbox_rotate_1234"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["connection"]["id"].as_str().unwrap().to_owned();
    // A webhook endpoint's signing secret is sealed too, and must survive the rotation.
    let post = |path: &str, body: serde_json::Value| {
        let req = api.post(format!("http://127.0.0.1:{port}/api/v1{path}")).bearer_auth(&token).json(&body);
        async move { req.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let hubspot = post(
        "/connections",
        serde_json::json!({"provider":"hubspot","label":"HubSpot","credentials":{"access_token":"pat-sandbox-rotate-0001"}}),
    )
    .await;
    let recipe = post(
        "/recipes",
        serde_json::json!({
            "name": "Customers to contacts", "source_connection_id": id, "source_object": "customers",
            "destination_connection_id": hubspot["connection"]["id"], "destination_object": "contacts",
            "mapping": {"rules": [{"target": "email", "source": {"field": "email"}}]},
            "mode": "incremental", "upsert_key": "email"
        }),
    )
    .await;
    let recipe_id = recipe["id"].as_str().unwrap_or_else(|| panic!("recipe: {recipe}"));
    let hook = post(&format!("/recipes/{recipe_id}/webhooks"), serde_json::json!({})).await;
    let (hook_url, hook_secret) =
        (hook["url"].as_str().unwrap().to_owned(), hook["secret"].as_str().unwrap().to_owned());
    let key_file = dir.join("hitch-data/master.key");
    let old_key = std::fs::read_to_string(&key_file).unwrap();

    let rotated = hitch(&dir, &env, &["admin", "rotate-key"], "");
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let new_id = stdout(&rotated);
    let lines: Vec<String> = std::fs::read_to_string(&key_file).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "the key file keeps the old key after the new one");
    assert_eq!(lines[1], old_key.trim());
    assert_eq!(hitch::secrets::MasterKey::from_base64(&lines[0]).unwrap().id(), new_id);

    let tested: serde_json::Value = api
        .post(format!("http://127.0.0.1:{port}/api/v1/connections/{id}/test"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tested["ok"], true, "the running server lost the credentials: {tested}");
    let body = br#"{"id":"evt_rotate_1","type":"customer.updated","data":{"object":{"id":"cus_1"}}}"#.to_vec();
    let signature = hitch::webhooks::sign_stripe(hook_secret.as_bytes(), chrono::Utc::now().timestamp(), &body);
    let delivered = api
        .post(format!("http://127.0.0.1:{port}/hooks/{}", hook_url.rsplit_once("/hooks/").unwrap().1))
        .header(hitch::webhooks::STRIPE_SIGNATURE_HEADER, signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status(), 200, "the running server lost the webhook secret");
    let store =
        hitch::storage::Store::connect(&format!("sqlite://{}?mode=rw", dir.join("hitch-data/hitch.db").display()), 1)
            .await
            .unwrap();
    let rows = store.sealed_credentials().await.unwrap();
    assert!(rows.iter().all(|r| r.key_id == new_id), "not every credential is under the new key");
    let hooks = store.sealed_webhook_secrets().await.unwrap();
    assert!(hooks.len() == 1 && hooks[0].sealed.starts_with(&format!("v1:{new_id}:")), "webhook secret not re-sealed");
    store.close().await;

    for child in [&mut server, &mut sandbox] {
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        wait_exit(child, Duration::from_secs(15));
    }
    std::fs::remove_dir_all(dir).unwrap();
}
