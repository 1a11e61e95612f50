//! Writes the ABI header (authbind_abi.h, from the crate
//! authbind-bpf-abi) into OUT_DIR and compiles the BPF programs
//! (bpf/authbind.bpf.c, which includes it) with clang into OUT_DIR;
//! src/maps/load.rs embeds the object with include_bytes!. The object and
//! the header are never committed.
use std::env;
use std::path::PathBuf;

#[path = "bpf/clang.rs"]
mod clang;

fn main() {
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let src = "bpf/authbind.bpf.c";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=bpf/helpers.h");
    println!("cargo:rerun-if-changed=bpf/clang.rs");
    println!("cargo:rerun-if-env-changed=AUTHBIND_CLANG");

    let mut header = String::new();
    authbind_bpf_abi::write_header(&mut header).expect("writing into a String");
    std::fs::write(out_dir.join("authbind_abi.h"), header).expect("authbindd: cannot write OUT_DIR/authbind_abi.h");

    let arch = env::var("CARGO_CFG_TARGET_ARCH").expect("authbindd: CARGO_CFG_TARGET_ARCH is not set");
    let big_endian = env::var("CARGO_CFG_TARGET_ENDIAN").as_deref() == Ok("big");
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    // Two objects from one source: the programs that read the binding
    // process's groups, and those that do without (src/maps/load.rs).
    for (object, defines) in [
        ("authbind.bpf.o", &["-DAUTHBIND_TASK_GROUPS"][..]),
        ("authbind-nogroups.bpf.o", &[][..]),
    ] {
        let status = clang::bpf(&arch, big_endian)
            .arg("-I")
            .arg(&out_dir)
            // Reproducible builds: no build path in the object's debug
            // information (it is embedded in authbindd).
            .arg(format!("-ffile-prefix-map={manifest_dir}=authbindd"))
            .arg(format!("-ffile-prefix-map={}=authbind-bpf-abi", out_dir.display()))
            .args(defines)
            .args(["-c", src, "-o"])
            .arg(out_dir.join(object))
            .status();
        let clang = clang::program();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => panic!("authbindd: {clang} failed on {src} ({s})"),
            Err(e) => panic!(
                "authbindd: cannot run {clang} ({e}): the BPF programs are compiled with clang; \
                 install the Debian packages clang and linux-libc-dev (`make` does this when run as root)"
            ),
        }
    }
}
