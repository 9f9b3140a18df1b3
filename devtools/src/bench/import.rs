//! `server bench import`: the contacts import of a generated CSV (some rows
//! quoted, tagged, duplicated or malformed) into a new store, timed, then
//! the same file again (nothing to do: every row a repeat).

use std::{fmt::Write, time::Instant};

use db::Db;

pub async fn run(db: &Db, rows: usize) -> anyhow::Result<()> {
    let store = db::stores::create_store(db, "Import benchmark", "USD").await?;
    let run = db::time::now_ms();
    let csv = contacts(rows, run);
    println!(
        "{}: contacts import into a new store, {rows} rows, {:.1} MB",
        db.backend().name(),
        csv.len() as f64 / 1e6
    );
    for pass in ["import", "re-import"] {
        let started = Instant::now();
        let summary = db::customers::import::import_contacts(
            db,
            store,
            "contacts.csv",
            csv.as_bytes(),
            None,
            db::time::now_ms(),
        )
        .await?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "  {pass}: {seconds:.1} s = {:.0} rows/s; created {}, updated {}, unchanged {}, \
             tagged {}, rejected {}",
            summary.rows as f64 / seconds,
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.tagged,
            summary.rejected.len()
        );
    }
    Ok(())
}

/// `rows` data rows: every 50th a duplicate of an earlier email (other
/// case), every 97th a malformed email, every 10th quoted with a comma and
/// a quote in the name, every 4th with tags.
fn contacts(rows: usize, run: i64) -> String {
    let mut csv = String::from("Full Name,E-mail,Tags\n");
    for i in 0..rows {
        let email = if i % 50 == 49 {
            format!("Person{}.{run}@Example.com", i / 2)
        } else if i % 97 == 96 {
            format!("person{i}.{run}-at-example.com")
        } else {
            format!("person{i}.{run}@example.com")
        };
        let name = if i % 10 == 0 {
            format!("\"Lee, Ann \"\"{i}\"\"\"")
        } else {
            format!("Person {i}")
        };
        let tags = match i % 4 {
            0 => "vip;newsletter",
            1 => "webinar",
            _ => "",
        };
        let _ = writeln!(csv, "{name},{email},{tags}");
    }
    csv
}
