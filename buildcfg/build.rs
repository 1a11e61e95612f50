//! Bakes the install paths into the binaries. The Makefile exports
//! AUTHBIND_LIBDIR and AUTHBIND_CONFDIR; a plain `cargo build` gets the
//! defaults of `make install`. Nothing here is ever read from the
//! environment at run time: the setuid helper must not trust it.
use std::env;
use std::fs;
use std::path::Path;

const DEFAULT_LIBDIR: &str = "/usr/local/lib/authbind";
const DEFAULT_CONFDIR: &str = "/etc/authbind";

fn checked(name: &str, default: &str) -> String {
    println!("cargo:rerun-if-env-changed={name}");
    let value = env::var(name).unwrap_or_else(|_| default.to_string());
    // A relative path, a NUL or a newline would make the baked path mean
    // something other than what the administrator asked for.
    if !value.starts_with('/') || value.contains('\0') || value.contains('\n') {
        panic!("{name} must be an absolute path without NUL or newline, got {value:?}");
    }
    value.trim_end_matches('/').to_string()
}

fn main() {
    let libdir = checked("AUTHBIND_LIBDIR", DEFAULT_LIBDIR);
    let confdir = checked("AUTHBIND_CONFDIR", DEFAULT_CONFDIR);
    let version = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("paths.rs");
    let code = format!(
        "pub const LIBDIR: &str = {libdir:?};\n\
         pub const CONFDIR: &str = {confdir:?};\n\
         pub const HELPER_PATH: &str = {helper:?};\n\
         pub const HELPER_PATH_C: &[u8] = &{helper_c:?};\n\
         pub const SHIM_PATH: &str = {shim:?};\n\
         pub const VERSION: &str = {version:?};\n\
         pub const RUNDIR: &str = \"/run/authbind\";\n",
        helper = format!("{libdir}/helper"),
        helper_c = format!("{libdir}/helper\0").into_bytes().as_slice(),
        shim = format!("{libdir}/libauthbind.so.1"),
    );
    fs::write(out, code).expect("write paths.rs");
}
