//! Text from the input made safe to show: control characters become visible escapes.
//!
//! A flow-log line or a file name can hold ESC sequences, BEL, NUL or bidirectional overrides;
//! printed raw they can clear a terminal, move the cursor or fake a line of output. Every text
//! that came from an input goes through [`escape_control`] before it reaches a terminal or a
//! label, and binary output to a terminal goes through [`TerminalSafe`].

use std::borrow::Cow;
use std::io::{self, Write};

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls (tab and newline
/// included: they would break a one-line report) and the bidirectional formatting characters.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as an escape (`\x1b`, `\t`, `\u{202e}`); borrowed
/// when there is none.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A writer for output meant for files that is going to a terminal instead: newlines pass, every
/// other control byte (C0, DEL, and C1 as UTF-8 `c2 80`–`c2 9f`) is written as `\xNN`.
pub struct TerminalSafe<W: Write> {
    inner: W,
    /// A `c2` byte at the end of the last write (the start of a C1 character, maybe).
    pending_c2: bool,
}

impl<W: Write> TerminalSafe<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> TerminalSafe<W> {
        TerminalSafe {
            inner,
            pending_c2: false,
        }
    }
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 16);
        for &b in buf {
            if self.pending_c2 {
                self.pending_c2 = false;
                if (0x80..=0x9f).contains(&b) {
                    out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
                    continue;
                }
                out.push(0xc2);
            }
            match b {
                0xc2 => self.pending_c2 = true,
                b'\n' => out.push(b),
                0..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
                _ => out.push(b),
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.pending_c2) {
            self.inner.write_all(&[0xc2])?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible() {
        assert!(matches!(escape_control("10.0.0.1 ok"), Cow::Borrowed(_)));
        assert_eq!(escape_control("a\x1b[2Jb\x07\0"), "a\\x1b[2Jb\\x07\\x00");
        assert_eq!(
            escape_control("x\u{9b}y\u{202e}z\tw"),
            "x\\x9by\\u{202e}z\\tw"
        );
        let mut out = TerminalSafe::new(Vec::new());
        out.write_all("a\x1b[31mb\n".as_bytes()).unwrap();
        // A C1 character split across two writes.
        out.write_all(&[b'c', 0xc2]).unwrap();
        out.write_all(&[0x9b, b'd', 0xc2, 0xa9]).unwrap();
        out.flush().unwrap();
        assert_eq!(
            String::from_utf8(out.inner).unwrap(),
            "a\\x1b[31mb\nc\\x9bd\u{a9}"
        );
    }
}
