//! The subcommands of the core: `seed` and `api-key`.

use crate::{
    cli::open,
    config::{ApiKeyCommand, DatabaseArgs, SeedArgs},
};

pub async fn seed(database: &DatabaseArgs, args: SeedArgs) -> anyhow::Result<()> {
    let db = open(database).await?;
    let options = devtools::seed::SeedOptions {
        seed: args.seed,
        stores: args.stores,
        users: args.users,
        courses: args.courses,
        products: args.products,
        enrollments: args.enrollments,
        purchases: args.purchases,
        subscriptions: args.subscriptions,
        leads: args.leads,
        facts_only: args.facts_only,
        anchor_ms: args.anchor_ms,
        first_store_name: None,
    };
    eprintln!(
        "seeding {} stores, {} users, {} enrollments, {} purchases, {} subscriptions, {} leads ({})",
        options.stores,
        options.users,
        options.enrollments(),
        options.purchases(),
        options.subscriptions(),
        options.leads(),
        db.backend().name()
    );
    let report = devtools::seed::seed(&db, &options).await?;
    println!(
        "stores {:?}\nwrote {} identities, {} enrollments, {} purchases, {} subscriptions, {} leads \
         ({} facts, {} rows) in {:.1} s: {:.0} facts/s, {:.0} rows/s",
        report.store_ids,
        report.identities,
        report.enrollments,
        report.purchases,
        report.subscriptions,
        report.leads,
        report.facts(),
        report.rows,
        report.write_time.as_secs_f64(),
        report.facts_per_second(),
        report.rows_per_second(),
    );
    if options.facts_only {
        println!("customers left to the backfill (--facts-only)");
    } else {
        println!(
            "derived customers: {} created, {} updated in {:.1} s",
            report.derived.created,
            report.derived.updated,
            report.derive_time.as_secs_f64()
        );
    }
    db.close().await;
    Ok(())
}

pub async fn api_key(database: &DatabaseArgs, command: ApiKeyCommand) -> anyhow::Result<()> {
    let db = open(database).await?;
    match command {
        ApiKeyCommand::Create { store, name } => {
            let created = db::api_keys::create(&db, store, &name).await?;
            eprintln!(
                "key {} for store {store} ({}); the token is shown only now:",
                created.key.id, created.key.name
            );
            println!("{}", created.token);
        }
        ApiKeyCommand::Revoke { store, id } => {
            db::api_keys::revoke(&db, store, id).await?;
            println!("key {id} revoked");
        }
        ApiKeyCommand::List { store } => {
            for key in db::api_keys::list(&db, store).await? {
                println!(
                    "{}\t{}\t{}…\tcreated {}\t{}",
                    key.id,
                    key.name,
                    key.prefix,
                    key.created_at,
                    key.revoked_at
                        .map_or("active".to_string(), |at| format!("revoked {at}"))
                );
            }
        }
    }
    db.close().await;
    Ok(())
}
