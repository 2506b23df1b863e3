//! The embedded cluster keeps its data across restarts and is reachable only through its socket.

mod common;

use server::db::{self, embedded::EmbeddedPostgres};

#[tokio::test]
async fn the_embedded_cluster_keeps_data_across_a_restart() {
    let Some(_) = db::embedded::find_bin_dir(None) else {
        panic!("PostgreSQL server binaries are required (scripts/bootstrap.sh installs them)");
    };
    let dir = common::cluster_dir("oap-embedded-");

    let pg = EmbeddedPostgres::start(dir.path(), None, "postgres")
        .await
        .unwrap();
    let pool = common::cluster_pool(&pg).await;
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
    let pool = common::cluster_pool(&pg).await;
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

/// `kill -9` of PostgreSQL in the middle of a transaction, and then its process number taken by
/// another program (what a container restart or a reboot does): the next start recovers by
/// itself, with every committed row and nothing of the transaction that was cut off.
#[tokio::test]
async fn the_embedded_cluster_recovers_from_kill_9_and_a_stale_postmaster_pid() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let dir = common::cluster_dir("oap-embedded-crash-");
    let pg = EmbeddedPostgres::start(dir.path(), None, "postgres")
        .await
        .unwrap();
    let pool = common::cluster_pool(&pg).await;
    sqlx::query("CREATE TABLE kept (note text)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO kept VALUES ('committed')")
        .execute(&pool)
        .await
        .unwrap();
    let mut open = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO kept VALUES ('cut off')")
        .execute(&mut *open)
        .await
        .unwrap();

    let lock = pg.cluster_dir().join("postmaster.pid");
    let text = std::fs::read_to_string(&lock).unwrap();
    let postmaster: i32 = text.lines().next().unwrap().trim().parse().unwrap();
    kill(Pid::from_raw(postmaster), Signal::SIGKILL).unwrap();
    drop(open);
    pool.close().await;
    // Another program now holds the number the lock file names.
    let mut squatter = std::process::Command::new("sleep")
        .arg("300")
        .spawn()
        .unwrap();
    let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
    std::fs::write(&lock, format!("{}\n{rest}", squatter.id())).unwrap();

    let pg = EmbeddedPostgres::start(dir.path(), None, "postgres")
        .await
        .expect("the cluster starts again by itself");
    let pool = common::cluster_pool(&pg).await;
    let notes: Vec<String> = sqlx::query_scalar("SELECT note FROM kept ORDER BY note")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(notes, ["committed"]);
    pool.close().await;
    pg.stop().await.unwrap();
    squatter.kill().unwrap();
    squatter.wait().unwrap();
}
