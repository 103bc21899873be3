//! One-time messages carried by the session to the next page: secrets shown once (recovery
//! codes, later API keys) must survive the redirect of a form posted without JavaScript,
//! without ever appearing in a URL. Stored encrypted; reading clears them.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::crypto;
use super::db;
use super::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flash {
    RecoveryCodes(Vec<String>),
}

impl Flash {
    pub fn into_recovery_codes(self) -> Option<Vec<String>> {
        match self {
            Flash::RecoveryCodes(codes) => Some(codes),
        }
    }
}

pub async fn put(
    conn: &mut PgConnection,
    state: &AppState,
    session_hash: &[u8],
    flash: &Flash,
) -> Result<(), sqlx::Error> {
    let key = crypto::derive_key(&state.settings.secret_key, "flash");
    let plain = serde_json::to_vec(flash).expect("flash serialises");
    db::sessions::set_flash(conn, session_hash, &crypto::encrypt(&key, &plain)).await
}

pub async fn take(state: &AppState, session_hash: &[u8]) -> Result<Option<Flash>, sqlx::Error> {
    let Some(enc) = db::sessions::take_flash(&state.db, session_hash).await? else {
        return Ok(None);
    };
    let key = crypto::derive_key(&state.settings.secret_key, "flash");
    Ok(crypto::decrypt(&key, &enc).and_then(|p| serde_json::from_slice(&p).ok()))
}
