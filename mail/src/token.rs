//! Signed tokens in messages' links: the unsubscribe link, the open pixel
//! and each tracked link name a message (and, for a link, its address),
//! signed with the servers' shared key (HMAC-SHA256), so they work without
//! signing in and cannot be forged. A click redirects only to an address
//! its token signed for that message: a link that was in it, never an open
//! redirect.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Unsubscribe,
    Open,
    /// A tracked link to this address.
    Click(String),
}

/// What a valid token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub store_id: i64,
    pub message_id: i64,
    pub purpose: Purpose,
}

/// The key links are signed with.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    pub fn new(key: &[u8]) -> Signer {
        Signer { key: key.to_vec() }
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(payload);
        mac.finalize().into_bytes()[..18].to_vec()
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let payload = match &claims.purpose {
            Purpose::Unsubscribe => format!("u:{}:{}", claims.store_id, claims.message_id),
            Purpose::Open => format!("o:{}:{}", claims.store_id, claims.message_id),
            Purpose::Click(url) => format!("c:{}:{}:{url}", claims.store_id, claims.message_id),
        };
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload.as_bytes()),
            URL_SAFE_NO_PAD.encode(self.mac(payload.as_bytes()))
        )
    }

    /// The claims of a token this key signed; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let (payload, signature) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(&payload);
        mac.verify_truncated_left(&signature).ok()?;
        if signature.len() != 18 {
            return None;
        }
        let payload = String::from_utf8(payload).ok()?;
        let mut parts = payload.splitn(4, ':');
        let kind = parts.next()?;
        let store_id = parts.next()?.parse().ok()?;
        let message_id = parts.next()?.parse().ok()?;
        let purpose = match (kind, parts.next()) {
            ("u", None) => Purpose::Unsubscribe,
            ("o", None) => Purpose::Open,
            ("c", Some(url)) => Purpose::Click(url.to_string()),
            _ => return None,
        };
        Some(Claims {
            store_id,
            message_id,
            purpose,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_as_signed() {
        let signer = Signer::new(b"key");
        let claims = Claims {
            store_id: 3,
            message_id: 42,
            purpose: Purpose::Click("https://shop.test/a:b".into()),
        };
        let token = signer.sign(&claims);
        assert_eq!(signer.verify(&token), Some(claims));
        assert_eq!(Signer::new(b"other").verify(&token), None);
        let (payload, sig) = token.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode("c:3:42:https://evil.test");
        assert_eq!(signer.verify(&format!("{forged}.{sig}")), None);
        assert_eq!(signer.verify(payload), None);
        assert_eq!(signer.verify(&format!("{payload}.")), None);
    }
}
