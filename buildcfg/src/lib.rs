//! Paths fixed when the project is built (see build.rs).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/paths.rs"));

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn helper_path_is_nul_terminated_and_under_libdir() {
        assert_eq!(HELPER_PATH_C.last(), Some(&0));
        assert_eq!(&HELPER_PATH_C[..HELPER_PATH_C.len() - 1], HELPER_PATH.as_bytes());
        assert!(HELPER_PATH.starts_with(LIBDIR));
        assert!(SHIM_PATH.ends_with("/libauthbind.so.1"));
    }
}
