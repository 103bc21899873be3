//! Pure, wasm-safe domain logic: newtypes with `parse`, rules, state machines. Nothing here
//! performs I/O; the client uses it for instant feedback and the server as the authority.

pub mod access;
pub mod application;
pub mod contact;
pub mod documents;
pub mod fees;
pub mod identifiers;
pub mod industry;
pub mod lang;
pub mod ledger;
pub mod money;
pub mod password;
pub mod problem;
pub mod risk;
pub mod roles;
pub mod states;
