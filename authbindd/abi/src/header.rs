//! The C header the BPF programs include (authbindd's build script
//! writes it into OUT_DIR): every constant as a `#define`, the model's
//! codes, every struct with its fields, and a `_Static_assert` of every
//! size and offset, with the numbers Rust computed.

use crate::{Constant, Struct, CONSTANTS, STRUCTS};
use core::fmt::{self, Debug, Write};
use model::{Family, FileName, Rule};

const PREAMBLE: &str = "\
/* The ABI between authbindd and its BPF programs. Generated from the
 * crate authbind-bpf-abi (authbindd/abi/src/lib.rs) by authbindd's
 * build.rs: do not edit, change the Rust definitions. The asserts hold
 * C to the sizes and offsets Rust computed. */
#ifndef AUTHBIND_ABI_H
#define AUTHBIND_ABI_H

#include <linux/types.h>
";

/// Writes the header.
pub fn write_header(out: &mut impl Write) -> fmt::Result {
    out.write_str(PREAMBLE)?;
    for c in CONSTANTS {
        constant(out, c)?;
    }
    codes(out, "FAMILY_", "model::Family", Family::ALL, |f| f as u8)?;
    codes(out, "RULE_", "model::Rule", Rule::ALL, |r| r as u8)?;
    codes(out, "FILE_", "model::FileName", FileName::ALL, |f| f as u8)?;
    for s in STRUCTS {
        structure(out, s)?;
    }
    out.write_str("\n#endif\n")
}

/// A field's name in C (`r#type` is `type`).
pub(crate) fn c_name(field: &str) -> &str {
    field.strip_prefix("r#").unwrap_or(field)
}

/// The assert of a struct's size.
pub(crate) fn size_assert(out: &mut impl Write, s: &Struct) -> fmt::Result {
    writeln!(
        out,
        "_Static_assert(sizeof(struct {0}) == {1}, \"struct {0}: {1} bytes in Rust\");",
        s.name, s.size
    )
}

/// The assert of a field's offset.
pub(crate) fn offset_assert(out: &mut impl Write, s: &Struct, field: &str, offset: usize) -> fmt::Result {
    writeln!(
        out,
        "_Static_assert(__builtin_offsetof(struct {0}, {1}) == {2}, \"struct {0}: {1} at {2} in Rust\");",
        s.name,
        c_name(field),
        offset
    )
}

fn comment(out: &mut impl Write, doc: &[&str], indent: &str) -> fmt::Result {
    if doc.is_empty() {
        return Ok(());
    }
    write!(out, "{indent}/*")?;
    for line in doc {
        write!(out, " {}", line.trim())?;
    }
    writeln!(out, " */")
}

fn constant(out: &mut impl Write, c: &Constant) -> fmt::Result {
    out.write_str("\n")?;
    comment(out, c.doc, "")?;
    writeln!(out, "#define {} {}", c.name, c.value)
}

/// Uppercases what is written through it.
struct Upper<'a, W: Write>(&'a mut W);

impl<W: Write> Write for Upper<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.chars().try_for_each(|c| self.0.write_char(c.to_ascii_uppercase()))
    }
}

/// `#define RULE_BYPORT 1`…: each variant's name, uppercased, and code.
fn codes<T: Copy + Debug>(
    out: &mut impl Write,
    prefix: &str,
    what: &str,
    all: &[T],
    code: impl Fn(T) -> u8,
) -> fmt::Result {
    writeln!(out, "\n/* The {what} codes. */")?;
    for &v in all {
        write!(out, "#define {prefix}")?;
        write!(Upper(out), "{v:?}")?;
        writeln!(out, " {}", code(v))?;
    }
    Ok(())
}

fn structure(out: &mut impl Write, s: &Struct) -> fmt::Result {
    out.write_str("\n")?;
    comment(out, s.doc, "")?;
    writeln!(out, "struct {} {{", s.name)?;
    for f in s.fields {
        comment(out, f.doc, "\t")?;
        write!(out, "\t{} {}", f.c_type, c_name(f.name))?;
        if let Some(n) = f.len {
            write!(out, "[{n}]")?;
        }
        writeln!(out, ";")?;
    }
    writeln!(out, "}};")?;
    size_assert(out, s)?;
    for f in s.fields {
        offset_assert(out, s, f.name, f.offset)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        let mut h = String::new();
        write_header(&mut h).unwrap();
        h
    }

    #[test]
    fn every_size_and_offset_is_asserted() {
        let h = header();
        let mut asserts = 0;
        for s in STRUCTS {
            let mut line = String::new();
            size_assert(&mut line, s).unwrap();
            assert!(h.contains(&line), "no size assert for struct {}", s.name);
            asserts += 1;
            for f in s.fields {
                let mut line = String::new();
                offset_assert(&mut line, s, f.name, f.offset).unwrap();
                assert!(h.contains(&line), "no assert for struct {}'s {}", s.name, f.name);
                asserts += 1;
            }
        }
        // Nothing else is asserted, and nothing is asserted twice.
        assert_eq!(h.matches("_Static_assert(").count(), asserts);
        assert!(h.contains(
            "_Static_assert(__builtin_offsetof(struct chain, checks) == 16, \"struct chain: checks at 16 in Rust\");"
        ));
        assert!(h.contains("_Static_assert(sizeof(struct chain) == 208, \"struct chain: 208 bytes in Rust\");"));
    }

    #[test]
    fn every_struct_and_field_is_declared() {
        let h = header();
        for s in STRUCTS {
            let start = h.find(&format!("\nstruct {} {{\n", s.name)).expect("declared");
            let body = &h[start..start + h[start..].find("};").expect("closed")];
            let declared: Vec<&str> = body
                .lines()
                .filter(|l| l.starts_with('\t') && !l.contains("/*"))
                .collect();
            assert_eq!(declared.len(), s.fields.len(), "struct {}", s.name);
        }
        assert!(h.contains("\tstruct check checks[16];\n"));
        assert!(h.contains("\t__u64 bits[16];\n"));
        assert!(h.contains("\t__u32 type;\n"));
        assert!(h.contains("\t__u16 flags;\n"));
        assert!(h.contains("\tstruct reserve_addr addrs[16];\n"));
        assert!(h.contains("\tstruct addr_key reservation;\n"));
    }

    #[test]
    fn every_constant_and_code_is_defined() {
        let h = header();
        for c in CONSTANTS {
            assert!(h.contains(&format!("\n#define {} {}\n", c.name, c.value)), "{}", c.name);
        }
        for line in [
            "#define FAMILY_V4 4",
            "#define FAMILY_V6 6",
            "#define RULE_BYPORT 1",
            "#define RULE_BYADDR 2",
            "#define RULE_BYUID 3",
            "#define FILE_BYPORT 1",
            "#define FILE_BYADDRCOLON 2",
            "#define FILE_BYADDRCOMMA 3",
            "#define FILE_BYADDRUNCOMPRESSED 4",
            "#define FILE_BYUID 5",
            "#define RULE_RESERVE 4",
            "#define FILE_RESERVEPORT 6",
            "#define FILE_RESERVEADDR 7",
        ] {
            assert!(h.contains(&format!("{line}\n")), "{line}");
        }
        assert_eq!(h.matches("#define FILE_").count(), FileName::ALL.len());
        assert_eq!(h.matches("#define RULE_").count(), Rule::ALL.len());
    }

    #[test]
    fn comments_stay_comments() {
        let docs = CONSTANTS.iter().flat_map(|c| c.doc).chain(
            STRUCTS
                .iter()
                .flat_map(|s| s.doc.iter().chain(s.fields.iter().flat_map(|f| f.doc))),
        );
        for line in docs {
            assert!(!line.contains("*/") && !line.contains("/*"), "{line}");
        }
        assert!(header().ends_with("#endif\n"));
    }
}
