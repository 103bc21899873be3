//! Everything a request needs, built once at start-up and shared (cheaply cloned) by handlers
//! and server functions. Nothing per-node lives here: app nodes are stateless.

use std::sync::Arc;

use sqlx::PgPool;

use super::mail::Mailer;
use super::settings::Settings;
use super::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub storage: Storage,
    pub mailer: Mailer,
    pub settings: Arc<Settings>,
}
