//! Plain axum endpoints (everything that is not a page or a server function).

pub mod assets;
pub mod audit;
pub mod contracts;
pub mod documents;
pub mod files;
pub mod health;
pub mod lang;
pub mod metrics;
