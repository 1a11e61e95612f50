//! The BPF side: map layouts, loading an instance, reading the kept maps.

pub mod kept;
pub mod layout;
pub mod load;
