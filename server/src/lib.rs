//! The `gatehouse` server: configuration, start-up, background worker and the axum routes
//! outside Leptos. `main.rs` is the command line around it.

pub mod cli;
pub mod config;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod worker;
