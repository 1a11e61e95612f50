//! A set of privileged ports (1–1023) as the BPF program reads it: 1024
//! bits, bit P of word P/64.

/// The privileged ports kernel mode decides.
pub const PORTS: std::ops::RangeInclusive<u16> = 1..=1023;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortSet(pub [u64; 16]);

impl PortSet {
    /// The ports of `lo..=hi` (C unsigned ints, as byuid lines hold them)
    /// that also lie in `within`.
    pub fn range(lo: u32, hi: u32, within: std::ops::RangeInclusive<u16>) -> PortSet {
        let mut set = PortSet::default();
        let lo = lo.max(u32::from(*within.start()).max(u32::from(*PORTS.start())));
        let hi = hi.min(u32::from(*within.end()).min(u32::from(*PORTS.end())));
        for p in lo..=hi {
            set.0[(p / 64) as usize] |= 1 << (p % 64);
        }
        set
    }

    pub fn contains(&self, port: u16) -> bool {
        port < 1024 && self.0[usize::from(port / 64)] & (1 << (port % 64)) != 0
    }

    pub fn union(&mut self, other: &PortSet) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// As the map value (host byte order words).
    pub fn to_bytes(self) -> [u8; 128] {
        let mut out = [0u8; 128];
        for (chunk, w) in out.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&w.to_ne_bytes());
        }
        out
    }

    /// `80-88,443` style, for `--check`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let mut p = 1u16;
        while p < 1024 {
            if self.contains(p) {
                let start = p;
                while p + 1 < 1024 && self.contains(p + 1) {
                    p += 1;
                }
                parts.push(if start == p {
                    start.to_string()
                } else {
                    format!("{start}-{p}")
                });
            }
            p += 1;
        }
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_clipped_to_the_file_and_the_privileged_ports() {
        let (plain, bang) = (model::bang_ports(false), model::bang_ports(true));
        let low = PortSet::range(0, 70000, plain);
        assert!(!low.contains(0) && low.contains(1) && low.contains(511) && !low.contains(512));
        let high = PortSet::range(80, u32::MAX, bang.clone());
        assert!(high.contains(512) && high.contains(1023) && !high.contains(511));
        assert!(PortSet::range(1024, 2000, bang).is_empty());
        assert!(PortSet::range(90, 80, 1..=511).is_empty());
        assert_eq!(PortSet::range(80, 88, 1..=511).describe(), "80-88");
        let mut u = PortSet::range(22, 22, 1..=511);
        u.union(&PortSet::range(80, 81, 1..=511));
        assert_eq!(u.describe(), "22,80-81");
        assert_eq!(u.to_bytes()[..8], (1u64 << 22).to_ne_bytes());
    }
}
