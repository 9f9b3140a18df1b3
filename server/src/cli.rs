//! The subcommands.

use anyhow::Context;
use app::state::AppState;

use crate::config::{
    Cli, Command, DatabaseArgs, MailArgs, MemberCommand, SecurityArgs, SiteArgs, StoreCommand,
    UserCommand,
};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.database, &cli.site, &cli.security, &cli.mail).await,
        Command::User(command) => user(&cli.database, command).await,
        Command::Member(command) => member(&cli.database, command).await,
        Command::Store(command) => store(&cli.database, command).await,
        Command::Seed(args) => crate::core_cli::seed(&cli.database, args).await,
        Command::ApiKey(command) => crate::core_cli::api_key(&cli.database, command).await,
        Command::Bench(command) => crate::bench::run(&cli.database, &cli.mail, command).await,
        Command::Backfill(args) => crate::backfill_cli::run(&cli.database, args).await,
        Command::Migrate => {
            let db = open(&cli.database).await?;
            db.close().await;
            tracing::info!("migrations applied");
            Ok(())
        }
    }
}

/// Connects and migrates. Any failure here stops the process: the server
/// never runs on a schema it does not know.
pub async fn open(args: &DatabaseArgs) -> anyhow::Result<db::Db> {
    let db = db::Db::connect(&args.database_url, &args.pool_config())
        .await
        .context("could not open the database (check DATABASE_URL)")?;
    db.migrate()
        .await
        .context("could not migrate the database; the server will not start")?;
    Ok(db)
}

async fn serve(
    database: &DatabaseArgs,
    site: &SiteArgs,
    security: &SecurityArgs,
    mail_args: &MailArgs,
) -> anyhow::Result<()> {
    let db = open(database).await?;
    tracing::info!(backend = db.backend().name(), "database ready");
    if let Some((store, accounts)) = seed_demo_if_empty(&db).await? {
        tracing::info!("empty database: seeded a small demo store");
        println!(
            "\nDemo accounts (shown once; reset with `server user add`):\n  \
             platform admin: {} / {}\n  owner of \"{}\": {} / {}\n",
            accounts.admin.0, accounts.admin.1, store.name, accounts.owner.0, accounts.owner.1
        );
    }
    let listener = tokio::net::TcpListener::bind(site.addr)
        .await
        .with_context(|| format!("could not listen on {}", site.addr))?;
    let addr = listener.local_addr()?;
    let setup = mail::Setup::new(
        &mail_args.config(security.public_origin.as_deref(), &addr.to_string()),
        mail::signer(&db).await?,
        format!("{}:{}", hostname(), std::process::id()),
    );
    let sender = match (setup.worker(&db), &setup.refusal) {
        (Some(worker), _) => {
            tracing::info!(delivery = ?setup.delivery, rate = setup.settings.rate, "sending campaigns");
            Some(tokio::spawn(worker.run(std::future::pending())))
        }
        (None, refusal) => {
            tracing::warn!(
                refusal = refusal.as_deref().unwrap_or_default(),
                "not sending campaigns"
            );
            None
        }
    };
    let state = AppState::new(db.clone(), site.leptos_options()).with_mail(setup);
    let router = crate::routes::router(state, security);
    let purge = crate::auth::purge::spawn(db.clone());
    tracing::info!("listening on http://{addr}");
    crate::serve::serve(listener, router).await?;
    purge.abort();
    if let Some(sender) = sender {
        sender.abort();
    }
    db.close().await;
    Ok(())
}

async fn user(database: &DatabaseArgs, command: UserCommand) -> anyhow::Result<()> {
    let (email, password, admin, owner_of, member_of) = match command {
        UserCommand::Add {
            email,
            password,
            admin,
            owner_of,
            member_of,
        } => (email, password, admin, owner_of, member_of),
        UserCommand::Remove { email } => {
            let db = open(database).await?;
            db::accounts::remove_account(&db, &email)
                .await
                .with_context(|| format!("account {email}"))?;
            println!("account {email} removed; its sessions have ended");
            db.close().await;
            return Ok(());
        }
    };
    let password = match password {
        Some(password) => password,
        None => {
            eprintln!("password for {email}:");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let db = open(database).await?;
    let id = db::accounts::upsert_account(&db, &email, &password, admin).await?;
    for (store, role) in [
        (owner_of, db::accounts::Role::Owner),
        (member_of, db::accounts::Role::Member),
    ] {
        if let Some(store) = store {
            db::stores::get_store(&db, store)
                .await
                .with_context(|| format!("store {store}"))?;
            db::accounts::add_member(&db, store, id, role).await?;
        }
    }
    println!(
        "account {id}: {email}{}",
        if admin { " (platform admin)" } else { "" }
    );
    db.close().await;
    Ok(())
}

async fn member(database: &DatabaseArgs, command: MemberCommand) -> anyhow::Result<()> {
    let MemberCommand::Remove { store, email } = command;
    let db = open(database).await?;
    let account = db::accounts::find_by_email(&db, &email)
        .await?
        .with_context(|| format!("no account {email}"))?;
    db::accounts::remove_member(&db, store, account.id)
        .await
        .with_context(|| format!("{email} in store {store}"))?;
    println!("{email} removed from store {store}");
    db.close().await;
    Ok(())
}

async fn store(database: &DatabaseArgs, command: StoreCommand) -> anyhow::Result<()> {
    let StoreCommand::Create {
        name,
        currency,
        owner,
        time_zone,
    } = command;
    let db = open(database).await?;
    let (store_id, owner) = db::accounts::create_store_with_owner(
        &db,
        &name,
        &currency.to_uppercase(),
        &time_zone,
        &owner,
    )
    .await?;
    println!(
        "store {store_id}: {name} ({}), owned by {}",
        currency.to_uppercase(),
        owner.email
    );
    if let Some(password) = owner.one_time_password {
        println!(
            "new account {}; its password is shown only now: {password}",
            owner.email
        );
    }
    db.close().await;
    Ok(())
}

/// On an empty database: a small demo store, a platform admin and the
/// store's owner, with fresh passwords that the caller shows once (only their
/// hashes are kept).
pub async fn seed_demo_if_empty(
    db: &db::Db,
) -> anyhow::Result<Option<(db::stores::Store, db::accounts::DemoAccounts)>> {
    if !devtools::seed::seed_demo_if_empty(db).await? {
        return Ok(None);
    }
    let store = db::stores::list_stores(db, "", None)
        .await?
        .into_iter()
        .next()
        .context("the demo seed made no store")?;
    let accounts = db::accounts::create_demo_accounts(db, store.id).await?;
    Ok(Some((store, accounts)))
}

/// This machine's name, for the outbox's worker names.
fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "server".into())
}
