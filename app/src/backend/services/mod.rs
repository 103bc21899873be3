//! Use cases: each combines SQL, storage, outbox and audit within one transaction.

pub mod accounts;
pub mod applications;
pub mod demo;
pub mod documents;
pub mod fees;
pub mod review;
