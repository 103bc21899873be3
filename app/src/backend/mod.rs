//! Server-only code (feature `ssr`): state, authorisation, SQL, use cases, storage, mail.

pub mod audit;
pub mod auth;
pub mod crypto;
pub mod db;
pub mod flash;
pub mod mail;
pub mod pdf;
pub mod request;
pub mod secret;
pub mod services;
pub mod settings;
pub mod state;
pub mod storage;
