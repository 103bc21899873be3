//! One module per screen group.

pub mod account;
pub mod admin;
pub mod auth;
pub mod dashboard;
pub mod fees;
pub mod home;
pub mod not_found;
pub mod portal;
pub mod review;
