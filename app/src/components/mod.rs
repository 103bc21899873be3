//! Reusable views.

pub mod charts;
pub mod contract_doc;
pub mod form;
pub mod labels;
pub mod layout;
pub mod section_form;
pub mod time;
pub mod uploader;
