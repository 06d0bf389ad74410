//! Per-file dictionaries of strings and addresses (ids local to the file; the assembly merges
//! them). Values of up to 32 bytes compare as packed integers ([`ShortKey`]).

use rustc_hash::FxHashMap;

use crate::model::addr::V4_MAPPED;

/// Dictionary of the distinct strings of one column in one file.
#[derive(Debug, Default)]
pub struct StrDict {
    /// The first [`LINEAR_DICT`] short values, searched linearly while the dictionary is small.
    first: Vec<(ShortKey, u32)>,
    /// Every value of at most 32 bytes, by its packed form.
    short: FxHashMap<ShortKey, u32>,
    /// Longer values.
    long: FxHashMap<Box<[u8]>, u32>,
    /// Distinct values in id order.
    pub values: Vec<Box<[u8]>>,
}

/// Dictionaries up to this size are searched linearly (no hashing): `action`, `log-status`,
/// `account-id`, `type`, … never get past it.
const LINEAR_DICT: usize = 8;

/// A string of at most 32 bytes packed into two words and its length, so it is compared and
/// hashed as three integers (no `memcmp` call, no byte loop). `head` is the first 16 bytes
/// (zero-padded), `tail` the last 16 when the string is longer than 16: with the length, the
/// two determine the string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ShortKey {
    head: u128,
    tail: u128,
    len: u32,
}

impl ShortKey {
    /// The key of `text[start..end]`, if that is at most 32 bytes. Bytes after `end` may be
    /// read (and masked off), never written.
    #[inline]
    pub(crate) fn of(text: &[u8], start: usize, end: usize) -> Option<ShortKey> {
        let len = end.checked_sub(start)?;
        if len > 32 || end > text.len() {
            return None;
        }
        let head_len = len.min(16);
        let head = match text.get(start..start + 16) {
            Some(w) => {
                let mut b = [0u8; 16];
                b.copy_from_slice(w);
                let mask = if head_len == 16 {
                    u128::MAX
                } else {
                    (1u128 << (8 * head_len)) - 1
                };
                u128::from_le_bytes(b) & mask
            }
            // Near the end of the text (the last field of a line): the 16 bytes that end at
            // `end`, shifted down. A short `len` here: `start + 16` is past the end.
            None => match end.checked_sub(16).and_then(|s| text.get(s..end)) {
                Some(w) => {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(w);
                    u128::from_le_bytes(b)
                        .checked_shr(8 * (16 - head_len) as u32)
                        .unwrap_or(0)
                }
                None => {
                    let mut b = [0u8; 16];
                    b[..head_len].copy_from_slice(&text[start..start + head_len]);
                    u128::from_le_bytes(b)
                }
            },
        };
        let tail = if len > 16 {
            let mut b = [0u8; 16];
            b.copy_from_slice(&text[end - 16..end]);
            u128::from_le_bytes(b)
        } else {
            0
        };
        Some(ShortKey {
            head,
            tail,
            len: len as u32,
        })
    }
}

impl StrDict {
    /// The id of `text[start..end]`, added if new.
    #[inline]
    pub(crate) fn id(&mut self, text: &[u8], start: usize, end: usize) -> u32 {
        let Some(key) = ShortKey::of(text, start, end) else {
            return self.long_id(text.get(start..end).unwrap_or_default());
        };
        if self.short.len() <= LINEAR_DICT {
            if let Some(&(_, id)) = self.first.iter().find(|(k, _)| *k == key) {
                return id;
            }
        } else if let Some(&id) = self.short.get(&key) {
            return id;
        }
        let id = self.push(&text[start..end]);
        if self.first.len() < LINEAR_DICT {
            self.first.push((key, id));
        }
        self.short.insert(key, id);
        id
    }

    #[cold]
    pub(crate) fn long_id(&mut self, s: &[u8]) -> u32 {
        if let Some(&id) = self.long.get(s) {
            return id;
        }
        let id = self.push(s);
        self.long.insert(s.into(), id);
        id
    }

    pub(crate) fn push(&mut self, s: &[u8]) -> u32 {
        let id = self.values.len() as u32;
        self.values.push(s.into());
        id
    }
}

/// Dictionary of the distinct addresses of one file (all address columns share it).
#[derive(Debug, Default)]
pub struct AddrDict {
    /// IPv4 addresses by their 32 bits: 8-byte entries, a quarter of a `u128` entry, so the
    /// table stays in cache (looked up twice per record).
    v4: FxHashMap<u32, u32>,
    /// Every other address.
    map: FxHashMap<u128, u32>,
    /// Distinct address keys in id order.
    pub values: Vec<u128>,
}

impl AddrDict {
    #[inline]
    pub(crate) fn id(&mut self, key: u128) -> u32 {
        if key >> 32 == V4_MAPPED >> 32 {
            return self.v4_id(key as u32);
        }
        let values = &mut self.values;
        *self.map.entry(key).or_insert_with(|| {
            values.push(key);
            (values.len() - 1) as u32
        })
    }

    /// The id of an IPv4 address, as [`AddrDict::id`] of its key.
    #[inline]
    pub(crate) fn v4_id(&mut self, v4: u32) -> u32 {
        let values = &mut self.values;
        *self.v4.entry(v4).or_insert_with(|| {
            values.push(V4_MAPPED | u128::from(v4));
            (values.len() - 1) as u32
        })
    }
}

/// The dictionaries of one file.
#[derive(Debug, Default)]
pub struct FileDicts {
    /// Address dictionary shared by all address columns.
    pub addrs: AddrDict,
    /// One dictionary per string column name.
    pub strings: Vec<(String, StrDict)>,
}

impl FileDicts {
    pub(crate) fn string_dict(&mut self, name: &str) -> usize {
        if let Some(i) = self.strings.iter().position(|(n, _)| n == name) {
            return i;
        }
        self.strings.push((name.to_owned(), StrDict::default()));
        self.strings.len() - 1
    }
}
