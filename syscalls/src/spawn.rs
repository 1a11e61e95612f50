//! Running the helper without copying the caller's address space and
//! without a child the program could ever see.
//!
//! `clone(CLONE_VM | CLONE_VFORK)` borrows our memory instead of copying it
//! (cost independent of the caller's size) and suspends the calling thread
//! meanwhile. A clone child with no exit signal sends no SIGCHLD and only
//! `__WCLONE` waits see it; but once it execs, the kernel turns it into an
//! ordinary child at exit (SIGCHLD, visible to `waitpid(-1)`). So the
//! child we make never execs: it is an intermediate that starts the helper
//! as *its* child, waits for it, and exits. The program's only child of
//! ours is that intermediate, silent and invisible to its waits; the
//! helper's SIGCHLD goes to the intermediate, whose signals stay blocked.
//! Signals stay blocked from before the clone until the exec, so no
//! handler of the program runs in either.

use crate::errno::{check, Errno};
use crate::fd::BorrowedFd;
use crate::signals;

/// Each of the two clones gets half of one mapping as its stack.
const STACK_SIZE: usize = 128 * 1024;

/// What the child needs; it lives on the parent's stack, which the child
/// may read because it shares our memory and we are suspended meanwhile.
#[repr(C)]
struct ChildArgs {
    path: *const libc::c_char,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    /// Becomes fd 0 of the helper.
    stdin_fd: i32,
    /// Set when the helper could not be started.
    exec_errno: i32,
    /// Top of the helper's (the grandchild's) stack until it execs.
    helper_stack_top: *mut libc::c_void,
}

/// The intermediate: starts the helper, waits for it, exits (never execs).
///
/// The three parties share one ChildArgs through a raw pointer only (no
/// `&mut` to it exists while a clone runs); the field the clones write is
/// written volatile.
extern "C" fn intermediate(arg: *mut libc::c_void) -> libc::c_int {
    let args = arg.cast::<ChildArgs>();
    // `args` is the ChildArgs the program's thread passed; it stays alive,
    // that thread being suspended until we exit (CLONE_VFORK).
    // SAFETY: that; the helper gets a stack of its own (the lower half of
    // the mapping); `arg` outlives its use (CLONE_VFORK suspends us too).
    let pid = unsafe {
        libc::clone(
            helper_child,
            (*args).helper_stack_top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            arg,
        )
    };
    if pid == -1 {
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!((*args).exec_errno), crate::errno::get()) };
    } else {
        wait_any_kind(pid);
    }
    // SAFETY: _exit ends only this process (our own thread group).
    unsafe { libc::_exit(0) }
}

/// The helper's side until exec: fd 0 in place, nothing else inherited.
extern "C" fn helper_child(arg: *mut libc::c_void) -> libc::c_int {
    let args = arg.cast::<ChildArgs>();
    // SAFETY: `args` as in `intermediate`; plain system calls on descriptors
    // of our own table (cloned without CLONE_FILES, so the program's table
    // is untouched), then exec.
    unsafe {
        let stdin_fd = (*args).stdin_fd;
        let failed = if stdin_fd == 0 {
            // dup2 would leave close-on-exec set.
            libc::fcntl(0, libc::F_SETFD, 0) == -1
        } else {
            libc::dup2(stdin_fd, 0) == -1
        };
        if !failed {
            // The helper must not inherit the program's other descriptors.
            libc::syscall(libc::SYS_close_range, 3u32, !0u32, 0u32);
            libc::execve((*args).path, (*args).argv, (*args).envp);
        }
        core::ptr::write_volatile(core::ptr::addr_of_mut!((*args).exec_errno), *libc::__errno_location());
        libc::_exit(127)
    }
}

/// waitid by system call number: libc's waitid is a thread cancellation
/// point, and a cancel seen through the caller's shared memory would
/// strand the intermediate (its signals are all blocked).
fn raw_waitid(pid: libc::pid_t, info: &mut libc::siginfo_t, options: libc::c_int) -> libc::c_int {
    // SAFETY: info is valid for writing; the rusage pointer may be null.
    unsafe {
        libc::syscall(
            libc::SYS_waitid,
            libc::P_PID,
            pid as libc::id_t,
            info as *mut libc::siginfo_t,
            options,
            core::ptr::null_mut::<libc::rusage>(),
        ) as libc::c_int
    }
}

/// Waits for `pid` whatever its exit signal; ECHILD (SIGCHLD ignored, so
/// it was reaped already) is as good as done.
fn wait_any_kind(pid: libc::pid_t) {
    loop {
        // SAFETY: an all-zero siginfo_t is valid for waitid to fill.
        let mut info: libc::siginfo_t = unsafe { core::mem::zeroed() };
        // SAFETY: info is valid for writing.
        let r = check(raw_waitid(pid, &mut info, libc::WEXITED | libc::__WALL));
        if r != Err(Errno::EINTR) {
            return;
        }
    }
}

/// Runs `path` (NUL-terminated) with `argv` (NUL-terminated strings), an
/// empty environment and `stdin_fd` as its fd 0, and returns when it has
/// finished.
pub fn run(path: &[u8], argv: &[&[u8]], stdin_fd: BorrowedFd) -> Result<(), Errno> {
    const MAX_ARGS: usize = 8;
    if path.last() != Some(&0) || argv.len() >= MAX_ARGS || argv.iter().any(|a| a.last() != Some(&0)) {
        return Err(Errno::EINVAL);
    }
    let mut argv_ptrs = [core::ptr::null::<libc::c_char>(); MAX_ARGS];
    for (slot, a) in argv_ptrs.iter_mut().zip(argv) {
        *slot = a.as_ptr().cast();
    }
    let envp = [core::ptr::null::<libc::c_char>()];
    let mut args = ChildArgs {
        path: path.as_ptr().cast(),
        argv: argv_ptrs.as_ptr(),
        envp: envp.as_ptr(),
        stdin_fd: stdin_fd.raw(),
        exec_errno: 0,
        helper_stack_top: core::ptr::null_mut(),
    };

    // SAFETY: an anonymous private mapping; checked for MAP_FAILED below.
    let stack = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
            -1,
            0,
        )
    };
    if stack == libc::MAP_FAILED {
        return Err(crate::errno::last());
    }
    let saved_mask = match signals::block_all() {
        Ok(m) => m,
        Err(e) => {
            // SAFETY: unmapping the mapping made above.
            unsafe { libc::munmap(stack, STACK_SIZE) };
            return Err(e);
        }
    };
    // SAFETY: the lower half of the mapping; 16-byte aligned.
    args.helper_stack_top = unsafe { stack.cast::<u8>().add(STACK_SIZE / 2).cast() };
    // From here on the clones reach `args` only through this pointer.
    let args_ptr: *mut ChildArgs = &mut args;
    // SAFETY: the intermediate runs on its own stack (the top of the
    // mapping, page-aligned); flags carry no exit signal; `args` outlives
    // its use because CLONE_VFORK suspends us until the intermediate exits.
    let pid = unsafe {
        libc::clone(
            intermediate,
            stack.cast::<u8>().add(STACK_SIZE).cast(),
            libc::CLONE_VM | libc::CLONE_VFORK,
            args_ptr.cast(),
        )
    };
    let clone_errno = crate::errno::get();
    signals::restore(saved_mask);
    // SAFETY: the intermediate has exited: nobody uses the stack now.
    unsafe { libc::munmap(stack, STACK_SIZE) };
    if pid == -1 {
        return Err(Errno(clone_errno));
    }
    reap(pid);
    // Written through shared memory by the clones.
    // SAFETY: a volatile read keeps the compiler from assuming it unchanged.
    let exec_errno = unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*args_ptr).exec_errno)) };
    if exec_errno != 0 {
        return Err(Errno(exec_errno));
    }
    Ok(())
}

/// Waits for the intermediate. Only `__WCLONE` waits see it. ECHILD
/// (someone waited with `__WALL`) is fine: it is gone either way.
fn reap(pid: libc::pid_t) -> Option<i32> {
    loop {
        // SAFETY: an all-zero siginfo_t is valid for waitid to fill.
        let mut info: libc::siginfo_t = unsafe { core::mem::zeroed() };
        let r = check(raw_waitid(pid, &mut info, libc::WEXITED | libc::__WCLONE));
        match r {
            // SAFETY: waitid filled a CLD_* siginfo for this child.
            Ok(_) => return Some(unsafe { info.si_status() }),
            Err(Errno::EINTR) => continue,
            Err(_) => return None,
        }
    }
}
