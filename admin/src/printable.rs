//! What authbind-policy prints of names and lines it did not write
//! itself. A file name or a byuid line is anyone's text: a newline in it
//! would forge a line of `check`'s report (in CI and configuration
//! management logs), an escape sequence would rewrite the terminal, a
//! bidirectional override would show text other than what is there.
//!
//! Two layers: [`printable`] for each such piece put into a line (so a
//! newline cannot end the line), and [`Terminal`] over the whole output
//! (so no control character reaches the terminal, whatever forgot the
//! first layer).

use std::borrow::Cow;
use std::io::{self, Write};

/// Characters that control a terminal or the order text is shown in.
fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character (newline and tab included) and
/// every bidirectional control written as `\xNN` / `\u{NNNN}`; the rest
/// unchanged, so ordinary names read as they are.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !hidden(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// A writer that lets lines and tabs through and writes every other C0
/// control byte and DEL as `\xNN`.
pub struct Terminal<W: Write>(pub W);

impl<W: Write> Write for Terminal<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            if (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f {
                self.0.write_all(&buf[start..i])?;
                write!(self.0, "\\x{b:02x}")?;
                start = i + 1;
            }
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_to_one_line_and_show_what_is_there() {
        assert!(matches!(printable("byport/80"), Cow::Borrowed("byport/80")));
        assert_eq!(printable("byuid/1000\nerror: x"), "byuid/1000\\x0aerror: x");
        assert_eq!(printable("a\x1b[2Jb\tc\x7f"), "a\\x1b[2Jb\\x09c\\x7f");
        assert_eq!(printable("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(printable("café ✓"), "café ✓");
    }

    #[test]
    fn the_terminal_sees_no_control_byte_but_lines() {
        let mut t = Terminal(Vec::new());
        t.write_all(b"ok\n\x1b]0;title\x07\tend\r\n").unwrap();
        assert_eq!(t.0, b"ok\n\\x1b]0;title\\x07\tend\\x0d\n");
    }
}
