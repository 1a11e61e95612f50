//! A uid's name from `/etc/passwd`, read directly and with a bound. The
//! setuid helper has no C library and must not load NSS modules anyway;
//! a user only another database knows is logged by uid alone.

use alloc::string::String;
use syscalls::file;

const PASSWD: &[u8] = b"/etc/passwd";
/// The most of the file read (a larger one is read this far).
const MAX_BYTES: usize = 4 << 20;
/// Lines are read through a buffer of this size: a line longer than it
/// is skipped (no real user's entry is).
const BUF: usize = 16 << 10;

/// The first name `/etc/passwd` gives `uid`, if any.
pub fn user_name(uid: u32) -> Option<String> {
    let fd = file::open_at(None, PASSWD, libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY, 0).ok()?;
    let st = file::stat(fd.as_fd()).ok()?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    find(fd.as_fd(), &mut alloc::vec![0u8; BUF], uid)
}

/// The first name the file `fd` gives `uid`, read through `buf`.
fn find(fd: syscalls::BorrowedFd, buf: &mut [u8], uid: u32) -> Option<String> {
    // buf[..held]: bytes read and not yet looked at; `skipping`: inside a
    // line longer than the buffer.
    let (mut held, mut total, mut skipping) = (0, 0, false);
    loop {
        let n = if total < MAX_BYTES {
            file::read(fd, &mut buf[held..]).ok()?
        } else {
            0
        };
        total += n;
        let end = held + n;
        let mut start = 0;
        while let Some(nl) = buf[start..end].iter().position(|&b| b == b'\n') {
            let line = &buf[start..start + nl];
            if !skipping {
                if let Some(name) = name_on(line, uid) {
                    return Some(name);
                }
            }
            skipping = false;
            start += nl + 1;
        }
        if n == 0 {
            // The last line, without its newline; not a line cut by the
            // size cap (`alice:x:10` of `alice:x:1000:…` is not uid 10's).
            let whole = !skipping && total < MAX_BYTES;
            return whole.then(|| name_on(&buf[start..end], uid)).flatten();
        }
        if start == 0 && end == buf.len() {
            skipping = true;
            held = 0;
        } else {
            buf.copy_within(start..end, 0);
            held = end - start;
        }
    }
}

/// The name on one line of the file, if the line is `uid`'s.
fn name_on(line: &[u8], uid: u32) -> Option<String> {
    let mut fields = line.split(|&b| b == b':');
    let name = fields.next()?;
    let _password = fields.next()?;
    let id = core::str::from_utf8(fields.next()?).ok()?.parse::<u32>().ok()?;
    (id == uid && !name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned())
}

#[cfg(test)]
fn name_in(text: &[u8], uid: u32) -> Option<String> {
    text.split(|&b| b == b'\n').find_map(|line| name_on(line, uid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_uid() {
        let text = b"root:x:0:0:root:/root:/bin/bash\n+nis\nalice:x:1000:1000::/home/alice:/bin/sh\nbad:x:zz:1\n";
        assert_eq!(name_in(text, 0).as_deref(), Some("root"));
        assert_eq!(name_in(text, 1000).as_deref(), Some("alice"));
        assert_eq!(name_in(text, 1001), None);
        assert_eq!(user_name(0).as_deref(), Some("root"));
        // The file's first line for the uid, whatever the buffer's edges.
        let real = std::fs::read("/etc/passwd").unwrap();
        for line in real.split(|&b| b == b'\n') {
            let uid = line
                .split(|&b| b == b':')
                .nth(2)
                .and_then(|u| std::str::from_utf8(u).ok()?.parse().ok());
            if let Some(uid) = uid {
                assert_eq!(user_name(uid), name_in(&real, uid), "uid {uid}");
            }
        }
    }

    /// Lines across the buffer's edges, a line longer than the buffer
    /// (skipped, and the next one read), a last line without a newline.
    #[test]
    fn any_buffer_size_finds_what_the_whole_text_does() {
        let text: &[u8] = b"root:x:0:0::/:/bin/sh\nlongname_longname_longname_longname:x:5:5::/:\nbob:x:7:7::/:\nb:x:9:9\nlast:x:11:11";
        let path = std::env::temp_dir().join(format!("audit-passwd-{}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        for size in 12..80 {
            for uid in [0, 5, 7, 9, 11, 12] {
                let fd = std::fs::File::open(&path).unwrap();
                let mut buf = vec![0u8; size];
                let got = find(syscalls::fd::borrow(&fd), &mut buf, uid);
                // The uid's line is found when it fits the buffer.
                let line = text.split(|&b| b == b'\n').find(|l| name_in(l, uid).is_some());
                let want = line.filter(|l| l.len() < size).and_then(|l| name_in(l, uid));
                assert_eq!(got, want, "buffer {size}, uid {uid}");
            }
        }
        std::fs::remove_file(&path).unwrap();
    }
}
