//! The helper's memory: a bump allocator over a static arena (the helper
//! lives for one request and frees little), larger or later requests
//! mapped on their own. No lock: the helper has one thread.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Enough for one request: the byuid file's read buffer (64 KiB), the
/// reserve folder's listing (32 KiB), the audit line's pieces. Its pages
/// are touched only as they are used.
const ARENA: usize = 256 * 1024;

struct Arena {
    bytes: UnsafeCell<[u8; ARENA]>,
    used: AtomicUsize,
    /// The most ever used: beyond it the arena is still all zeros (it is
    /// static), so a zeroed block there needs no writing.
    high: AtomicUsize,
}

// SAFETY: the helper has one thread; `used` hands each byte out once.
unsafe impl Sync for Arena {}

#[global_allocator]
static HEAP: Arena = Arena {
    bytes: UnsafeCell::new([0; ARENA]),
    used: AtomicUsize::new(0),
    high: AtomicUsize::new(0),
};

impl Arena {
    fn start(&self) -> usize {
        self.bytes.get() as usize
    }

    fn inside(&self, p: *mut u8) -> bool {
        (self.start()..self.start() + ARENA).contains(&(p as usize))
    }
}

// SAFETY: every block returned is either a fresh, unshared range of the
// arena aligned as asked, or a fresh anonymous mapping (page aligned,
// larger alignments are not asked by the helper's types and refused).
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let used = self.used.load(Ordering::Relaxed);
        let at = (self.start() + used).next_multiple_of(layout.align());
        let end = at + layout.size();
        if end <= self.start() + ARENA {
            self.used.store(end - self.start(), Ordering::Relaxed);
            self.high.fetch_max(end - self.start(), Ordering::Relaxed);
            return at as *mut u8;
        }
        if layout.align() > 4096 {
            return core::ptr::null_mut();
        }
        // SAFETY: an anonymous private mapping; nothing of ours is there.
        let mapped = unsafe {
            syscalls::sys!(
                libc::SYS_mmap,
                0,
                layout.size(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1i32,
                0
            )
        };
        mapped.map_or(core::ptr::null_mut(), |p| p as *mut u8)
    }

    /// Zeroes only what may have been used before: a 64 KiB read buffer
    /// costs nothing to clear when it is fresh.
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let high = self.start() + self.high.load(Ordering::Relaxed);
        // SAFETY: the caller's layout, passed on.
        let p = unsafe { self.alloc(layout) };
        if !p.is_null() && self.inside(p) && (p as usize) < high {
            let dirty = (high - p as usize).min(layout.size());
            // SAFETY: p is valid for layout.size() >= dirty bytes.
            unsafe { core::ptr::write_bytes(p, 0, dirty) };
        }
        // A fresh mapping is zeros already.
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if self.inside(p) {
            // The last block given is taken back; others stay used.
            let end = p as usize + layout.size() - self.start();
            let _ = self
                .used
                .compare_exchange(end, p as usize - self.start(), Ordering::Relaxed, Ordering::Relaxed);
        } else {
            // SAFETY: a mapping `alloc` made for this layout, no longer used.
            let _ = unsafe { syscalls::sys!(libc::SYS_munmap, p, layout.size()) };
        }
    }
}
