//! The `deskd` command: serve, migrate, provision tenants and API keys, write the OpenAPI documents.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use deskd::{
    config::{Config, Secret},
    domain::{KeyScope, Tenant, credentials::NewApiKeyInput, tenants::NewTenant},
    secrets,
    service::{credentials, demo, tenants},
    state::AppState,
};

// The request path allocates many small, short-lived objects; mimalloc handles them better than glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "deskd",
    version,
    about = "Multi-tenant helpdesk API server compatible with DeskDirector's API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve {
        /// Create (or refresh) a `demo` tenant with an admin, a technician, a company and a contact,
        /// print their credentials, and write them to `DESKD_DATA_DIR/demo.env`.
        #[arg(long, env = "DESKD_DEMO")]
        demo: bool,
        /// Listen address (overrides DESKD_BIND).
        #[arg(long)]
        bind: Option<SocketAddr>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage a tenant's API keys.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Deliver webhooks and mark missed chats without serving HTTP (`serve` does both too; run more
    /// of these to scale out).
    Worker,
    /// Fill a tenant with realistic companies, contacts, technicians and tickets (for benchmarks).
    Seed {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        plan: deskd::service::seed::SeedPlan,
    },
    /// Write the OpenAPI documents (v1, v2, v3, desk365, desk360) as JSON.
    Openapi {
        #[arg(long, default_value = "openapi")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant and its first master admin.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_password: String,
        /// A custom domain (repeatable).
        #[arg(long = "domain")]
        domains: Vec<String>,
    },
    /// List tenants.
    List,
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create an API key; the key is the last line printed.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        /// `read` or `read_write`.
        #[arg(long, default_value = "read_write")]
        scope: String,
        /// Days until the key expires (never, when absent).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List a tenant's API keys (never their secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke an API key by id.
    Revoke {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: String,
    },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(error) = run(cli).await {
        eprintln!("deskd: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    // Held until the command ends, so buffered traces are sent.
    let _telemetry = deskd::telemetry::init(config.log_format);
    match cli.command {
        Command::Openapi { out } => write_openapi(&out),
        Command::Worker => {
            let (database, state) = deskd::start(config).await?;
            state.listen_for_signals().await;
            deskd::service::workers::spawn(&state);
            tracing::info!("delivering webhooks, marking missed chats, forgetting stale uploads");
            deskd::shutdown::signal().await;
            drop(database);
            Ok(())
        }
        Command::Seed { tenant, plan } => seed_command(config, &tenant, plan).await,
        Command::Serve { demo, bind } => {
            if let Some(bind) = bind {
                config.bind = bind;
            }
            // The demo keeps its platform token (and API key) across restarts, in demo.env.
            let previous = std::fs::read_to_string(config.data_dir.join("demo.env")).ok();
            let demo_platform_token = if demo && config.platform_token.is_none() {
                let token = previous
                    .as_deref()
                    .and_then(|text| demo::env_value(text, "PLATFORM"))
                    .unwrap_or_else(|| secrets::generate_token("ddpl_"));
                config.platform_token = Some(Secret::new(token.clone()));
                Some(token)
            } else {
                None
            };
            let demo = demo.then(|| Demo {
                previous_key: previous.and_then(|text| demo::env_value(&text, "KEY")),
                platform_token: demo_platform_token,
            });
            serve(config, demo).await
        }
        Command::Migrate => {
            let (_db, _) = deskd::start(config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Tenant { command } => tenant_command(config, command).await,
        Command::ApiKey { command } => api_key_command(config, command).await,
    }
}

/// What `serve --demo` carries over from the previous run.
struct Demo {
    previous_key: Option<String>,
    /// The platform token made for the demo, when none is configured.
    platform_token: Option<String>,
}

async fn serve(config: Config, demo: Option<Demo>) -> anyhow::Result<()> {
    let bind = config.bind;
    let base_domain = config.base_domain.clone();
    let data_dir = config.data_dir.clone();
    let (database, state) = deskd::start(config).await?;
    state.listen_for_signals().await;
    state.watch_database();
    deskd::service::workers::spawn(&state);
    deskd::metrics::spawn_pool_sampler(state.pool.clone(), state.metrics.clone());
    if let Some(demo) = demo {
        let seeded = demo::seed(&state, demo.previous_key.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("seeding the demo tenant: {}", e.message))?;
        let site = Site {
            bind,
            base_domain: &base_domain,
            data_dir: &data_dir,
        };
        site.write_demo_env(&seeded.api_key, demo.platform_token.as_deref())?;
        site.print_demo(&seeded, demo.platform_token.as_deref());
    }
    let listener = deskd::http::server::listen(bind, state.config.listen_backlog)
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(%bind, base_domain = %base_domain, "deskd is listening");
    let (live, config) = (state.live.clone(), state.config.clone());
    deskd::http::server::serve(listener, deskd::build_app(state), &config, async move {
        deskd::shutdown::signal().await;
        // Event streams never finish by themselves: end them so the drain can.
        live.close_streams();
    })
    .await?;
    tracing::info!("stopped");
    drop(database);
    Ok(())
}

/// Where the demo is reached.
struct Site<'a> {
    bind: SocketAddr,
    base_domain: &'a str,
    data_dir: &'a std::path::Path,
}

impl Site<'_> {
    fn demo_host(&self) -> String {
        format!("{}.{}", demo::SLUG, self.base_domain)
    }

    /// The address a local client calls: the listen address, or loopback when it listens on all.
    fn base_url(&self) -> String {
        let ip = if self.bind.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            self.bind.ip().to_string()
        };
        let ip = if self.bind.is_ipv6() && !self.bind.ip().is_unspecified() {
            format!("[{ip}]")
        } else {
            ip
        };
        format!("http://{ip}:{}", self.bind.port())
    }

    /// `demo.env` in the data directory, readable by its owner only: it holds the demo's secrets.
    fn write_demo_env(&self, key: &str, platform: Option<&str>) -> anyhow::Result<()> {
        let data_dir = self.data_dir;
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        let text = demo::env_file(
            &self.base_url(),
            &self.demo_host(),
            self.base_domain,
            key,
            platform.unwrap_or(""),
        );
        // Written aside and renamed, so a reader never sees half a file.
        let path = data_dir.join("demo.env");
        let draft = data_dir.join("demo.env.new");
        std::fs::create_dir_all(data_dir)?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&draft)
            .with_context(|| format!("cannot write {}", draft.display()))?;
        file.write_all(text.as_bytes())?;
        std::fs::rename(&draft, &path)?;
        Ok(())
    }

    fn print_demo(&self, seeded: &demo::DemoCredentials, platform: Option<&str>) {
        let host = self.demo_host();
        let port = self.bind.port();
        println!();
        println!(
            "Demo helpdesk ready: http://{host}:{port} (or call {} with `Host: {host}`)",
            self.base_url()
        );
        println!(
            "  admin    {} / {}",
            demo::ADMIN_EMAIL,
            demo::ADMIN_PASSWORD
        );
        println!("  tech     {} / {}", demo::TECH_EMAIL, demo::TECH_PASSWORD);
        println!(
            "  contact  {} / {}",
            demo::CONTACT_EMAIL,
            demo::CONTACT_PASSWORD
        );
        let note = if seeded.kept {
            "the same as last run"
        } else {
            "new; earlier demo keys are revoked"
        };
        println!("  API key  {} ({note})", seeded.api_key);
        if let Some(token) = platform {
            println!("  platform token  {token}");
        }
        println!("  Swagger  http://{host}:{port}/swagger");
        let env = self.data_dir.join("demo.env");
        println!("  These are in {}: `. {}`", env.display(), env.display());
        println!();
    }
}

async fn tenant_command(config: Config, command: TenantCommand) -> anyhow::Result<()> {
    let (_db, state) = deskd::start(config).await?;
    match command {
        TenantCommand::Create {
            slug,
            name,
            admin_email,
            admin_password,
            domains,
        } => {
            let input = NewTenant {
                slug,
                name,
                admin_email,
                admin_password,
                admin_first_name: None,
                custom_domains: domains,
            };
            let (details, admin) = tenants::provision(&state, input)
                .await
                .map_err(service_error)?;
            println!(
                "created tenant `{}` ({}) with master admin {} (member {})",
                details.tenant.slug, details.tenant.name, admin.email, admin.id
            );
        }
        TenantCommand::List => {
            for details in tenants::list(&state).await.map_err(service_error)? {
                let t = details.tenant;
                println!(
                    "{}\t{}\t{}\t{}",
                    t.slug,
                    t.status.as_str(),
                    t.name,
                    details.custom_domains.join(",")
                );
            }
        }
    }
    Ok(())
}

async fn api_key_command(config: Config, command: ApiKeyCommand) -> anyhow::Result<()> {
    let (_db, state) = deskd::start(config).await?;
    match command {
        ApiKeyCommand::Create {
            tenant,
            name,
            scope,
            expires_in_days,
        } => {
            let tenant = tenant_named(&state, &tenant).await?;
            let scope = KeyScope::parse(&scope)
                .ok_or_else(|| anyhow::anyhow!("--scope must be `read` or `read_write`"))?;
            let input = NewApiKeyInput {
                name,
                scope,
                expires_at: expires_in_days
                    .map(|d| chrono::Utc::now() + chrono::Duration::days(d.into())),
            };
            let created = credentials::create_api_key(&state, &tenant, input, "cli")
                .await
                .map_err(service_error)?;
            println!(
                "created API key {} ({}) for tenant `{}`; it is shown once:",
                created.record.id, created.record.name, tenant.slug
            );
            println!("{}", created.secret);
        }
        ApiKeyCommand::List { tenant } => {
            let tenant = tenant_named(&state, &tenant).await?;
            let keys = credentials::list_api_keys(&state, &tenant)
                .await
                .map_err(service_error)?;
            for key in keys {
                let status = if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let (id, name, scope, prefix) =
                    (key.id, key.name, key.scope.as_str(), key.key_prefix);
                println!("{id}\t{name}\t{scope}\t{status}\t{prefix}…");
            }
        }
        ApiKeyCommand::Revoke { tenant, id } => {
            let tenant = tenant_named(&state, &tenant).await?;
            let key = credentials::revoke_api_key(&state, &tenant, &id)
                .await
                .map_err(service_error)?;
            println!("revoked API key {} ({})", key.id, key.name);
        }
    }
    Ok(())
}

async fn tenant_named(state: &AppState, slug: &str) -> anyhow::Result<Tenant> {
    tenants::get(state, slug)
        .await
        .map(|d| d.tenant)
        .map_err(service_error)
}

async fn seed_command(
    config: Config,
    slug: &str,
    plan: deskd::service::seed::SeedPlan,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        [
            plan.companies,
            plan.contacts,
            plan.technicians,
            plan.tickets,
            plan.comments_per_ticket
        ]
        .iter()
        .all(|n| (0..=10_000_000).contains(n))
            && (1..=36_500).contains(&plan.days),
        "counts must be between 0 and 10,000,000 and --days between 1 and 36,500"
    );
    let (_db, state) = deskd::start(config).await?;
    let tenant = deskd::repo::tenants::find_by_slug(&state.pool, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant `{slug}`"))?;
    let started = std::time::Instant::now();
    deskd::service::seed::seed(&state, &tenant, &plan, |step| println!("seeded {step}")).await?;
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn service_error(error: deskd::error::Error) -> anyhow::Error {
    match error.field {
        Some(field) => anyhow::anyhow!("{} ({field})", error.message),
        None => anyhow::anyhow!("{}", error.message),
    }
}

fn write_openapi(out: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    for (name, document) in deskd::http::api().documents {
        let path = out.join(format!("{name}.json"));
        std::fs::write(&path, deskd::http::openapi::to_pretty_json(&document))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
