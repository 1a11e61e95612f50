//! Runs when the library is loaded: applies AUTHBIND_LEVELS, reads
//! AUTHBIND_DEBUG, resolves the real `bind`.

use crate::env::Env;
use crate::levels::{plan, without_entry, LevelsChange};
use crate::{debug, real_bind};
use core::ffi::{c_char, c_int};

const LEVELS: &[u8] = b"AUTHBIND_LEVELS";
const LIB: &[u8] = b"AUTHBIND_LIB";
const PRELOAD: &[u8] = b"LD_PRELOAD";

/// glibc calls `.init_array` entries with the program's argc, argv and
/// environment.
extern "C" fn on_load(_argc: c_int, _argv: *const *const c_char, envp: *mut *mut c_char) {
    // A panic must not unwind into the dynamic loader.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: envp is the environment array the loader passes to
        // constructors; constructors run one at a time before main.
        let mut env = unsafe { Env::new(envp) };
        apply_levels(&mut env);
        debug::enable(env.get(b"AUTHBIND_DEBUG").is_some_and(|v| !v.is_empty() && v != b"0"));
        real_bind::resolve();
    });
}

fn apply_levels(env: &mut Env) {
    let (change, remove) = plan(env.get(LEVELS));
    match change {
        LevelsChange::Keep => {}
        LevelsChange::Set(n) => {
            // n-1 never has more digits than n: it fits where n was.
            env.shorten(LEVELS, n.to_string().as_bytes());
        }
        LevelsChange::Unset => env.unset(LEVELS),
    }
    if !remove {
        return;
    }
    let (Some(preload), Some(myself)) = (env.get(PRELOAD), env.get(LIB)) else {
        return;
    };
    match without_entry(preload, myself) {
        None => {}
        Some(None) => env.unset(PRELOAD),
        Some(Some(v)) => {
            env.shorten(PRELOAD, &v);
        }
    }
}

#[used]
#[link_section = ".init_array"]
static ON_LOAD: extern "C" fn(c_int, *const *const c_char, *mut *mut c_char) = on_load;
