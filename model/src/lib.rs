//! The one model of a bind that every part of authbind shares: the shim,
//! the seccomp supervisor, the setuid helper, the kernel-mode daemon and
//! the administration tool all speak in these types, and nothing converts
//! between twins.
//!
//! - [`Address`], [`Family`] and [`Target`]: what is bound, read from a
//!   caller's `sockaddr` bytes, printed as glibc's `inet_ntop` prints it;
//! - [`FileName`] and [`PolicyFile`]: the files authbind 2.1 consults, in
//!   its order, with its names (the `!` for ports 512 and up);
//! - [`Reservation`]: `reserve/PORT` and `reserve/ADDR,PORT`, which keep a
//!   port for whoever may execute the file (not authbind 2.1's);
//! - [`PolicyName`], [`ByuidName`] and [`NeverConsulted`]: those names
//!   read back, from a tree's entries: what each decides, or why it is
//!   never consulted;
//! - [`Rule`], [`Reason`], [`Ignored`] and [`Decision`]: what the policy
//!   said and why;
//! - [`Outcome`] and [`Verdict`]: what became of a request to the helper;
//! - [`Errno`]: an errno value that prints as "Permission denied (EACCES)".
//!
//! No allocation and no `unsafe`, so that the shim's `bind()` hook can use
//! every type here.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]

mod addr;
mod decision;
mod errno;
mod file;
mod name;
mod reserve;
mod target;

pub use addr::{pton4, pton6, Address, Family, Uncompressed};
pub use decision::{Decision, Ignored, IgnoredLine, Outcome, Reason, Rule, Verdict};
pub use errno::Errno;
pub use file::{bang_ports, flag_files, needs_bang, ports_words, FileName, OtherBang, PolicyFile};
pub use name::{ByuidName, NeverConsulted, PolicyName};
pub use reserve::{as_reserved, Reservation};
pub use target::Target;

/// The helper stops reading a byuid file after this many bytes (authbind
/// reads without end): large enough for any real file, small enough to
/// bound the helper's time.
pub const MAX_BYUID_BYTES: u64 = 128 << 20;

/// The most names of the `reserve` folder read: a folder with more is
/// unreadable (every bind it could cover is refused), so that no tree
/// makes the helper, the daemon or the tool read without end.
pub const MAX_RESERVATIONS: usize = 65_536;

/// The value given to a `#[repr(u8)]` enum's `TryFrom<u8>` that names none
/// of its variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownCode(pub u8);

/// `#[repr(u8)]` enums that travel on the wire: the discriminant is the
/// code, and `TryFrom<u8>` is derived from the list of variants.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name { $( $(#[$vmeta])* $variant = $code ),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }

        impl TryFrom<u8> for $name {
            type Error = $crate::UnknownCode;
            fn try_from(code: u8) -> Result<Self, Self::Error> {
                match code {
                    $( $code => Ok($name::$variant), )+
                    other => Err($crate::UnknownCode(other)),
                }
            }
        }
    };
}
pub(crate) use wire_enum;
