//! The filter language's tokens.

use super::FilterError;

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Word(String),
    Str(String),
    Op(&'static str),
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Tilde,
    Range,
    End,
}

pub(crate) fn lex(text: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'{' => Tok::LBrace,
            b'}' => Tok::RBrace,
            b',' => Tok::Comma,
            b'~' => Tok::Tilde,
            b'=' | b'!' | b'<' | b'>' => {
                let (op, len) = match (c, b.get(i + 1).copied()) {
                    (b'=', Some(b'=')) => ("==", 2),
                    (b'=', _) => ("==", 1),
                    (b'!', Some(b'=')) => ("!=", 2),
                    (b'<', Some(b'=')) => ("<=", 2),
                    (b'<', _) => ("<", 1),
                    (b'>', Some(b'=')) => (">=", 2),
                    (b'>', _) => (">", 1),
                    _ => {
                        return Err(FilterError {
                            pos: i,
                            message: "expected `!=` (use `not` to negate)".into(),
                        });
                    }
                };
                i += len;
                out.push((start, Tok::Op(op)));
                continue;
            }
            b'"' | b'\'' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match b.get(i) {
                        None => {
                            return Err(FilterError {
                                pos: start,
                                message: "unterminated string".into(),
                            });
                        }
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') if b.get(i + 1).is_some_and(|n| *n == quote || *n == b'\\') => {
                            s.push(char::from(b[i + 1]));
                            i += 2;
                        }
                        Some(_) => {
                            let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                out.push((start, Tok::Str(s)));
                continue;
            }
            b'.' if b.get(i + 1) == Some(&b'.') => {
                i += 2;
                out.push((start, Tok::Range));
                continue;
            }
            _ => {
                // A word: field names, values, addresses, CIDRs, times, numbers with units.
                while i < b.len() {
                    let c = b[i];
                    if c.is_ascii_whitespace()
                        || matches!(
                            c,
                            b'(' | b')'
                                | b'{'
                                | b'}'
                                | b','
                                | b'~'
                                | b'='
                                | b'!'
                                | b'<'
                                | b'>'
                                | b'"'
                                | b'\''
                        )
                        || (c == b'.' && b.get(i + 1) == Some(&b'.'))
                    {
                        break;
                    }
                    i += 1;
                }
                if i == start {
                    return Err(FilterError {
                        pos: start,
                        message: format!("unexpected character `{}`", char::from(c)),
                    });
                }
                out.push((start, Tok::Word(text[start..i].to_owned())));
                continue;
            }
        };
        i += 1;
        out.push((start, tok));
    }
    out.push((text.len(), Tok::End));
    Ok(out)
}
