use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{Error, Result},
};

/// tower-sessions storage over our database (`db::sessions`). Session ids
/// are stored hashed: a leaked table does not hand out live sessions.
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: db::Db,
}

impl DbSessionStore {
    pub fn new(db: db::Db) -> Self {
        DbSessionStore { db }
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
            let (data, expires_at) = encode(record)?;
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
        let (data, expires_at) = encode(record)?;
        db::sessions::save(&self.db, &key(&record.id), &data, expires_at)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let data = db::sessions::load(&self.db, &key(id), db::time::now_ms())
            .await
            .map_err(backend)?;
        data.map(|data| serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string())))
            .transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        db::sessions::delete(&self.db, &key(id))
            .await
            .map_err(backend)
    }
}
