//! The `server` binary: `serve` (default), `migrate`, `create-admin`, `embedded-db`.

mod data_commands;

use std::io::BufRead;

use anyhow::Context;
use app::auth::server::mfa::SecretBox;
use app::auth::server::password::PasswordWorkers;
use app::state::{AppState, AuthConfig};
use clap::Parser;
use leptos::prelude::{LeptosOptions, get_configuration};
use server::config::{
    Cli, Command, CreateAdminArgs, DbConfig, EmbeddedDbAction, ScratchDbArgs, ServeArgs,
};
use server::create_admin::{self as admin, InitialPassword};
use server::db::{self, Database, embedded::EmbeddedPostgres};
use tokio_util::sync::CancellationToken;

/// mimalloc rather than glibc's malloc: serving a list page allocates and frees many small
/// buffers (rows, JSON, headers) across two threads, and glibc's allocator took about 15 % of the
/// server's CPU in that work (perf, 2026-12-04).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    let cli = Cli::parse();
    let command = match cli.command {
        Some(command) => command,
        // No subcommand means `serve`, with its options from the environment.
        None => Cli::parse_from(["server", "serve"])
            .command
            .expect("serve parses"),
    };
    match command {
        Command::Serve(args) => serve(&cli.db, args).await,
        Command::Migrate => {
            let database = Database::connect(&cli.db).await?;
            db::migrate(&database.pool).await?;
            println!("migrations applied");
            database.shutdown().await
        }
        Command::CreateAdmin(args) => create_admin(&cli.db, args).await,
        Command::EmbeddedDb { action } => embedded_db(&cli.db, action).await,
        Command::ScratchDb(args) => scratch_db(&cli.db, args).await,
        Command::AuditVerify => data_commands::audit_verify(&cli.db).await,
        Command::DemoData(args) => data_commands::demo_data(&cli.db, &args).await,
        Command::BenchBare { listen } => {
            let database = Database::connect(&cli.db).await?;
            server::bench_bare::serve(database.pool.clone(), listen).await
        }
        Command::Backup { full } => data_commands::backup(&cli.db, full).await,
        Command::Backups => data_commands::backups(&cli.db).await,
        Command::Restore { to } => data_commands::restore(&cli.db, &to).await,
        Command::Export { file } => data_commands::export(&cli.db, &file).await,
        Command::Import { file } => data_commands::import(&cli.db, &file).await,
    }
}

async fn serve(config: &DbConfig, args: ServeArgs) -> anyhow::Result<()> {
    let leptos_options = leptos_options()?;
    let addr = leptos_options.site_addr;

    let database = Database::connect(config).await?;
    // A restore refuses while this file names a live process.
    let _serving = server::ops::claim_data_dir(&config.data_dir)?;
    let result = async {
        db::migrate(&database.pool).await?;
        if let Some(initial) =
            admin::ensure_super_admin(&database.pool, args.superadmin_password).await?
        {
            announce_super_admin(&initial);
        }
        let public_url = args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        let has_mfa_secrets = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM users WHERE mfa_secret IS NOT NULL) AS "any!""#
        )
        .fetch_one(&database.pool)
        .await?;
        let key = server::secrets::load_or_create(
            args.secret_key.as_deref(),
            &config.data_dir,
            !has_mfa_secrets,
        )?;
        let mailer = server::mail::Mailer::new(args.smtp_url.as_deref(), &args.mail_from)?;
        let dev_mailbox = args.dev_mailbox
            && matches!(mailer, server::mail::Mailer::DevMailbox)
            && addr.ip().is_loopback()
            && !public_url.starts_with("https://");
        if matches!(mailer, server::mail::Mailer::DevMailbox) {
            tracing::warn!(
                "OAP_SMTP_URL is unset: mail goes to this log{}",
                if dev_mailbox {
                    " and to /dev/mailbox"
                } else {
                    ""
                }
            );
        }
        let workers = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let live = app::live::server::LiveHub::new();
        let state = AppState {
            leptos_options,
            pool: database.pool.clone(),
            auth: AuthConfig {
                https: public_url.starts_with("https://"),
                public_url,
                secrets: SecretBox::new(&key),
                dev_mailbox,
                passwords: PasswordWorkers::new(workers),
            },
            counts: app::list::counts::CountCache::new(&live),
            live,
        };
        let rate_limit = match args.auth_rate_limit_per_minute {
            Some(n) => server::http::AuthRateLimit::per_minute(n),
            None => server::http::AuthRateLimit::from_settings(&database.pool).await?,
        }
        .trusting(args.trusted_proxies.0.clone());
        let metrics = server::metrics::Metrics::new();
        let backups = database.embedded.clone().map(|pg| {
            let gauge = metrics.last_backup_gauge();
            server::ops::spawn_backup_schedule(pg, database.pool.clone(), move |at| {
                gauge.set(at.timestamp());
            })
        });
        let housekeeping = {
            let (rate_limit, pool) = (rate_limit.clone(), database.pool.clone());
            let audit_dir = config.data_dir.join("audit");
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
                let mut minutes = 0_u64;
                loop {
                    every.tick().await;
                    if minutes.is_multiple_of(10)
                        && let Err(e) = server::housekeeping::audit_check(&pool).await
                    {
                        tracing::warn!(error = %e, "audit chain check failed; retrying later");
                    }
                    // The audit trail's own daily files, apart from the database and its backups.
                    if minutes.is_multiple_of(60) {
                        match server::ops::export_audit_days(&pool, &audit_dir).await {
                            Ok(0) => {}
                            Ok(days) => tracing::info!(days, "audit trail exported"),
                            Err(e) => tracing::warn!(error = %e, "audit export failed; retrying in an hour"),
                        }
                    }
                    minutes += 1;
                    rate_limit.retain_recent();
                    match server::housekeeping::sweep(&pool).await {
                        Ok(swept) if swept.is_empty() => {}
                        Ok(swept) => tracing::info!(?swept, "housekeeping"),
                        Err(e) => tracing::warn!(error = %e, "housekeeping failed; retrying later"),
                    }
                }
            })
        };
        // Survey reminders: due ones go out within a few minutes of a day's start (or of a
        // restart), each once (recorded in the sending transaction).
        let reminders = {
            let (pool, public_url) = (database.pool.clone(), state.auth.public_url.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
                loop {
                    every.tick().await;
                    let today = app::modules::surveys::server::service::today();
                    match app::modules::surveys::server::reminders::send_due(
                        &pool,
                        today,
                        &public_url,
                    )
                    .await
                    {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(dealers = n, "survey reminders sent"),
                        Err(e) => {
                            tracing::warn!(error = %e, "survey reminders failed; retrying later")
                        }
                    }
                }
            })
        };
        let live_hub = state.live.clone();
        let live_listener = server::live::spawn_listener(database.pool.clone(), state.live.clone());
        let live_for_metrics = state.live.clone();
        let mut app = server::http::router(state, rate_limit);
        let metrics_server = match args.metrics_addr {
            Some(metrics_addr) => {
                app = app.layer(axum::middleware::from_fn_with_state(
                    metrics.clone(),
                    server::metrics::measure,
                ));
                let listener = tokio::net::TcpListener::bind(metrics_addr)
                    .await
                    .with_context(|| format!("binding the metrics address {metrics_addr}"))?;
                tracing::info!("metrics on http://{metrics_addr}/metrics");
                let router =
                    server::metrics::router(metrics, database.pool.clone(), live_for_metrics);
                Some(tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, router).await {
                        tracing::warn!(error = %e, "the metrics listener stopped");
                    }
                }))
            }
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let stop = CancellationToken::new();
        let mail_worker = server::mail::spawn_worker(database.pool.clone(), mailer, stop.clone());
        tracing::info!("listening on http://{addr}");
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Open event streams end now rather than holding the shutdown until pages close.
            live_hub.send(app::live::server::Fanout::Shutdown);
        })
        .await
        .context("serving HTTP");
        stop.cancel();
        if let Some(metrics_server) = metrics_server {
            metrics_server.abort();
        }
        housekeeping.abort();
        if let Some(backups) = backups {
            backups.abort();
        }
        reminders.abort();
        live_listener.abort();
        let _ = mail_worker.await;
        served
    }
    .await;
    // Whatever happened, stop the embedded cluster cleanly before exiting.
    let stopped = database.shutdown().await;
    result.and(stopped)
}

/// The site layout: from the LEPTOS_* variables cargo-leptos sets, or, when the binary is started
/// by hand, the same defaults as `[[workspace.metadata.leptos]]` (with LEPTOS_SITE_ADDR and
/// LEPTOS_SITE_ROOT still honoured).
fn leptos_options() -> anyhow::Result<LeptosOptions> {
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() {
        return Ok(get_configuration(None)
            .context("reading the Leptos configuration (LEPTOS_* variables)")?
            .leptos_options);
    }
    let addr: std::net::SocketAddr = match std::env::var("LEPTOS_SITE_ADDR") {
        Ok(value) => value
            .parse()
            .context("LEPTOS_SITE_ADDR must be host:port")?,
        Err(_) => ([127, 0, 0, 1], 3000).into(),
    };
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    Ok(LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build())
}

fn announce_super_admin(initial: &InitialPassword) {
    match initial {
        InitialPassword::Generated(password) => println!(
            "\n  Super admin created: {email}\n  One-time password:   {password}\n  \
             It is shown only this once and stored only as a hash. Sign in and change it.\n",
            email = admin::SUPER_ADMIN_EMAIL
        ),
        InitialPassword::Supplied => println!(
            "Super admin created: {} (password from OAP_SUPERADMIN_PASSWORD)",
            admin::SUPER_ADMIN_EMAIL
        ),
    }
}

async fn create_admin(config: &DbConfig, args: CreateAdminArgs) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        None
    };
    let database = Database::connect(config).await?;
    let result = async {
        db::migrate(&database.pool).await?;
        admin::create_admin(
            &database.pool,
            &args.email,
            &args.name,
            &args.role,
            password,
        )
        .await
    }
    .await;
    database.shutdown().await?;
    match result? {
        InitialPassword::Generated(p) => {
            println!(
                "Administrator {} created. One-time password: {p}",
                args.email
            )
        }
        InitialPassword::Supplied => println!("Administrator {} created.", args.email),
    }
    Ok(())
}

async fn embedded_db(config: &DbConfig, action: EmbeddedDbAction) -> anyhow::Result<()> {
    let pg = EmbeddedPostgres::start(
        &config.data_dir,
        config.pg_bin_dir.as_deref(),
        &config.pg_os_user,
    )
    .await?;
    match action {
        EmbeddedDbAction::Start => println!("{}", pg.url(db::embedded::SUPERUSER)),
        EmbeddedDbAction::Stop => pg.stop_now().await?,
    }
    Ok(())
}

async fn scratch_db(config: &DbConfig, args: ScratchDbArgs) -> anyhow::Result<()> {
    let url = config
        .database_url
        .as_deref()
        .context("scratch-db needs DATABASE_URL")?;
    let scratch_url = db::recreate_database(url, &args.name).await?;
    if args.migrate {
        let pool = db::pool(scratch_url.parse()?, 2).await?;
        db::migrate(&pool).await?;
        pool.close().await;
    }
    println!("{scratch_url}");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; axum then stops accepting and drains in-flight requests.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
