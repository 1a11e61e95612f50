//! The generated ABI header holds the programs' C to Rust's layout: as
//! generated it compiles for the BPF target, and the same header with a
//! struct changed by hand (a field moved, retyped, an array resized) does
//! not. clang builds authbindd anyway (build.rs): a missing clang fails
//! these tests, it does not skip them.

#[path = "../bpf/clang.rs"]
mod clang;

use authbind_bpf_abi::{write_header, STRUCTS};
use std::path::PathBuf;

fn header() -> String {
    let mut h = String::new();
    write_header(&mut h).expect("writing into a String");
    h
}

/// Compiles `header` for the BPF target; clang's messages on failure.
fn compile(name: &str, header: &str) -> Result<(), String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("abi-header-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("authbind_abi.h"), header).unwrap();
    let c = dir.join("use.c");
    std::fs::write(&c, "#include \"authbind_abi.h\"\nstruct chain used;\n").unwrap();
    let output = clang::bpf(std::env::consts::ARCH, cfg!(target_endian = "big"))
        .args(["-fsyntax-only", "-I"])
        .arg(&dir)
        .arg(&c)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}): authbindd is built with clang", clang::program()));
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// The lines of `struct name`'s declarations of fields.
fn field_lines(h: &str, name: &str) -> Vec<(usize, String)> {
    let start = format!("struct {name} {{");
    let lines: Vec<&str> = h.lines().collect();
    let first = lines.iter().position(|l| *l == start).expect("declared") + 1;
    lines[first..]
        .iter()
        .take_while(|l| **l != "};")
        .enumerate()
        .filter(|(_, l)| l.starts_with('\t') && !l.trim_start().starts_with("/*"))
        .map(|(i, l)| (first + i, l.to_string()))
        .collect()
}

fn edit(h: &str, changes: &[(usize, String)]) -> String {
    let mut lines: Vec<String> = h.lines().map(str::to_string).collect();
    for (at, line) in changes {
        lines[*at] = line.clone();
    }
    lines.join("\n") + "\n"
}

fn assert_refused(what: &str, h: &str, struct_name: &str) {
    let err = compile(what, h).expect_err(what);
    assert!(
        err.contains(&format!("\"struct {struct_name}: ")),
        "{what}: no assert of struct {struct_name} failed:\n{err}"
    );
}

#[test]
fn the_header_compiles_as_generated() {
    compile("as-generated", &header()).unwrap();
}

#[test]
fn every_struct_with_two_fields_swapped_fails_its_asserts() {
    let h = header();
    let mut tried = 0;
    for s in STRUCTS.iter().filter(|s| s.fields.len() >= 2) {
        let fields = field_lines(&h, s.name);
        let (first, last) = (&fields[0], &fields[fields.len() - 1]);
        let swapped = edit(&h, &[(first.0, last.1.clone()), (last.0, first.1.clone())]);
        assert_refused(&format!("swapped-{}", s.name), &swapped, s.name);
        tried += 1;
    }
    assert!(tried >= 7, "only {tried} structs tried");
}

#[test]
fn a_retyped_or_resized_field_fails_its_asserts() {
    let h = header();
    let mode = field_lines(&h, "check")
        .into_iter()
        .find(|(_, l)| l == "\t__u16 mode;")
        .unwrap();
    assert_refused("retyped", &edit(&h, &[(mode.0, "\t__u32 mode;".into())]), "check");
    let bits = field_lines(&h, "ports")[0].clone();
    assert_eq!(bits.1, "\t__u64 bits[16];");
    assert_refused("resized", &edit(&h, &[(bits.0, "\t__u64 bits[15];".into())]), "ports");
    let checks = field_lines(&h, "chain")
        .into_iter()
        .find(|(_, l)| l.contains("checks["))
        .unwrap();
    assert_refused(
        "fewer-checks",
        &edit(&h, &[(checks.0, "\tstruct check checks[15];".into())]),
        "chain",
    );
}
