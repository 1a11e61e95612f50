//! Compiles the BPF programs (bpf/authbind.bpf.c) with clang into OUT_DIR;
//! src/maps/load.rs embeds the object with include_bytes!. Only clang and
//! the kernel's UAPI headers (linux-libc-dev) are needed: no network, no
//! libbpf. The object is never committed.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("authbind.bpf.o");
    let src = "bpf/authbind.bpf.c";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=bpf/helpers.h");
    println!("cargo:rerun-if-env-changed=AUTHBIND_CLANG");
    let clang = env::var("AUTHBIND_CLANG").unwrap_or_else(|_| "clang".into());
    // With -target bpf clang does not search the multiarch folder that
    // holds <asm/types.h>.
    let multiarch = match env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("x86_64") => "x86_64-linux-gnu",
        Ok("aarch64") => "aarch64-linux-gnu",
        Ok("riscv64") => "riscv64-linux-gnu",
        Ok("powerpc64") => "powerpc64le-linux-gnu",
        Ok("s390x") => "s390x-linux-gnu",
        Ok(other) => panic!("authbindd: no multiarch include folder known for {other}"),
        Err(_) => panic!("authbindd: CARGO_CFG_TARGET_ARCH is not set"),
    };
    let target = match env::var("CARGO_CFG_TARGET_ENDIAN").as_deref() {
        Ok("big") => "bpfeb",
        _ => "bpfel",
    };
    let status = Command::new(&clang)
        .args(["-target", target, "-O2", "-g", "-Wall", "-Wextra", "-Werror"])
        .arg(format!("-I/usr/include/{multiarch}"))
        // Reproducible builds: no build path in the object's debug
        // information (it is embedded in authbindd).
        .arg(format!(
            "-ffile-prefix-map={}=authbindd",
            env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")
        ))
        .args(["-c", src, "-o"])
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("authbindd: {clang} failed on {src} ({s})"),
        Err(e) => panic!(
            "authbindd: cannot run {clang} ({e}): the BPF programs are compiled with clang; \
             install the Debian packages clang and linux-libc-dev (`make` does this when run as root)"
        ),
    }
}
