//! Crash safety (issue 5): the `server backfill` process killed with SIGKILL
//! at seeded random points, then run again, ends byte for byte where an
//! uninterrupted run on a copy of the same facts ends, and its checkpoint
//! only moves forward. Needs the debug `server` binary (scripts/test.sh
//! builds it before the tests: `cargo build -p server --bin server`).

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlx::Row;
use tests::{
    backfill::{dump, seeded},
    process::server_binary,
};

fn backfill_command(url: &str) -> Command {
    let mut command = Command::new(server_binary());
    command
        .args(["backfill", "--batch-size", "15", "--database-url", url])
        .env("RUST_LOG", "error")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null());
    command
}

/// (store, customer) of the newest run's checkpoint.
async fn checkpoint(db: &db::Db) -> (i64, i64) {
    let row = sqlx::query(
        "SELECT checkpoint_store, checkpoint_customer FROM backfill_runs ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(db.reader())
    .await
    .unwrap();
    match row {
        None => (i64::MIN, i64::MIN),
        Some(row) => (
            row.get::<Option<i64>, _>(0).unwrap_or(i64::MIN),
            row.get::<Option<i64>, _>(1).unwrap_or(i64::MIN),
        ),
    }
}

async fn counters(db: &db::Db) -> Vec<i64> {
    let row = sqlx::query(
        "SELECT rows_done, created, updated, unchanged, errors FROM backfill_runs \
         WHERE status = 'completed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(db.reader())
    .await
    .unwrap();
    (0..5).map(|i| row.get::<i64, _>(i)).collect()
}

#[tokio::test]
async fn killed_at_random_points_the_backfill_ends_as_an_uninterrupted_run() {
    let (reference, _) = seeded(2, 1_200).await;
    let (crashed, _) = seeded(2, 1_200).await;

    // The uninterrupted run, through the same binary; its time scales the kills.
    let started = Instant::now();
    let output = backfill_command(&reference.url).output().unwrap();
    let whole = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Found "), "{stdout}");
    assert!(stdout.contains("Backfill complete: "), "{stdout}");

    let mut rng = StdRng::seed_from_u64(5);
    let mut kills = 0;
    let mut last = checkpoint(&crashed.db).await;
    let mut advanced = 0;
    for _ in 0..30 {
        if kills >= 6 {
            break;
        }
        let delay = whole.mul_f64(rng.random_range(0.0..0.03));
        let mut child = backfill_command(&crashed.url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Once this process has committed a batch, a random moment later:
        // mid-batch, between batches, or while recording a checkpoint.
        let waiting = Instant::now();
        while checkpoint(&crashed.db).await <= last
            && child.try_wait().unwrap().is_none()
            && waiting.elapsed() < Duration::from_secs(60)
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(delay).await;
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        let now = checkpoint(&crashed.db).await;
        assert!(
            now >= last,
            "the checkpoint moved back: {last:?} -> {now:?}"
        );
        if !finished && now > last {
            advanced += 1;
        }
        last = now;
        if finished {
            break;
        }
    }
    assert!(kills >= 5, "only {kills} kills landed during the run");
    assert!(
        advanced >= 2,
        "the kills should land between batches at different points ({advanced} did)"
    );
    eprintln!("{kills} kills, {advanced} after progress, uninterrupted run {whole:?}");
    let done: Option<String> =
        sqlx::query_scalar("SELECT status FROM backfill_runs ORDER BY id DESC LIMIT 1")
            .fetch_optional(crashed.db.reader())
            .await
            .unwrap();
    if done.as_deref() != Some("completed") {
        let output = backfill_command(&crashed.url).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("Backfill complete: "), "{stdout}");
    }

    assert_eq!(
        dump(&crashed.db, true).await,
        dump(&reference.db, true).await
    );
    assert_eq!(counters(&crashed.db).await, counters(&reference.db).await);
}
