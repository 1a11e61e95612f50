//! Reading a byuid file the way authbind 2.1 reads it: `fgets` into a
//! 300-byte buffer, so at most 298 bytes at a time, a longer line being
//! seen as several lines.

use core::ops::ControlFlow;
use model::Errno;

/// A byuid file as the procedure reads it: buffered bytes, as std's
/// `BufRead` (every `BufRead` is one, with std), so that a reader without
/// std (the setuid helper's) can be one too.
pub trait ByuidRead {
    /// The bytes buffered, read more if none are; empty at the end.
    fn fill_buf(&mut self) -> Result<&[u8], Errno>;
    /// `n` bytes of the buffer were used.
    fn consume(&mut self, n: usize);
}

#[cfg(feature = "std")]
impl<R: std::io::BufRead> ByuidRead for R {
    fn fill_buf(&mut self) -> Result<&[u8], Errno> {
        loop {
            match std::io::BufRead::fill_buf(self) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // The borrow checker cannot see that the loop ends here.
                Err(e) => return Err(Errno(e.raw_os_error().unwrap_or(Errno::EIO.0))),
                Ok(_) => break,
            }
        }
        std::io::BufRead::fill_buf(self).map_err(|e| Errno(e.raw_os_error().unwrap_or(Errno::EIO.0)))
    }

    fn consume(&mut self, n: usize) {
        std::io::BufRead::consume(self, n)
    }
}

/// authbind reads with `fgets(buf, 299, f)`: at most 298 bytes at a time.
pub const CHUNK: usize = 298;

/// The size cap, the model's (messages name it too).
pub use model::MAX_BYUID_BYTES as MAX_FILE_BYTES;

/// Why reading a byuid file stopped early.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadEnd {
    /// Reading failed with this errno (authbind: "read per-uid file").
    Failed(Errno),
    /// The file is larger than [`MAX_FILE_BYTES`].
    TooLarge,
}

/// Hands `visit` each `fgets` chunk of `file` with the number (from 1) of
/// the line it starts on, until `visit` breaks, the file ends (`Ok`), a
/// read fails or the size cap is passed. A chunk is visited before the
/// cap is checked, exactly as the helper judges a line before it counts
/// it: so every reader of byuid files sees the same lines.
pub fn for_each_chunk<R: ByuidRead>(
    mut file: R,
    mut visit: impl FnMut(u32, &[u8]) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, ReadEnd> {
    let mut chunk = [0u8; CHUNK];
    let mut total: u64 = 0;
    let mut line: u32 = 1;
    loop {
        let mut len = 0;
        // One fgets: up to CHUNK bytes, ending after a newline.
        while len < CHUNK {
            let buf = file.fill_buf().map_err(ReadEnd::Failed)?;
            if buf.is_empty() {
                break;
            }
            let room = CHUNK - len;
            let take = match buf[..buf.len().min(room)].iter().position(|&b| b == b'\n') {
                Some(nl) => nl + 1,
                None => buf.len().min(room),
            };
            chunk[len..len + take].copy_from_slice(&buf[..take]);
            file.consume(take);
            len += take;
            total += take as u64;
            if chunk[len - 1] == b'\n' {
                break;
            }
        }
        if len == 0 {
            return Ok(ControlFlow::Continue(()));
        }
        if visit(line, &chunk[..len]).is_break() {
            return Ok(ControlFlow::Break(()));
        }
        if chunk[len - 1] == b'\n' {
            line = line.saturating_add(1);
        }
        if total > MAX_FILE_BYTES {
            return Err(ReadEnd::TooLarge);
        }
    }
}
