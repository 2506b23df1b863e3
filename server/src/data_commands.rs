//! The data commands of the binary: `backup`, `backups`, `restore`, `export`, `import` and
//! `audit-verify` and `demo-data` (the work is in `server::ops`, `server::db::backup`,
//! `app::audit::chain` and `server::demo_data`).

use anyhow::bail;
use server::config::{DbConfig, DemoDataArgs};
use server::db::{self, Database};
use server::ops;

/// Connects, migrates, runs `work` on the embedded cluster and pool, shuts down.
async fn with_embedded<F>(config: &DbConfig, work: F) -> anyhow::Result<()>
where
    F: AsyncFnOnce(&db::embedded::EmbeddedPostgres, &sqlx::PgPool) -> anyhow::Result<()>,
{
    if config.database_url.is_some() {
        bail!(
            "backups cover the embedded database; with DATABASE_URL, your PostgreSQL's own backups \
             do (see the README). `server export` works with either"
        );
    }
    let database = Database::connect(config).await?;
    let result = async {
        db::migrate(&database.pool).await?;
        let pg = database
            .embedded
            .clone()
            .expect("embedded without DATABASE_URL");
        work(&pg, &database.pool).await
    }
    .await;
    database.shutdown().await?;
    result
}

pub async fn backup(config: &DbConfig, full: bool) -> anyhow::Result<()> {
    with_embedded(config, async |pg, pool| {
        ops::backup_now(pg, pool, full).await
    })
    .await
}

pub async fn backups(config: &DbConfig) -> anyhow::Result<()> {
    with_embedded(config, async |pg, pool| ops::list_backups(pg, pool).await).await
}

pub async fn restore(config: &DbConfig, to: &str) -> anyhow::Result<()> {
    let target = ops::parse_target(to)?;
    if let Some(pid) = ops::running_server(&config.data_dir) {
        bail!("the server (pid {pid}) is running on this data directory: stop it first");
    }
    with_embedded(config, async |pg, pool| {
        pool.close().await;
        ops::restore(pg, target).await?;
        // Replay ends with a promotion; wait for it, so the next start finds a primary.
        let check = db::pool(pg.connect_options(db::embedded::SUPERUSER), 1).await?;
        for _ in 0..600 {
            let recovering: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
                .fetch_one(&check)
                .await?;
            if !recovering {
                check.close().await;
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        bail!("the restored cluster is still replaying after two minutes; see postgres.log")
    })
    .await
}

pub async fn export(config: &DbConfig, file: &std::path::Path) -> anyhow::Result<()> {
    let database = Database::connect(config).await?;
    let url = database_url(config, &database);
    let result = ops::export(&url, file, config.pg_bin_dir.as_deref()).await;
    database.shutdown().await?;
    result?;
    println!("exported to {}", file.display());
    Ok(())
}

pub async fn import(config: &DbConfig, file: &std::path::Path) -> anyhow::Result<()> {
    let database = Database::connect(config).await?;
    let url = database_url(config, &database);
    let result = ops::import(&database.pool, &url, file, config.pg_bin_dir.as_deref()).await;
    database.shutdown().await?;
    result?;
    println!("imported {}", file.display());
    Ok(())
}

fn database_url(config: &DbConfig, database: &Database) -> String {
    match (&config.database_url, &database.embedded) {
        (Some(url), _) => url.clone(),
        (None, Some(pg)) => pg.url(db::EMBEDDED_DATABASE),
        (None, None) => unreachable!("either DATABASE_URL or the embedded cluster"),
    }
}

pub async fn audit_verify(config: &DbConfig) -> anyhow::Result<()> {
    let database = Database::connect(config).await?;
    let result = async {
        db::migrate(&database.pool).await?;
        let mut conn = database.pool.acquire().await?;
        let started = std::time::Instant::now();
        let report = app::audit::chain::verify(&mut conn, 0).await?;
        app::audit::chain::record_check(&mut conn, &report).await?;
        let took = started.elapsed();
        match &report.broken {
            None => {
                println!(
                    "audit chain intact: {} entries checked in {took:.1?}",
                    report.rows_checked
                );
                Ok(true)
            }
            Some(broken) => {
                println!(
                    "audit chain BROKEN: {broken} (intact through entry {})",
                    report.through_seq
                );
                Ok::<_, anyhow::Error>(false)
            }
        }
    }
    .await;
    database.shutdown().await?;
    if !result? {
        std::process::exit(1);
    }
    Ok(())
}

/// `demo-data`: migrates, then generates the dealer network `args` describes.
pub async fn demo_data(config: &DbConfig, args: &DemoDataArgs) -> anyhow::Result<()> {
    let database = Database::connect(config).await?;
    let result = async {
        db::migrate(&database.pool).await?;
        server::demo_data::run(&database.pool, args).await
    }
    .await;
    database.shutdown().await?;
    result
}
