//! The subcommands.

use anyhow::Context;
use app::state::AppState;

use crate::config::{Cli, Command, DatabaseArgs};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.database, &cli.site).await,
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

async fn serve(database: &DatabaseArgs, site: &crate::config::SiteArgs) -> anyhow::Result<()> {
    let db = open(database).await?;
    tracing::info!(backend = db.backend().name(), "database ready");
    let router = crate::routes::router(AppState { db: db.clone() }, site.leptos_options());
    let listener = tokio::net::TcpListener::bind(site.addr)
        .await
        .with_context(|| format!("could not listen on {}", site.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!("listening on http://{addr}");
    crate::serve::serve(listener, router).await?;
    db.close().await;
    Ok(())
}
