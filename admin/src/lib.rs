//! `authbind-policy`: the administration tool of authbind, as a library.
//! Every decision it shows or relies on is made by the `policy` crate
//! (`decide`, `decide_observed`, `analyze`, `for_each_chunk`) over the
//! model's types; this crate reads the tree, asks the kernel, plans
//! changes and writes them.
#![forbid(unsafe_code)]

pub mod apply;
pub mod check;
pub mod cli;
pub mod declared;
pub mod doc;
pub mod edit;
pub mod error;
pub mod explain;
pub mod explain_cmd;
pub mod export;
pub mod grant_cmd;
pub mod inventory;
pub mod lines;
pub mod list;
pub mod lock;
pub mod manifest;
pub mod mode;
pub mod oracle;
pub mod printable;
pub mod readable;
pub mod realtree;
pub mod refolder;
pub mod reserve;
pub mod reserve_cmd;
pub mod run;
pub mod sim;
pub mod spec;
pub mod system;
pub mod view;
pub mod walk;
pub mod who;
pub mod write;
