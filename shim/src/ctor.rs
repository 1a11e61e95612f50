//! Runs when the library is loaded: applies AUTHBIND_LEVELS, reads
//! AUTHBIND_DEBUG, resolves the real `bind`.

use crate::levels::{plan, without_entry, LevelsChange};
use crate::{debug, env, real_bind};

const LEVELS: &std::ffi::CStr = c"AUTHBIND_LEVELS";
const LIB: &std::ffi::CStr = c"AUTHBIND_LIB";
const PRELOAD: &std::ffi::CStr = c"LD_PRELOAD";

extern "C" fn on_load() {
    // A panic must not unwind into the dynamic loader.
    let _ = std::panic::catch_unwind(|| {
        apply_levels();
        debug::enable(env::get(c"AUTHBIND_DEBUG").is_some_and(|v| !v.is_empty() && v != b"0"));
        real_bind::resolve();
    });
}

fn apply_levels() {
    let (change, remove) = plan(env::get(LEVELS).as_deref());
    match change {
        LevelsChange::Keep => {}
        LevelsChange::Set(n) => env::set(LEVELS, n.to_string().as_bytes()),
        LevelsChange::Unset => env::unset(LEVELS),
    }
    if !remove {
        return;
    }
    let (Some(preload), Some(myself)) = (env::get(PRELOAD), env::get(LIB)) else {
        return;
    };
    match without_entry(&preload, &myself) {
        None => {}
        Some(None) => env::unset(PRELOAD),
        Some(Some(v)) => env::set(PRELOAD, &v),
    }
}

#[used]
#[link_section = ".init_array"]
static ON_LOAD: extern "C" fn() = on_load;
