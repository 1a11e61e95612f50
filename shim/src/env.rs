//! The process environment, edited in place through the `envp` array the
//! loader hands our constructor.
//!
//! Not through setenv/unsetenv/getenv: a program may export its own
//! versions of those (bash does), which do nothing before its `main` runs,
//! so the program would start with LD_PRELOAD and AUTHBIND_LEVELS
//! unchanged and pass them on to every child. Editing the array itself is
//! what every libc's environment functions read later. Values are only
//! ever shortened, so they are rewritten in their own storage: nothing is
//! allocated.

use core::ffi::c_char;

pub struct Env {
    envp: *mut *mut c_char,
}

fn strlen(s: *const c_char) -> usize {
    let mut n = 0;
    // SAFETY: s is a NUL-terminated environment string (see Env::new).
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    n
}

impl Env {
    /// # Safety
    /// `envp` is null or the NULL-terminated array of NUL-terminated,
    /// writable `NAME=value` strings the loader passed to our constructor,
    /// and nothing else uses it while this `Env` lives (constructors run
    /// before the program's code, one at a time).
    pub unsafe fn new(envp: *mut *mut c_char) -> Env {
        Env { envp }
    }

    fn entries(&self) -> usize {
        if self.envp.is_null() {
            return 0;
        }
        let mut n = 0;
        // SAFETY: the array is NULL-terminated (Env::new).
        while !unsafe { *self.envp.add(n) }.is_null() {
            n += 1;
        }
        n
    }

    /// Entry `i` as bytes, without the NUL.
    fn entry(&self, i: usize) -> &[u8] {
        // SAFETY: i < entries(); the entry is a NUL-terminated string.
        unsafe {
            let s = *self.envp.add(i);
            core::slice::from_raw_parts(s.cast::<u8>(), strlen(s))
        }
    }

    fn value_of<'a>(entry: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
        (entry.len() > name.len() && entry.starts_with(name) && entry[name.len()] == b'=')
            .then(|| &entry[name.len() + 1..])
    }

    /// The first `NAME=` entry's value, as getenv finds it.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        (0..self.entries()).find_map(|i| Self::value_of(self.entry(i), name))
    }

    /// Removes every `NAME=` entry, as unsetenv does.
    pub fn unset(&mut self, name: &[u8]) {
        let mut n = self.entries();
        let mut i = 0;
        while i < n {
            if Self::value_of(self.entry(i), name).is_some() {
                // SAFETY: shifting entries i+1..=n (n is the terminating
                // NULL) down by one, within the array.
                unsafe { core::ptr::copy(self.envp.add(i + 1), self.envp.add(i), n - i) };
                n -= 1;
            } else {
                i += 1;
            }
        }
    }

    /// Rewrites the first `NAME=` entry's value with `value`, in place;
    /// false (nothing changed) if there is none or `value` is longer.
    pub fn shorten(&mut self, name: &[u8], value: &[u8]) -> bool {
        for i in 0..self.entries() {
            let Some(old) = Self::value_of(self.entry(i), name) else {
                continue;
            };
            if value.len() > old.len() {
                return false;
            }
            // SAFETY: the value's storage holds old.len() bytes plus a NUL,
            // at least value.len() + 1; the strings are writable (Env::new).
            unsafe {
                let dst = (*self.envp.add(i)).add(name.len() + 1).cast::<u8>();
                core::ptr::copy(value.as_ptr(), dst, value.len());
                *dst.add(value.len()) = 0;
            }
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    fn with_env(vars: &[&str], f: impl FnOnce(&mut Env)) -> Vec<String> {
        let owned: Vec<CString> = vars.iter().map(|v| CString::new(*v).unwrap()).collect();
        let mut ptrs: Vec<*mut c_char> = owned.iter().map(|c| c.as_ptr() as *mut c_char).collect();
        ptrs.push(core::ptr::null_mut());
        // SAFETY: ptrs is a NULL-terminated array of the CStrings above,
        // alive for the whole call.
        let mut env = unsafe { Env::new(ptrs.as_mut_ptr()) };
        f(&mut env);
        (0..env.entries())
            .map(|i| String::from_utf8_lossy(env.entry(i)).into_owned())
            .collect()
    }

    #[test]
    fn get_unset_shorten() {
        let out = with_env(
            &[
                "A=1",
                "AUTHBIND_LEVELS=10",
                "B=2",
                "AUTHBIND_LEVELS=x",
                "LD_PRELOAD=/a:/b",
            ],
            |e| {
                assert_eq!(e.get(b"AUTHBIND_LEVELS"), Some(&b"10"[..]));
                assert_eq!(e.get(b"AUTHBIND"), None);
                assert!(e.shorten(b"AUTHBIND_LEVELS", b"9"));
                assert!(!e.shorten(b"B", b"22"));
                assert!(e.shorten(b"LD_PRELOAD", b"/b"));
                e.unset(b"A");
            },
        );
        assert_eq!(out, ["AUTHBIND_LEVELS=9", "B=2", "AUTHBIND_LEVELS=x", "LD_PRELOAD=/b"]);
        let out = with_env(&["X=1", "X=2", "Y=3"], |e| e.unset(b"X"));
        assert_eq!(out, ["Y=3"]);
        assert!(with_env(&[], |e| e.unset(b"X")).is_empty());
    }
}
