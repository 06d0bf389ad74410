//! The filter language's parser: precedence `not` > `and` > `or`, errors with positions.

use super::lex::{Tok, lex};
use super::value::{parse_net, parse_number, parse_port, parse_protocol};
use super::{AddrClass, AddrField, CmpOp, Direction, Filter, FilterError, PortField, Side};
use crate::model::schema::{self, Kind};
use crate::query::labels::LabelField;

// ---------------------------------------------------------------------------------------------
// Parser

/// Parses filter text. Empty text is [`Filter::All`].
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    if matches!(p.peek(), Tok::End) {
        return Ok(Filter::All);
    }
    let f = p.or()?;
    match p.peek() {
        Tok::End => Ok(f),
        _ => Err(p.error("expected `and`, `or` or the end of the filter")),
    }
}

/// How deeply `not` and parentheses may nest. The parser recurses once per level, and so do
/// the compiler, the printer and the translations; a bound keeps a hostile filter from
/// overflowing the stack (a real filter nests a few levels).
pub const MAX_DEPTH: usize = 100;

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    /// Levels of `not` and parentheses open at the current token.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.at).map_or(&Tok::End, |t| &t.1)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(0, |t| t.0)
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        self.at += 1;
        t
    }

    fn error(&self, message: impl Into<String>) -> FilterError {
        FilterError {
            pos: self.pos(),
            message: message.into(),
        }
    }

    fn keyword(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(kw)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        self.chain("or", Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        self.chain("and", Self::unary, Filter::And)
    }

    /// `operand (word operand)*`, joined by `join` when there is more than one operand.
    fn chain(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Result<Filter, FilterError>,
        join: fn(Vec<Filter>) -> Filter,
    ) -> Result<Filter, FilterError> {
        let mut parts = vec![operand(self)?];
        while self.keyword(word) {
            parts.push(operand(self)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            join(parts)
        })
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        let nested = matches!(self.peek(), Tok::LParen)
            || matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case("not"));
        if !nested {
            return self.condition();
        }
        if self.depth == MAX_DEPTH {
            return Err(self.error(format!(
                "nested too deeply: at most {MAX_DEPTH} levels of `not` and parentheses"
            )));
        }
        self.depth += 1;
        let f = self.nested();
        self.depth -= 1;
        f
    }

    /// `not operand` or `( filter )`.
    fn nested(&mut self) -> Result<Filter, FilterError> {
        if self.keyword("not") {
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        self.at += 1; // `(`
        let f = self.or()?;
        if !matches!(self.next(), Tok::RParen) {
            self.at -= 1;
            return Err(self.error("expected `)`"));
        }
        Ok(f)
    }

    fn word(&mut self, what: &str) -> Result<(usize, String), FilterError> {
        let pos = self.pos();
        match self.next() {
            Tok::Word(w) => Ok((pos, w)),
            Tok::Str(s) => Ok((pos, s)),
            _ => {
                self.at -= 1;
                Err(self.error(format!("expected {what}")))
            }
        }
    }

    fn condition(&mut self) -> Result<Filter, FilterError> {
        let (pos, name) = self.word("a field name (srcaddr, dstport, protocol, action, …)")?;
        let lname = name.to_ascii_lowercase().replace('-', "_");
        // Address classes: `src is private`.
        if matches!(lname.as_str(), "src" | "dst" | "addr") && self.keyword("is") {
            let side = match lname.as_str() {
                "src" => Side::Src,
                "dst" => Side::Dst,
                _ => Side::Either,
            };
            let (cpos, class) = self.word("an address class")?;
            let Some(class) = AddrClass::ALL
                .into_iter()
                .find(|c| c.name().eq_ignore_ascii_case(&class))
            else {
                return Err(FilterError {
                    pos: cpos,
                    message: "expected an address class: private, cgnat, linklocal, public or vpc"
                        .into(),
                });
            };
            return Ok(Filter::Class { side, class });
        }
        if lname == "direction" {
            let op = self.eq_op()?;
            let (dpos, d) = self.word("a direction")?;
            let Some(dir) = Direction::ALL
                .into_iter()
                .find(|x| x.name().eq_ignore_ascii_case(&d))
            else {
                return Err(FilterError {
                    pos: dpos,
                    message: "expected a direction: outbound, inbound, internal or external".into(),
                });
            };
            return Ok(negate_if(op == CmpOp::Ne, Filter::Direction(dir)));
        }
        let addr_field = match lname.as_str() {
            "srcaddr" | "src" => Some(AddrField::Src),
            "dstaddr" | "dst" => Some(AddrField::Dst),
            "addr" => Some(AddrField::Either),
            "pkt_srcaddr" => Some(AddrField::PktSrc),
            "pkt_dstaddr" => Some(AddrField::PktDst),
            _ => None,
        };
        if let Some(field) = addr_field {
            let (negate, items) = self.set_or_value()?;
            let nets = items
                .into_iter()
                .map(|(p, w)| parse_net(&w, p))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(negate_if(negate, Filter::Addr { field, nets }));
        }
        let port_field = match lname.as_str() {
            "srcport" => Some(PortField::Src),
            "dstport" => Some(PortField::Dst),
            "port" => Some(PortField::Either),
            _ => None,
        };
        if let Some(field) = port_field {
            return self.port_condition(field);
        }
        if lname == "protocol" || lname == "proto" {
            let (negate, items) = self.set_or_value()?;
            let protos = items
                .into_iter()
                .map(|(p, w)| parse_protocol(&w, p))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(negate_if(negate, Filter::Protocol(protos)));
        }
        if let Some(label) = LabelField::parse(&lname) {
            return self.string_condition(label.name().to_owned());
        }
        let Some(def) = schema::lookup(&lname) else {
            return Err(FilterError {
                pos,
                message: format!("unknown field `{name}`"),
            });
        };
        let field = def.column.to_owned();
        match def.kind {
            Kind::Str => self.string_condition(field),
            Kind::Addr => unreachable_addr(pos),
            kind => {
                let op = self.cmp_op()?;
                let (vpos, w) = self.word("a number")?;
                let value = parse_number(&w, kind, vpos)?;
                Ok(Filter::Num { field, op, value })
            }
        }
    }

    /// `field == v`, `field in {…}`, `field != v` or `field ~ "regex"`.
    fn string_condition(&mut self, field: String) -> Result<Filter, FilterError> {
        if matches!(self.peek(), Tok::Tilde) {
            self.at += 1;
            let (ppos, pattern) = self.word("a regular expression in quotes")?;
            if let Err(e) = regex::Regex::new(&pattern) {
                return Err(FilterError {
                    pos: ppos,
                    message: format!("invalid regular expression: {e}"),
                });
            }
            return Ok(Filter::Regex { field, pattern });
        }
        let (negate, items) = self.set_or_value()?;
        let values = items.into_iter().map(|(_, w)| w).collect();
        Ok(negate_if(negate, Filter::Str { field, values }))
    }

    fn port_condition(&mut self, field: PortField) -> Result<Filter, FilterError> {
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Op(_) => self.cmp_op()?,
            Tok::Word(w) if w.eq_ignore_ascii_case("in") => {
                self.at += 1;
                let ranges = self.port_set()?;
                return Ok(Filter::Port { field, ranges });
            }
            _ => return Err(self.error("expected `in`, `==`, `!=`, `<`, `<=`, `>` or `>=`")),
        };
        let (vpos, w) = self.word("a port number")?;
        let v = parse_port(&w, vpos)?;
        let range = match op {
            CmpOp::Eq | CmpOp::Ne => (v, v),
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                let (lo, hi) = match op {
                    CmpOp::Lt => (0, v.checked_sub(1)),
                    CmpOp::Le => (0, Some(v)),
                    CmpOp::Gt => (v.saturating_add(1), (v < u16::MAX).then_some(u16::MAX)),
                    _ => (v, Some(u16::MAX)),
                };
                let Some(hi) = hi else {
                    return Err(FilterError {
                        pos,
                        message: "this port comparison can never match".into(),
                    });
                };
                (lo, hi)
            }
        };
        Ok(negate_if(
            op == CmpOp::Ne,
            Filter::Port {
                field,
                ranges: vec![range],
            },
        ))
    }

    fn port_set(&mut self) -> Result<Vec<(u16, u16)>, FilterError> {
        let braced = matches!(self.peek(), Tok::LBrace);
        if braced {
            self.at += 1;
        }
        let mut ranges = Vec::new();
        loop {
            let (p, w) = self.word("a port or a range like 1024..65535")?;
            let lo = parse_port(&w, p)?;
            let hi = if matches!(self.peek(), Tok::Range) {
                self.at += 1;
                let (p2, w2) = self.word("the end of the port range")?;
                let hi = parse_port(&w2, p2)?;
                if hi < lo {
                    return Err(FilterError {
                        pos: p2,
                        message: format!("empty range {lo}..{hi}"),
                    });
                }
                hi
            } else {
                lo
            };
            ranges.push((lo, hi));
            if !braced {
                break;
            }
            match self.next() {
                Tok::Comma => continue,
                Tok::RBrace => break,
                _ => {
                    self.at -= 1;
                    return Err(self.error("expected `,` or `}`"));
                }
            }
        }
        Ok(ranges)
    }

    fn eq_op(&mut self) -> Result<CmpOp, FilterError> {
        match self.next() {
            Tok::Op("==") => Ok(CmpOp::Eq),
            Tok::Op("!=") => Ok(CmpOp::Ne),
            _ => {
                self.at -= 1;
                Err(self.error("expected `==` or `!=`"))
            }
        }
    }

    fn cmp_op(&mut self) -> Result<CmpOp, FilterError> {
        let op = match self.next() {
            Tok::Op("==") => CmpOp::Eq,
            Tok::Op("!=") => CmpOp::Ne,
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::Le,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::Ge,
            _ => {
                self.at -= 1;
                return Err(self.error("expected a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)"));
            }
        };
        Ok(op)
    }

    /// `== v`, `!= v`, `in v` or `in {a, b}`: (negated, items with positions).
    fn set_or_value(&mut self) -> Result<(bool, Vec<(usize, String)>), FilterError> {
        let negate = match self.next() {
            Tok::Op("==") => false,
            Tok::Op("!=") => true,
            Tok::Word(w) if w.eq_ignore_ascii_case("in") => {
                if matches!(self.peek(), Tok::LBrace) {
                    self.at += 1;
                    let mut items = Vec::new();
                    loop {
                        items.push(self.word("a value")?);
                        match self.next() {
                            Tok::Comma => continue,
                            Tok::RBrace => break,
                            _ => {
                                self.at -= 1;
                                return Err(self.error("expected `,` or `}`"));
                            }
                        }
                    }
                    return Ok((false, items));
                }
                false
            }
            _ => {
                self.at -= 1;
                return Err(self.error("expected `==`, `!=` or `in`"));
            }
        };
        Ok((negate, vec![self.word("a value")?]))
    }
}

fn unreachable_addr(pos: usize) -> Result<Filter, FilterError> {
    Err(FilterError {
        pos,
        message: "internal error: address field not handled".into(),
    })
}

fn negate_if(negate: bool, f: Filter) -> Filter {
    if negate { Filter::Not(Box::new(f)) } else { f }
}
