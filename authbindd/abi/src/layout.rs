//! How one definition serves both sides: the [`Bytes`] encoding Rust uses
//! to fill the maps and read the records (every field at its
//! `offset_of!`, nothing written by hand), the C spelling of each field
//! type ([`CType`]), and the descriptions of the constants and structs
//! that [`crate::write_header`] turns into C.

use core::mem::size_of;

/// A value as the BPF programs see it in a map or a record: host byte
/// order, at fixed offsets. Plain copies, no `unsafe`.
pub trait Bytes: Sized {
    /// Writes the value at the start of `out` (at least `size_of::<Self>()` bytes).
    fn put(&self, out: &mut [u8]);
    /// Reads a value from the start of `b` (at least `size_of::<Self>()` bytes).
    fn get(b: &[u8]) -> Self;
}

/// A type a field may have in C: a scalar, a struct of this crate, or an
/// array of one of those.
pub trait CType {
    /// `__u32`, `struct check`…
    const C_TYPE: &'static str;
    /// The array length, for an array.
    const LEN: Option<usize> = None;
}

/// A C type that is not an array (arrays of arrays are not in the ABI).
pub trait CElement {
    const C_ELEMENT: &'static str;
}

impl<T: CElement> CType for T {
    const C_TYPE: &'static str = T::C_ELEMENT;
}

impl<T: CElement, const N: usize> CType for [T; N] {
    const C_TYPE: &'static str = T::C_ELEMENT;
    const LEN: Option<usize> = Some(N);
}

macro_rules! scalars {
    ($($t:ty => $c:literal),+ $(,)?) => {
        $(
            impl Bytes for $t {
                fn put(&self, out: &mut [u8]) {
                    out[..size_of::<$t>()].copy_from_slice(&self.to_ne_bytes());
                }
                fn get(b: &[u8]) -> Self {
                    let mut w = [0u8; size_of::<$t>()];
                    w.copy_from_slice(&b[..size_of::<$t>()]);
                    <$t>::from_ne_bytes(w)
                }
            }
            impl CElement for $t {
                const C_ELEMENT: &'static str = $c;
            }
        )+
    };
}

scalars!(u8 => "__u8", u16 => "__u16", u32 => "__u32", u64 => "__u64");

impl<T: Bytes, const N: usize> Bytes for [T; N] {
    fn put(&self, out: &mut [u8]) {
        for (i, x) in self.iter().enumerate() {
            x.put(&mut out[i * size_of::<T>()..]);
        }
    }
    fn get(b: &[u8]) -> Self {
        core::array::from_fn(|i| T::get(&b[i * size_of::<T>()..]))
    }
}

/// A `#define` of the header.
pub struct Constant {
    pub name: &'static str,
    pub value: u64,
    /// Its doc comment, one line per `///` line.
    pub doc: &'static [&'static str],
}

/// A field of a struct of the header, with its place in the Rust struct.
pub struct Field {
    pub name: &'static str,
    pub c_type: &'static str,
    pub len: Option<usize>,
    pub offset: usize,
    pub doc: &'static [&'static str],
}

/// A struct of the header, with its size in Rust.
pub struct Struct {
    /// Its C name (`struct check`'s is `check`).
    pub name: &'static str,
    pub size: usize,
    pub doc: &'static [&'static str],
    pub fields: &'static [Field],
}

/// Defines `pub const`s and [`CONSTANTS`](crate::CONSTANTS), their list
/// for the header.
macro_rules! constants {
    ($( $(#[doc = $doc:literal])* $name:ident: $ty:ty = $value:expr; )+) => {
        $( $(#[doc = $doc])* pub const $name: $ty = $value; )+

        /// Every constant above, for the header.
        pub const CONSTANTS: &[$crate::layout::Constant] = &[
            $( $crate::layout::Constant { name: stringify!($name), value: $name as u64, doc: &[$($doc),*] }, )+
        ];
    };
}

/// Defines `#[repr(C)]` structs, their [`Bytes`] encoding (each field at
/// its `offset_of!`), `to_bytes`/`from_bytes`, and
/// [`STRUCTS`](crate::STRUCTS), their descriptions for the header.
macro_rules! structs {
    ($(
        $(#[doc = $doc:literal])*
        struct $c:ident as $name:ident { $( $(#[doc = $fdoc:literal])* $field:ident: $ty:ty, )+ }
    )+) => {
        $(
            $(#[doc = $doc])*
            #[doc = concat!("\n\n`struct ", stringify!($c), "` in C.")]
            #[repr(C)]
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
            pub struct $name { $( $(#[doc = $fdoc])* pub $field: $ty, )+ }

            impl $crate::layout::Bytes for $name {
                fn put(&self, out: &mut [u8]) {
                    $( $crate::layout::Bytes::put(&self.$field, &mut out[core::mem::offset_of!($name, $field)..]); )+
                }
                fn get(b: &[u8]) -> Self {
                    $name { $( $field: $crate::layout::Bytes::get(&b[core::mem::offset_of!($name, $field)..]), )+ }
                }
            }

            impl $crate::layout::CElement for $name {
                const C_ELEMENT: &'static str = concat!("struct ", stringify!($c));
            }

            impl $name {
                /// Its size, in Rust and (asserted by the header) in C.
                pub const SIZE: usize = core::mem::size_of::<$name>();

                /// As the programs read it (padding, if any, zeroed).
                pub fn to_bytes(&self) -> [u8; core::mem::size_of::<$name>()] {
                    let mut out = [0u8; core::mem::size_of::<$name>()];
                    $crate::layout::Bytes::put(self, &mut out);
                    out
                }

                /// As the programs wrote it; `None` if `b` is too short.
                pub fn from_bytes(b: &[u8]) -> Option<$name> {
                    (b.len() >= Self::SIZE).then(|| $crate::layout::Bytes::get(b))
                }
            }
        )+

        /// Every struct above, for the header.
        pub const STRUCTS: &[$crate::layout::Struct] = &[
            $( $crate::layout::Struct {
                name: stringify!($c),
                size: core::mem::size_of::<$name>(),
                doc: &[$($doc),*],
                fields: &[ $( $crate::layout::Field {
                    name: stringify!($field),
                    c_type: <$ty as $crate::layout::CType>::C_TYPE,
                    len: <$ty as $crate::layout::CType>::LEN,
                    offset: core::mem::offset_of!($name, $field),
                    doc: &[$($fdoc),*],
                }, )+ ],
            }, )+
        ];
    };
}
