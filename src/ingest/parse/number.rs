//! Tokens and numbers: separators found a word at a time, short numbers parsed while scanned.

/// Parses an unsigned decimal integer (no sign, no spaces).
#[inline]
pub fn parse_uint(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s.len() >= 8 && s.len() < 20 {
        // Leading digits one by one, the last eight at once.
        let (head, tail) = s.split_at(s.len() - 8);
        let mut v: u64 = 0;
        for &b in head {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            v = v * 10 + u64::from(d);
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(tail);
        return Some(v * 100_000_000 + parse_8_digits(u64::from_le_bytes(word))?);
    }
    let mut v: u64 = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(v)
}

/// High bit set in each byte of `word` that is not an ASCII digit.
#[inline]
fn non_digit_mask(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = word & LOW7;
    // Per byte, no carries (each byte is at most 0x7f + 0x50 < 0x100).
    let at_least_0 = (low + 0x5050_5050_5050_5050) & HIGH; // byte >= 0x30
    let above_9 = (low + 0x4646_4646_4646_4646) & HIGH; // byte >= 0x3a
    let digit = at_least_0 & !above_9 & !(word & HIGH);
    !digit & HIGH
}

/// A number of 1 to 10 digits followed by a separator or the end of the line, read with one or
/// two 8-byte loads and no per-digit loop. `None` means: use the general path.
#[inline]
pub(crate) fn scan_short_number(line: &[u8], start: usize) -> Option<(usize, u64)> {
    let chunk = line.get(start..start + 8)?;
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(chunk);
    let word = u64::from_le_bytes(bytes);
    let digits = (non_digit_mask(word).trailing_zeros() / 8) as usize;
    if digits == 0 {
        return None;
    }
    if digits < 8 {
        if !line.get(start + digits).copied().is_some_and(is_sep) {
            return None;
        }
        return Some((start + digits, leading_digits(word, digits)));
    }
    // Eight digits, then up to two more (10-digit epoch seconds).
    let mut v = parse_8_digits_unchecked(word);
    let mut i = start + 8;
    while i < start + 10 {
        match line.get(i) {
            Some(b) if b.is_ascii_digit() => {
                v = v * 10 + u64::from(b - b'0');
                i += 1;
            }
            _ => break,
        }
    }
    match line.get(i) {
        None => Some((i, v)),
        Some(b) if is_sep(*b) => Some((i, v)),
        _ => None,
    }
}

/// Eight ASCII digits (little-endian word, first digit in the low byte) → their value.
#[inline]
fn parse_8_digits(word: u64) -> Option<u64> {
    // Every byte must be 0x30..=0x39: high nibble 3, and adding 6 must not carry into it.
    let all_digits = (word & 0xf0f0_f0f0_f0f0_f0f0) == 0x3030_3030_3030_3030
        && (word.wrapping_add(0x0606_0606_0606_0606) & 0xf0f0_f0f0_f0f0_f0f0)
            == 0x3030_3030_3030_3030;
    if !all_digits {
        return None;
    }
    Some(parse_8_digits_unchecked(word))
}

/// The value of the 1 to 8 ASCII digits that start `word` (little-endian, first digit in the
/// low byte; known to be digits): right-aligned, the low bytes padded with '0'.
#[inline(always)]
pub(super) fn leading_digits(word: u64, len: usize) -> u64 {
    let shift = 8 * (8 - len) as u32;
    let padded = word.checked_shl(shift).unwrap_or(0)
        | 0x3030_3030_3030_3030u64
            .checked_shr(64 - shift)
            .unwrap_or(0);
    parse_8_digits_unchecked(padded)
}

/// [`parse_8_digits`] for a word known to hold eight ASCII digits.
#[inline]
fn parse_8_digits_unchecked(word: u64) -> u64 {
    let v = word.wrapping_sub(0x3030_3030_3030_3030);
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    ((v & 0x0000_00ff_0000_00ff).wrapping_mul(100 + (1_000_000 << 32))
        + ((v >> 16) & 0x0000_00ff_0000_00ff).wrapping_mul(1 + (10_000 << 32)))
        >> 32
}

/// High bit set in each byte of `word` that is a space or a tab (exact, no false positives).
#[inline]
fn separator_mask(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    #[inline]
    fn zero_bytes(x: u64) -> u64 {
        !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
    }
    zero_bytes(word ^ 0x2020_2020_2020_2020) | zero_bytes(word ^ 0x0909_0909_0909_0909)
}

/// End of the token starting at `i`: the next space or tab, or the end of the line. Eight bytes
/// at a time.
#[inline]
pub(crate) fn token_end(line: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = line.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mask = separator_mask(u64::from_le_bytes(word));
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < line.len() && !is_sep(line[i]) {
        i += 1;
    }
    i
}

/// Number of fields (runs of non-separators) on a line.
pub(crate) fn count_fields(line: &[u8]) -> usize {
    line.split(|b| is_sep(*b)).filter(|t| !t.is_empty()).count()
}

#[inline]
pub(crate) fn is_sep(b: u8) -> bool {
    b == b' ' || b == b'\t'
}
