//! The end-to-end tests, one module per subject, linked into one test
//! binary (one link instead of one per file). A subject's tests are
//! selected by its module's name: `cargo test -p authbind-e2e --
//! --include-ignored policy_cli::` (see the crate's documentation,
//! tests/src/lib.rs, for the harness).

mod adversarial_helper;
mod adversarial_shim;
mod audit_log;
mod depth;
mod diagnostics;
mod hardening;
mod helper_image;
mod helper_reserve;
mod http_server;
mod interop;
mod kernel_mode_audit;
mod kernel_mode_audit_flood;
mod kernel_mode_bounds;
mod kernel_mode_groups;
mod kernel_mode_hardening;
mod kernel_mode_lifecycle;
mod kernel_mode_links;
mod kernel_mode_refusals;
mod kernel_mode_reload;
mod kernel_mode_reserve;
mod kernel_mode_reserved_ports;
mod kernel_mode_servers;
mod launcher;
mod policy;
mod policy_cli;
mod policy_reserve;
mod policy_stall;
mod refusal;
mod robustness;
mod runtimes;
mod seccomp;
mod threads;
