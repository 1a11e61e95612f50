//! The clang command for kernel mode's BPF C, in one place: build.rs
//! compiles the programs with it, and the ABI test (tests/abi_header.rs)
//! compiles the generated header with it. Only clang and the kernel's
//! UAPI headers (linux-libc-dev) are needed: no libbpf.

use std::process::Command;

/// `$AUTHBIND_CLANG`, else `clang`.
pub fn program() -> String {
    std::env::var("AUTHBIND_CLANG").unwrap_or_else(|_| "clang".into())
}

/// clang for the BPF target of a machine (`arch` as Rust names it), with
/// warnings as errors and the kernel's headers found.
pub fn bpf(arch: &str, big_endian: bool) -> Command {
    // With -target bpf clang does not search the multiarch folder that
    // holds <asm/types.h>.
    let multiarch = match arch {
        "x86_64" => "x86_64-linux-gnu",
        "aarch64" => "aarch64-linux-gnu",
        "riscv64" => "riscv64-linux-gnu",
        "powerpc64" => "powerpc64le-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        other => panic!("authbindd: no multiarch include folder known for {other}"),
    };
    let mut clang = Command::new(program());
    clang
        .args(["-target", if big_endian { "bpfeb" } else { "bpfel" }])
        .args(["-O2", "-g", "-Wall", "-Wextra", "-Werror"])
        .arg(format!("-I/usr/include/{multiarch}"));
    clang
}
