//! The command line: `hitch serve` (the default), `hitch migrate`, `hitch default-config`, and
//! the scripting commands under `hitch admin`. Results go to stdout, logs and errors to stderr.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::auth::{password, tokens};
use crate::config::{EXAMPLE_CONFIG, Settings};
use crate::domain::{Email, Password, Role, TenantName};
use crate::startup::{Application, open_store, shutdown_signal};
use crate::storage::{NewAuditEntry, StoreError};

#[derive(Parser, Debug)]
#[command(name = "hitch", version, about = "Hitch: self-hosted integrations between the systems your business uses.")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web UI and the API (the default when no command is given).
    Serve,
    /// Run background workers only (no HTTP): add these beside `hitch serve` processes on a
    /// shared PostgreSQL to run more jobs at once.
    Worker {
        #[arg(long, default_value_t = crate::startup::WORKERS_PER_PROCESS)]
        workers: usize,
    },
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Serve stand-ins of the providers' OAuth and "who am I" endpoints (no database).
    Sandbox {
        #[arg(long, default_value = "127.0.0.1:4010")]
        bind: String,
    },
    /// Print an example configuration file.
    DefaultConfig,
    /// Administration for scripts: tenants, users, API tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
}

// The names are the commands scripts type (`create-tenant`, ...), so they share a prefix.
#[allow(clippy::enum_variant_names)]
#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create a tenant; prints its slug.
    CreateTenant {
        #[arg(long)]
        name: String,
    },
    /// Create a user; the password is read from stdin. Prints the user id.
    CreateUser {
        /// The tenant (slug) to add the user to.
        #[arg(long, required_unless_present = "support_staff", conflicts_with = "support_staff")]
        tenant: Option<String>,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "viewer")]
        role: String,
        /// A platform support account (read-only access to every tenant) instead of a member.
        #[arg(long)]
        support_staff: bool,
    },
    /// Put every stored credential under a new master key, while servers run. With a key file
    /// (no HITCH_MASTER_KEY), a new key is added to it first; with HITCH_MASTER_KEY set to the
    /// new key and the old one in HITCH_PREVIOUS_MASTER_KEYS, everything is re-encrypted under it.
    RotateKey,
    /// Create an API token; prints only the token (shown once, stored hashed).
    CreateToken {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

/// Parses the command line, runs the command, maps failure to exit code 1 with the reason.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("hitch: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hitch: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::DefaultConfig = command {
        return write_stdout(EXAMPLE_CONFIG);
    }
    if let Command::Sandbox { bind } = &command {
        crate::telemetry::init(crate::config::LogFormat::Pretty);
        return crate::sandbox::serve(bind, shutdown_signal()).await;
    }
    let settings = Settings::load()?;
    crate::telemetry::init(settings.log_format);
    match command {
        Command::Serve => serve(settings).await,
        Command::Worker { workers } => {
            crate::startup::run_workers(settings, workers.clamp(1, 64), shutdown_signal()).await
        }
        Command::Migrate => {
            open_store(&settings).await?;
            tracing::info!("database schema is up to date");
            Ok(())
        }
        Command::Admin(admin) => run_admin(settings, admin).await,
        Command::DefaultConfig | Command::Sandbox { .. } => Ok(()),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let addr = app.local_addr()?;
    tracing::info!(
        address = %addr,
        url = %app.state().settings.public_url,
        database = ?app.state().store.backend(),
        "Hitch is serving"
    );
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).context("write to stdout")?;
    if !text.ends_with('\n') {
        out.write_all(b"\n").context("write to stdout")?;
    }
    out.flush().context("write to stdout")
}

/// The password piped to stdin, without its final line break.
fn read_password() -> anyhow::Result<Password> {
    let mut raw = String::new();
    std::io::stdin().read_to_string(&mut raw).context("read the password from stdin")?;
    let raw = raw.strip_suffix('\n').unwrap_or(&raw);
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    Password::parse(raw.to_owned()).map_err(|e| anyhow::anyhow!("password from stdin: {e}"))
}

fn system_audit(action: &str, target: &str, detail: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: "system:cli".into(),
        action: action.into(),
        target: target.into(),
        detail: detail.into(),
        ..NewAuditEntry::default()
    }
}

async fn run_admin(settings: Settings, command: AdminCommand) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    let tenant_by_slug = |slug: String| {
        let store = store.clone();
        async move {
            match store.tenant_by_slug(&slug).await {
                Ok(t) => Ok(t),
                Err(StoreError::NotFound) => Err(anyhow::anyhow!("no tenant with the slug {slug:?}")),
                Err(other) => Err(other.into()),
            }
        }
    };
    let parse_role = |raw: &str| Role::parse(raw).map_err(|e| anyhow::anyhow!("--role: {e}"));
    let result = match command {
        AdminCommand::CreateTenant { name } => {
            let name = TenantName::parse(&name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let tenant = store.create_tenant(&name).await?;
            store.tenant(&tenant.id).audit(&system_audit("tenant.created", &tenant.slug, name.as_str())).await?;
            write_stdout(&tenant.slug)
        }
        AdminCommand::CreateUser { tenant, email, role, support_staff } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = parse_role(&role)?;
            let target = match tenant {
                Some(slug) => Some(tenant_by_slug(slug).await?),
                None => None,
            };
            let hash = password::hash(&read_password()?).await?;
            let created = match &target {
                Some(tenant) => store.create_member_user(&tenant.id, &email, &hash, role).await,
                None => store.create_user(&email, &hash, support_staff).await,
            };
            let user = match created {
                Ok(user) => user,
                Err(StoreError::Conflict(_)) => {
                    anyhow::bail!("a user with the email {email} already exists")
                }
                Err(other) => return Err(other.into()),
            };
            match &target {
                Some(tenant) => {
                    let entry = system_audit("member.added", email.as_str(), &format!("as {role}"));
                    store.tenant(&tenant.id).audit(&entry).await?;
                }
                None => store.audit_platform(&system_audit("support_staff.created", email.as_str(), "")).await?,
            }
            write_stdout(&user.id)
        }
        AdminCommand::RotateKey => {
            let ring = if settings.master_key.is_some() {
                crate::secrets::reload(&settings)?
            } else {
                crate::secrets::rotate_key_file(&settings)?
            };
            let report = crate::connections::rotation::reencrypt_all(&store, &ring).await?;
            let key_id = ring.current_key_id();
            store
                .audit_platform(&system_audit(
                    "secrets.key_rotated",
                    key_id,
                    &format!("{} credentials re-encrypted", report.reencrypted),
                ))
                .await?;
            if !report.unreadable.is_empty() {
                anyhow::bail!(
                    "{} credentials could not be opened with any known key (connections {}); they were left as they are",
                    report.unreadable.len(),
                    report.unreadable.join(", ")
                );
            }
            tracing::info!(
                key_id,
                reencrypted = report.reencrypted,
                already_current = report.already_current,
                still_changing = report.remaining,
                "credentials are under the new master key"
            );
            write_stdout(key_id)
        }
        AdminCommand::CreateToken { tenant, name, role } => {
            let role = parse_role(&role)?;
            let name = name.trim();
            if !(1..=60).contains(&name.chars().count()) {
                anyhow::bail!("--name: use 1 to 60 characters");
            }
            let tenant = tenant_by_slug(tenant).await?;
            let secret = tokens::generate(tokens::API_TOKEN_PREFIX);
            let scope = store.tenant(&tenant.id);
            scope.create_api_token(name, role, &tokens::hash(&secret), &tokens::last_four(&secret), None).await?;
            scope.audit(&system_audit("api_token.created", name, &format!("role {role}"))).await?;
            write_stdout(&secret)
        }
    };
    store.close().await;
    result
}
