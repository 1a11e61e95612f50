//! Links the helper as a static-pie without the C library's start files:
//! its entry point is its own (src/start.rs). With `-nostdlib` nothing of
//! the C library is linked either: a call into it would fail to link
//! rather than run code that the C library's start-up was meant to
//! prepare. (The compiler's own helpers, memcpy and the like, come with
//! the Rust toolchain's compiler_builtins.)
fn main() {
    for arg in ["-nostartfiles", "-nostdlib", "-static-pie"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
