//! An in-memory configuration folder, for tests and fuzzing.

use crate::decide::{OpenError, PolicyFs};
use model::Errno;
use std::collections::HashMap;
use std::io::Cursor;
use std::ops::ControlFlow;

/// One entry of the tree.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A flag file: whether `access(X_OK)` succeeds for the user asking,
    /// else the errno it fails with.
    Flag(Result<(), i32>),
    /// A byuid file's bytes.
    Text(Vec<u8>),
    /// A folder where a byuid file is looked for.
    Dir,
    /// A FIFO or a device where a byuid file is looked for.
    Special,
    /// Opening or checking fails with this errno.
    Fails(i32),
}

#[derive(Default, Debug)]
pub struct MemFs {
    pub entries: HashMap<String, Entry>,
    /// Every path asked about, in order.
    pub asked: Vec<String>,
}

impl MemFs {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn flag(mut self, path: &str, executable: bool) -> Self {
        let r = if executable { Ok(()) } else { Err(13) };
        self.entries.insert(path.to_string(), Entry::Flag(r));
        self
    }
    pub fn text(mut self, path: &str, text: &str) -> Self {
        self.entries
            .insert(path.to_string(), Entry::Text(text.as_bytes().to_vec()));
        self
    }
    pub fn bytes(mut self, path: &str, bytes: Vec<u8>) -> Self {
        self.entries.insert(path.to_string(), Entry::Text(bytes));
        self
    }
    pub fn failing(mut self, path: &str, errno: i32) -> Self {
        self.entries.insert(path.to_string(), Entry::Fails(errno));
        self
    }
    pub fn entry(mut self, path: &str, entry: Entry) -> Self {
        self.entries.insert(path.to_string(), entry);
        self
    }
}

impl PolicyFs for MemFs {
    type File = Cursor<Vec<u8>>;

    fn access_x(&mut self, path: &str) -> Result<(), Errno> {
        self.asked.push(path.to_string());
        match self.entries.get(path) {
            None => Err(Errno::ENOENT),
            Some(Entry::Flag(r)) => r.map_err(Errno),
            // A regular file the test did not mark: not executable.
            Some(Entry::Text(_) | Entry::Special) => Err(Errno::EACCES),
            // Folders are searchable.
            Some(Entry::Dir) => Ok(()),
            Some(Entry::Fails(e)) => Err(Errno(*e)),
        }
    }

    fn open(&mut self, path: &str) -> Result<Self::File, OpenError> {
        self.asked.push(path.to_string());
        match self.entries.get(path) {
            None => Err(OpenError::Failed(Errno::ENOENT)),
            Some(Entry::Text(t)) => Ok(Cursor::new(t.clone())),
            Some(Entry::Flag(_)) => Ok(Cursor::new(Vec::new())),
            Some(Entry::Dir) => Err(OpenError::Directory),
            Some(Entry::Special) => Err(OpenError::NotRegular),
            Some(Entry::Fails(e)) => Err(OpenError::Failed(Errno(*e))),
        }
    }

    /// The entries under `reserve/`, in name order; none: no folder.
    fn reservations(&mut self, each: &mut dyn FnMut(&str) -> ControlFlow<()>) -> Result<(), Errno> {
        // `reserve` itself marked failing: the folder cannot be listed.
        if let Some(Entry::Fails(e)) = self.entries.get("reserve") {
            return Err(Errno(*e));
        }
        let mut names: Vec<&str> = self.entries.keys().filter_map(|p| p.strip_prefix("reserve/")).collect();
        if names.is_empty() {
            return Err(Errno::ENOENT);
        }
        names.sort_unstable();
        for name in names {
            if each(name).is_break() {
                break;
            }
        }
        Ok(())
    }
}
