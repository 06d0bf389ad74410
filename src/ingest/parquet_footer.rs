//! A strict walk over a Parquet footer before polars-parquet decodes it.
//!
//! polars-parquet 0.55's footer decoder sizes each list with `Vec::with_capacity(count)` straight
//! from the Thrift list header, before it reads a single element. A damaged footer that claims
//! two billion row groups therefore asks the allocator for hundreds of gigabytes, and an
//! allocation failure aborts the process: `catch_unwind` cannot stop it. (Found by the
//! `read_file` fuzz target.)
//!
//! This module walks the same bytes the way that decoder will, field id by field id, and refuses
//! the file unless every field the decoder reads by id carries the Thrift type the decoder
//! expects. With the types checked, both walks take the same path through the bytes, so every
//! list the decoder pre-sizes has been seen here in full: its elements really are in the footer.
//! A cap on the total number of list elements bounds what the decoder may allocate.
//!
//! The mirror follows `polars-parquet/src/parquet/handwritten_thrift` of the pinned version:
//! varints without a length limit, bool elements that the generic skip reads as no bytes, sets
//! and maps refused by the skip, a skip depth of 64.

/// Lists in one footer may hold this many elements in total (a real flow-log file holds a few
/// hundred: one column chunk per column per row group).
pub const MAX_LIST_ELEMENTS: u64 = 1 << 22;

const SKIP_DEPTH: u32 = 64;

// Thrift compact-protocol type codes.
const STOP: u8 = 0;

const BOOL_TRUE: u8 = 1;

const BOOL_FALSE: u8 = 2;

const BYTE: u8 = 3;

const I16: u8 = 4;

const I32: u8 = 5;

const I64: u8 = 6;

const DOUBLE: u8 = 7;

const BINARY: u8 = 8;

const LIST: u8 = 9;

const STRUCT: u8 = 12;

/// What the decoder reads for a field id it knows.
#[derive(Clone, Copy)]
enum Shape {
    Varint,
    Byte,
    Binary,
    Bool,
    Struct(&'static [(i16, Shape)]),
    List(&'static Shape),
}

const EMPTY: Shape = Shape::Struct(&[]);

const TIME_UNIT: Shape = Shape::Struct(&[(1, EMPTY), (2, EMPTY), (3, EMPTY)]);

const TIME_TYPE: Shape = Shape::Struct(&[(1, Shape::Bool), (2, TIME_UNIT)]);

const LOGICAL_TYPE: Shape = Shape::Struct(&[
    (1, EMPTY),
    (2, EMPTY),
    (3, EMPTY),
    (4, EMPTY),
    (5, Shape::Struct(&[(1, Shape::Varint), (2, Shape::Varint)])),
    (6, EMPTY),
    (7, TIME_TYPE),
    (8, TIME_TYPE),
    (10, Shape::Struct(&[(1, Shape::Byte), (2, Shape::Bool)])),
    (11, EMPTY),
    (12, EMPTY),
    (13, EMPTY),
    (14, EMPTY),
    (15, EMPTY),
]);

const SCHEMA_ELEMENT: Shape = Shape::Struct(&[
    (1, Shape::Varint),
    (2, Shape::Varint),
    (3, Shape::Varint),
    (4, Shape::Binary),
    (5, Shape::Varint),
    (6, Shape::Varint),
    (7, Shape::Varint),
    (8, Shape::Varint),
    (9, Shape::Varint),
    (10, LOGICAL_TYPE),
]);

const STATISTICS: Shape = Shape::Struct(&[
    (1, Shape::Binary),
    (2, Shape::Binary),
    (3, Shape::Varint),
    (4, Shape::Varint),
    (5, Shape::Binary),
    (6, Shape::Binary),
    (7, Shape::Bool),
    (8, Shape::Bool),
]);

const COLUMN_META_DATA: Shape = Shape::Struct(&[
    (1, Shape::Varint),
    (2, Shape::List(&Shape::Varint)),
    (3, Shape::List(&Shape::Binary)),
    (4, Shape::Varint),
    (5, Shape::Varint),
    (6, Shape::Varint),
    (7, Shape::Varint),
    (9, Shape::Varint),
    (10, Shape::Varint),
    (11, Shape::Varint),
    (12, STATISTICS),
    (14, Shape::Varint),
    (15, Shape::Varint),
]);

const COLUMN_CHUNK: Shape = Shape::Struct(&[
    (1, Shape::Binary),
    (2, Shape::Varint),
    (3, COLUMN_META_DATA),
    (4, Shape::Varint),
    (5, Shape::Varint),
    (6, Shape::Varint),
    (7, Shape::Varint),
]);

const SORTING_COLUMN: Shape =
    Shape::Struct(&[(1, Shape::Varint), (2, Shape::Bool), (3, Shape::Bool)]);

const ROW_GROUP: Shape = Shape::Struct(&[
    (1, Shape::List(&COLUMN_CHUNK)),
    (2, Shape::Varint),
    (3, Shape::Varint),
    (4, Shape::List(&SORTING_COLUMN)),
    (5, Shape::Varint),
    (6, Shape::Varint),
    (7, Shape::Varint),
]);

const KEY_VALUE: Shape = Shape::Struct(&[(1, Shape::Binary), (2, Shape::Binary)]);

const FILE_META_DATA: Shape = Shape::Struct(&[
    (1, Shape::Varint),
    (2, Shape::List(&SCHEMA_ELEMENT)),
    (3, Shape::Varint),
    (4, Shape::List(&ROW_GROUP)),
    (5, Shape::List(&KEY_VALUE)),
    (6, Shape::Binary),
    (7, Shape::List(&Shape::Struct(&[(1, EMPTY), (2, EMPTY)]))),
]);

/// Checks the footer of the Parquet file `file` (the whole file's bytes). `Err` says what is
/// wrong and where, as an offset into the footer.
pub fn check(file: &[u8]) -> Result<(), String> {
    let size = file.len();
    if size < 12 || !file.ends_with(b"PAR1") {
        return Err("no Parquet footer (a file must end with PAR1)".into());
    }
    let mut len = [0u8; 4];
    len.copy_from_slice(&file[size - 8..size - 4]);
    // As the decoder does: a negative length becomes a huge one and fails the size test.
    let footer_len = u64::from(i32::from_le_bytes(len) as u32).wrapping_add(8);
    let footer_len = usize::try_from(footer_len)
        .ok()
        .filter(|&n| n <= size)
        .ok_or("the footer claims to be longer than the file")?;
    let mut walk = Walk {
        buf: &file[size - footer_len..],
        pos: 0,
        elements: 0,
    };
    walk.value(STRUCT, FILE_META_DATA, 0)
        .map_err(|e| format!("damaged metadata at footer byte {}: {e}", walk.pos))
}

struct Walk<'a> {
    buf: &'a [u8],
    pos: usize,
    elements: u64,
}

type Step = Result<(), String>;

impl Walk<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.buf.get(self.pos).ok_or("the footer ends early")?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f).wrapping_shl(shift);
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift = shift.wrapping_add(7);
        }
    }

    fn skip_bytes(&mut self, n: u64) -> Step {
        let left = (self.buf.len() - self.pos) as u64;
        if n > left {
            return Err(format!("a {n}-byte value with {left} bytes left"));
        }
        self.pos += n as usize;
        Ok(())
    }

    fn binary(&mut self) -> Step {
        let n = self.varint()?;
        self.skip_bytes(n)
    }

    /// A list header: (element type, element count), counted against the element budget.
    fn list_header(&mut self) -> Result<(u8, u64), String> {
        let header = self.byte()?;
        let short = header >> 4;
        let element = header & 0x0f;
        if element > STRUCT || (element == STOP && short != 0) {
            return Err(format!("invalid list element type {element}"));
        }
        let count = if short == 15 {
            // The decoder keeps the low 32 bits as an i32 and treats a negative count as 0.
            u64::from((self.varint()? as i32).max(0) as u32)
        } else {
            u64::from(short)
        };
        self.elements += count;
        if self.elements > MAX_LIST_ELEMENTS {
            return Err(format!(
                "lists hold more than {MAX_LIST_ELEMENTS} elements (a list claims {count})"
            ));
        }
        let left = (self.buf.len() - self.pos) as u64;
        let bool_elements = element == BOOL_TRUE || element == BOOL_FALSE;
        if count > left && !bool_elements {
            return Err(format!(
                "a list claims {count} elements with {left} bytes left"
            ));
        }
        Ok((element, count))
    }

    /// One struct field header: `None` at the stop byte, else (id, type).
    fn field(&mut self, last: i16) -> Result<Option<(i16, u8)>, String> {
        let b = self.byte()?;
        let kind = b & 0x0f;
        if kind == STOP {
            return Ok(None);
        }
        if kind > STRUCT {
            return Err(format!("invalid field type {kind}"));
        }
        let delta = b >> 4;
        let id = if delta != 0 {
            last.checked_add(i16::from(delta))
                .ok_or("field id overflows")?
        } else {
            let v = self.varint()?;
            ((v >> 1) as i64 ^ -((v & 1) as i64)) as i16
        };
        Ok(Some((id, kind)))
    }

    /// A value the decoder reads as `shape`; `kind` is the type the file declares for it.
    fn value(&mut self, kind: u8, shape: Shape, depth: u32) -> Step {
        let expected: &[u8] = match shape {
            Shape::Varint => &[I16, I32, I64],
            Shape::Byte => &[BYTE],
            Shape::Binary => &[BINARY],
            Shape::Bool => &[BOOL_TRUE, BOOL_FALSE],
            Shape::Struct(_) => &[STRUCT],
            Shape::List(_) => &[LIST],
        };
        if !expected.contains(&kind) {
            return Err(format!(
                "a value of type {kind} where type {} belongs",
                expected[0]
            ));
        }
        match shape {
            Shape::Varint => self.varint().map(drop),
            Shape::Byte => self.byte().map(drop),
            Shape::Binary => self.binary(),
            Shape::Bool => Ok(()),
            Shape::Struct(fields) => {
                if depth >= SKIP_DEPTH {
                    return Err("structs nested too deep".into());
                }
                let mut last = 0i16;
                while let Some((id, kind)) = self.field(last)? {
                    match fields.iter().find(|(known, _)| *known == id) {
                        Some(&(_, shape)) => self.value(kind, shape, depth + 1)?,
                        None => self.skip(kind, SKIP_DEPTH)?,
                    }
                    last = id;
                }
                Ok(())
            }
            Shape::List(element) => {
                let (kind, count) = self.list_header()?;
                for _ in 0..count {
                    self.value(kind, *element, depth + 1)?;
                }
                Ok(())
            }
        }
    }

    /// The decoder's generic skip of a field it does not know.
    fn skip(&mut self, kind: u8, depth: u32) -> Step {
        if depth == 0 {
            return Err("values nested too deep".into());
        }
        match kind {
            BOOL_TRUE | BOOL_FALSE => Ok(()),
            BYTE => self.byte().map(drop),
            I16 | I32 | I64 => self.varint().map(drop),
            DOUBLE => self.skip_bytes(8),
            BINARY => self.binary(),
            STRUCT => {
                let mut last = 0i16;
                while let Some((id, kind)) = self.field(last)? {
                    self.skip(kind, depth - 1)?;
                    last = id;
                }
                Ok(())
            }
            LIST => {
                let (kind, count) = self.list_header()?;
                for _ in 0..count {
                    self.skip(kind, depth - 1)?;
                }
                Ok(())
            }
            other => Err(format!(
                "a value of type {other}, which Parquet metadata never holds"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file around `metadata`: magic, nothing, the metadata, its length, magic.
    fn file(metadata: &[u8]) -> Vec<u8> {
        let mut f = b"PAR1".to_vec();
        f.extend_from_slice(metadata);
        f.extend_from_slice(&(metadata.len() as u32).to_le_bytes());
        f.extend_from_slice(b"PAR1");
        f
    }

    #[test]
    fn accepts_a_small_valid_footer() {
        // version=1 (i32), schema=[{name:"a"}], num_rows=0 (i64), row_groups=[], stop.
        let metadata = [
            0x15, 0x02, // field 1 i32 = 1
            0x19, 0x1c, // field 2 list, 1 struct
            0x48, 0x01, b'a', 0x00, // field 4 binary "a", stop
            0x16, 0x00, // field 3 i64 = 0
            0x19, 0x0c, // field 4 list, 0 structs
            0x00,
        ];
        assert_eq!(check(&file(&metadata)), Ok(()));
    }

    #[test]
    fn refuses_a_list_longer_than_the_footer() {
        // field 4 (row_groups): a list of 2^31-1 structs in a 9-byte footer.
        let metadata = [0x49, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00];
        let err = check(&file(&metadata)).unwrap_err();
        assert!(err.contains("claims 2147483647"), "{err}");
    }

    #[test]
    fn refuses_a_list_where_the_decoder_reads_a_number_and_vice_versa() {
        // field 2 (schema) declared as an i32: the decoder would read its bytes as a list.
        let err = check(&file(&[0x25, 0x9f, 0x00])).unwrap_err();
        assert!(err.contains("type 5 where type 9"), "{err}");
        // field 3 (num_rows) declared as a list.
        let err = check(&file(&[0x39, 0x00, 0x00])).unwrap_err();
        assert!(err.contains("type 9 where type 4"), "{err}");
    }

    #[test]
    fn refuses_truncated_and_oversized_footers() {
        assert!(check(b"PAR1").is_err());
        // An unknown field 20 holding 10 bytes, with 8 left (the length and the magic).
        let mut f = file(&[0x08, 0x28, 0x0a]);
        assert!(
            check(&f)
                .unwrap_err()
                .contains("a 10-byte value with 8 bytes left")
        );
        let n = f.len();
        f[n - 8..n - 4].copy_from_slice(&1000u32.to_le_bytes());
        assert!(check(&f).unwrap_err().contains("longer than the file"));
    }

    #[test]
    fn counts_elements_across_lists() {
        // An unknown field 20 holding a list of 2^22+1 bool elements (the skip reads no bytes).
        let mut metadata = vec![0x09, 0x28, 0xf1];
        let mut n = MAX_LIST_ELEMENTS + 1;
        while n >= 0x80 {
            metadata.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        metadata.push(n as u8);
        metadata.push(0x00);
        let err = check(&file(&metadata)).unwrap_err();
        assert!(err.contains("more than 4194304"), "{err}");
    }
}
