//! Bounded reads of small kernel files (/proc, /sys).

use crate::error::Error;
use std::io::Read;

/// At most `limit` bytes of `path`, as text.
pub fn small_file(path: &str, limit: u64) -> Result<String, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut text = String::new();
    file.take(limit)
        .read_to_string(&mut text)
        .map_err(|e| Error::io(path, &e))?;
    Ok(text)
}
