//! One model of a file tree, as authbind's policy sees it: what a node is
//! ([`Meta`]), who asks ([`Creds`]), Linux's permission rule for searching
//! a folder and executing a file ([`may_search_or_execute`]), and the one
//! path walk `faccessat(dirfd, path, X_OK)` makes ([`walk::access_x`]),
//! over any [`Tree`]: an in-memory one ([`MemTree`]), a planned change over
//! another ([`Overlay`]), or a real folder read by the caller.
//!
//! Pure: no I/O. The callers (authbind-policy, authbindd) read the real
//! tree and implement [`Tree`] over what they read.
#![forbid(unsafe_code)]

pub mod mem;
pub mod meta;
pub mod overlay;
pub mod perm;
pub mod walk;

pub use mem::MemTree;
pub use meta::{Creds, Kind, Meta};
pub use overlay::{Overlay, OverlayNode, Plan, Planned};
pub use perm::{follow_restricted, may_follow_link, may_read, may_search_or_execute, Class};
pub use walk::{access_x, resolve, resolve_for_everyone, Event, Follow, Observer, Tree, MAX_SYMLINKS};
