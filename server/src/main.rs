//! The `server` binary: `serve` (default), `migrate`, `create-admin`, `embedded-db`.

use std::io::BufRead;

use anyhow::Context;
use app::state::AppState;
use clap::Parser;
use leptos::prelude::get_configuration;
use server::admin::{self, InitialPassword};
use server::config::{
    Cli, Command, CreateAdminArgs, DbConfig, EmbeddedDbAction, ScratchDbArgs, ServeArgs,
};
use server::db::{self, Database, embedded::EmbeddedPostgres};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
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
    }
}

async fn serve(config: &DbConfig, args: ServeArgs) -> anyhow::Result<()> {
    // cargo-leptos passes the site layout in LEPTOS_* variables; started by hand from the repository,
    // the binary reads the same settings from Cargo.toml.
    let from_manifest = std::env::var_os("LEPTOS_OUTPUT_NAME").is_none()
        && std::path::Path::new("Cargo.toml").is_file();
    let leptos_options = get_configuration(from_manifest.then_some("Cargo.toml"))
        .context("reading the Leptos configuration (LEPTOS_* variables or Cargo.toml)")?
        .leptos_options;
    let addr = leptos_options.site_addr;

    let database = Database::connect(config).await?;
    let result = async {
        db::migrate(&database.pool).await?;
        if let Some(initial) =
            admin::ensure_super_admin(&database.pool, args.superadmin_password).await?
        {
            announce_super_admin(&initial);
        }
        let state = AppState {
            leptos_options,
            pool: database.pool.clone(),
        };
        let app = server::http::router(state);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        tracing::info!("listening on http://{addr}");
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving HTTP")
    }
    .await;
    // Whatever happened, stop the embedded cluster cleanly before exiting.
    let stopped = database.shutdown().await;
    result.and(stopped)
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
