use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{Error, Result},
};

/// tower-sessions storage over our database (`db::sessions`). Session ids
/// are stored hashed: a leaked table does not hand out live sessions.
///
/// The library slides a session's expiry forward on use (the idle timeout);
/// this store also ends it `lifetime` after its sign-in, however active it
/// is: the stored expiry never passes that deadline, and a session loaded
/// past it is gone.
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: db::Db,
    lifetime_ms: i64,
}

impl DbSessionStore {
    pub fn new(db: db::Db, lifetime: std::time::Duration) -> Self {
        DbSessionStore {
            db,
            lifetime_ms: i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// When the session's sign-in stops being valid, if it is signed in.
    fn deadline(&self, record: &Record) -> Option<i64> {
        let signed_in: app::auth::SignedIn =
            serde_json::from_value(record.data.get(app::auth::SIGNED_IN_KEY)?.clone()).ok()?;
        Some(signed_in.at_ms.saturating_add(self.lifetime_ms))
    }

    fn encode(&self, record: &Record) -> Result<(String, i64)> {
        let (data, idle_expiry) = encode(record)?;
        let expires_at = self
            .deadline(record)
            .map_or(idle_expiry, |deadline| idle_expiry.min(deadline));
        Ok((data, expires_at))
    }
}

fn key(id: &Id) -> String {
    let digest = Sha256::digest(id.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode(record: &Record) -> Result<(String, i64)> {
    let data = serde_json::to_string(record).map_err(|e| Error::Encode(e.to_string()))?;
    let expires_at = (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64;
    Ok((data, expires_at))
}

fn backend(error: db::Error) -> Error {
    tracing::error!(%error, "session store");
    Error::Backend("session storage unavailable".into())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        loop {
            let (data, expires_at) = self.encode(record)?;
            if db::sessions::insert(&self.db, &key(&record.id), &data, expires_at)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let (data, expires_at) = self.encode(record)?;
        db::sessions::save(&self.db, &key(&record.id), &data, expires_at)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = db::time::now_ms();
        let data = db::sessions::load(&self.db, &key(id), now)
            .await
            .map_err(backend)?;
        let record: Option<Record> = data
            .map(|data| serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string())))
            .transpose()?;
        // Stored before a shorter lifetime was configured: over now.
        Ok(record.filter(|record| self.deadline(record).is_none_or(|deadline| deadline > now)))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        db::sessions::delete(&self.db, &key(id))
            .await
            .map_err(backend)
    }
}
