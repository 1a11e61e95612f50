//! File metadata and who may execute a file, for messages: the `tree`
//! crate's model ([`Meta`], [`Class`], [`may_search_or_execute`]: Linux's
//! permission rule, the one every part of authbind judges by), and how
//! modes are written. Used to say *why* `access()` answered as it did, by
//! `check` on the tree, and for files that do not exist yet (a planned
//! change). `explain` always asks the kernel itself.

pub use tree::{may_search_or_execute, Class, Kind, Meta};

/// `r-x`, for three bits.
pub fn rwx(bits: u32) -> String {
    let b = |bit: u32, c: char| if bits & bit != 0 { c } else { '-' };
    [b(4, 'r'), b(2, 'w'), b(1, 'x')].iter().collect()
}

/// `0755`, the way people write modes.
pub fn octal(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_as_people_write_them() {
        assert_eq!(rwx(5), "r-x");
        assert_eq!(octal(0o4755), "4755");
        assert_eq!(octal(0o10), "0010");
    }
}
