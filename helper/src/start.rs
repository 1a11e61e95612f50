//! The helper's own start: no C library at all. A setuid helper exists for
//! a fraction of a millisecond, and a C library's start-up is most of it:
//! glibc's static start-up runs 43 `cpuid` instructions (its CPU features
//! and cache sizes; counted by single-stepping one), and in a virtual
//! machine each one traps to the hypervisor (4.8 µs here). A static-pie C
//! program that only binds cost 485-526 µs an exec on this machine; the
//! same without glibc, 187-208 µs (docs/benchmark.md). So the kernel
//! enters [`_start`] here, and
//! this file does what a static-pie start-up must: apply the executable's
//! own relocations (it is loaded at a random address), make them
//! read-only again (RELRO), and hand the arguments to [`crate::run`].
//! The environment is never looked at.

#[cfg(not(target_feature = "crt-static"))]
compile_error!("the helper is a static executable: build it with -C target-feature=+crt-static (make does)");

use alloc::vec::Vec;
use core::ffi::CStr;

// The kernel starts a program with the stack pointer at argc, argv[],
// NULL, envp[], NULL, auxv[]. Our entry passes that, the address the
// executable was loaded at (its ELF header, `__ehdr_start`) and its
// dynamic section to `entry`, on a stack aligned as the ABI wants.
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl _start",
    ".type _start, @function",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "lea rsi, [rip + __ehdr_start]",
    "lea rdx, [rip + _DYNAMIC]",
    "and rsp, -16",
    "call {entry}",
    "ud2",
    entry = sym entry,
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".globl _start",
    ".type _start, %function",
    "_start:",
    "mov x29, #0",
    "mov x30, #0",
    "mov x0, sp",
    "adrp x1, __ehdr_start",
    "add x1, x1, :lo12:__ehdr_start",
    "adrp x2, _DYNAMIC",
    "add x2, x2, :lo12:_DYNAMIC",
    "and sp, x0, #-16",
    "bl {entry}",
    "brk #0",
    entry = sym entry,
);

/// `R_X86_64_RELATIVE` / `R_AARCH64_RELATIVE`: the only relocation a
/// static-pie has (base + addend), checked: any other stops the helper.
#[cfg(target_arch = "x86_64")]
const R_RELATIVE: u64 = 8;
#[cfg(target_arch = "aarch64")]
const R_RELATIVE: u64 = 1027;

const DT_NULL: usize = 0;
const DT_PLTRELSZ: usize = 2;
const DT_RELA: usize = 7;
const DT_RELASZ: usize = 8;
const DT_RELAENT: usize = 9;
const DT_INIT: usize = 12;
const DT_REL: usize = 17;
const DT_TEXTREL: usize = 22;
const DT_INIT_ARRAYSZ: usize = 27;
const DT_FLAGS: usize = 30;
const DT_PREINIT_ARRAYSZ: usize = 33;
const DT_RELR: usize = 36;
const DF_TEXTREL: usize = 4;
const PT_GNU_RELRO: u32 = 0x6474_e552;
const AT_PAGESZ: usize = 6;

/// Where the kernel enters: relocate, protect, run, exit.
///
/// # Safety
/// Called once, by `_start`, with what the kernel gave a new process.
unsafe extern "C" fn entry(stack: *const usize, base: usize, dynamic: *const usize) -> ! {
    // SAFETY: base and dynamic are this executable's, as loaded; nothing
    // has read a relocated value yet.
    if unsafe { !relocate(base, dynamic) } {
        syscalls::raw::exit(127);
    }
    // SAFETY: the stack is the kernel's initial one, as laid out above.
    let (args, page) = unsafe { arguments(stack) };
    // SAFETY: base is our ELF header, as loaded; page the kernel's page size.
    if unsafe { !protect_relro(base, page) } {
        syscalls::raw::exit(127);
    }
    syscalls::raw::exit(crate::run(&args))
}

/// Applies the relocations of the dynamic section at `dynamic` for an
/// executable loaded at `base`. False when the image asks for more than
/// RELATIVE relocations in `.rela.dyn` (PLT relocations, REL or RELR
/// tables, relocations in the text, constructors to run): none of that is
/// done here, and a helper half set up must not run at all.
///
/// # Safety
/// `base` and `dynamic` describe this executable as the kernel loaded it,
/// before any relocated value is used.
unsafe fn relocate(base: usize, dynamic: *const usize) -> bool {
    let (mut rela, mut size, mut entsize) = (0usize, 0usize, 24usize);
    let mut at = dynamic;
    loop {
        // SAFETY: the dynamic section is an array of (tag, value) pairs
        // that ends with DT_NULL.
        let (tag, value) = unsafe { (*at, *at.add(1)) };
        match tag {
            DT_NULL => break,
            DT_RELA => rela = value,
            DT_RELASZ => size = value,
            DT_RELAENT => entsize = value,
            DT_REL | DT_RELR | DT_INIT | DT_TEXTREL => return false,
            DT_PLTRELSZ | DT_INIT_ARRAYSZ | DT_PREINIT_ARRAYSZ if value != 0 => return false,
            DT_FLAGS if value & DF_TEXTREL != 0 => return false,
            _ => {}
        }
        // SAFETY: not past DT_NULL yet.
        at = unsafe { at.add(2) };
    }
    if entsize != 24 {
        return false;
    }
    let mut offset = 0;
    while offset < size {
        // SAFETY: Elf64_Rela entries of 24 bytes at base + DT_RELA.
        let (r_offset, r_info, addend) = unsafe {
            let r = (base + rela + offset) as *const u64;
            (*r, *r.add(1), *r.add(2))
        };
        if r_info & 0xffff_ffff != R_RELATIVE {
            return false;
        }
        // SAFETY: the place a RELATIVE relocation names is inside our
        // image and still writable (RELRO is protected only after this).
        unsafe { *((base as u64 + r_offset) as *mut u64) = base as u64 + addend };
        offset += 24;
    }
    true
}

/// The arguments (argv) and the page size (auxv), from the initial stack.
///
/// # Safety
/// `stack` is the kernel's initial stack: argc, argv[], NULL, envp[],
/// NULL, auxv pairs ending with AT_NULL.
unsafe fn arguments(stack: *const usize) -> (Vec<&'static [u8]>, usize) {
    // SAFETY: as the function's contract says, each pointer read is
    // inside the initial stack, each argv entry a NUL-terminated string
    // that lives as long as the process.
    unsafe {
        let argc = *stack;
        let argv = stack.add(1) as *const *const core::ffi::c_char;
        let args = (0..argc).map(|i| CStr::from_ptr(*argv.add(i)).to_bytes()).collect();
        let mut at = stack.add(argc + 2);
        while *at != 0 {
            at = at.add(1);
        }
        at = at.add(1);
        let mut page = 4096;
        while *at != 0 {
            // A power of two, or the default (a zero would wrap below).
            if *at == AT_PAGESZ && (*at.add(1)).is_power_of_two() {
                page = *at.add(1);
            }
            at = at.add(2);
        }
        (args, page)
    }
}

/// Makes the relocated read-only data (PT_GNU_RELRO) read-only, as the
/// C library's start-up does: a write into it would crash, not redirect.
/// False if that failed (the helper then does not run).
///
/// # Safety
/// `base` is this executable's ELF header, as loaded; `page` a power of two.
unsafe fn protect_relro(base: usize, page: usize) -> bool {
    // SAFETY: e_phoff (offset 32), e_phentsize (54) and e_phnum (56) of
    // our ELF header, then our program headers, all mapped.
    unsafe {
        let phoff = *((base + 32) as *const u64) as usize;
        let phentsize = usize::from(*((base + 54) as *const u16));
        let phnum = usize::from(*((base + 56) as *const u16));
        for i in 0..phnum {
            let ph = base + phoff + i * phentsize;
            if *(ph as *const u32) != PT_GNU_RELRO {
                continue;
            }
            let start = base + *((ph + 16) as *const u64) as usize;
            let end = start + *((ph + 40) as *const u64) as usize;
            let (start, end) = (start & !(page - 1), end & !(page - 1));
            if end > start && syscalls::sys!(libc::SYS_mprotect, start, end - start, libc::PROT_READ).is_err() {
                return false;
            }
        }
    }
    true
}
