//! The embedded cluster keeps its data across restarts and is reachable only through its socket.

use std::os::unix::fs::PermissionsExt;

use server::db::{self, embedded::EmbeddedPostgres};

#[tokio::test]
async fn the_embedded_cluster_keeps_data_across_a_restart() {
    let Some(_) = db::embedded::find_bin_dir(None) else {
        panic!("PostgreSQL server binaries are required (scripts/bootstrap.sh installs them)");
    };
    let dir = tempfile::Builder::new()
        .prefix("oap-embedded-")
        .tempdir()
        .unwrap();
    // As root the cluster runs as the `postgres` user, which must be able to enter the directory.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();

    let pg = EmbeddedPostgres::start(dir.path(), None, "postgres")
        .await
        .unwrap();
    let pool = db::pool(pg.connect_options("postgres"), 2).await.unwrap();
    sqlx::query("CREATE TABLE kept (note text)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO kept VALUES ('still here')")
        .execute(&pool)
        .await
        .unwrap();
    let tz: String = sqlx::query_scalar("SHOW timezone")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tz, "UTC", "application connections run in UTC");
    pool.close().await;
    pg.stop().await.unwrap();

    let pg = EmbeddedPostgres::start(dir.path(), None, "postgres")
        .await
        .unwrap();
    let pool = db::pool(pg.connect_options("postgres"), 2).await.unwrap();
    let note: String = sqlx::query_scalar("SELECT note FROM kept")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(note, "still here");
    let listen: String = sqlx::query_scalar("SHOW listen_addresses")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(listen, "", "no TCP port is opened");
    pool.close().await;
    pg.stop().await.unwrap();
}
