//! The clocks: the monotonic one as nanoseconds (bounded waits, and
//! authbindd's reading of the windows its BPF programs count audit lines
//! in: their bpf_ktime_get_coarse_ns() is the same clock, a tick behind
//! at most), and the epoch's seconds (the helper's rate-limit files).

/// Seconds since the epoch (0 if the clock cannot be read), by system
/// call: the setuid helper has no C library (nor its vDSO lookup).
pub fn epoch_seconds() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: ts is writable.
    match unsafe {
        crate::sys!(
            libc::SYS_clock_gettime,
            libc::CLOCK_REALTIME,
            &mut ts as *mut libc::timespec
        )
    } {
        Ok(_) => u64::try_from(ts.tv_sec).unwrap_or(0),
        Err(_) => 0,
    }
}

/// CLOCK_MONOTONIC, in nanoseconds.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: ts is writable; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64).saturating_mul(1_000_000_000) + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    #[test]
    fn clocks() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(super::epoch_seconds().abs_diff(now) <= 1);
        let (a, b) = (super::monotonic_ns(), super::monotonic_ns());
        assert!(a > 0 && b >= a);
    }
}
