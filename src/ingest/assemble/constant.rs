//! Columns that hold one value on every row, stored once.

use polars_arrow::array::{Array, PrimitiveArray};
use polars_arrow::types::NativeType;

/// A column whose every row holds the same value, with no null (`version`; `account-id`,
/// `vpc-id` or `region` in most custom formats), is stored once: every chunk becomes a slice
/// of one buffer as long as the longest chunk, and the chunks' own vectors are freed. The
/// frame still holds the values (every reader, Polars' included, sees a plain column whose
/// chunks happen to share memory); only the memory is saved.
pub(super) fn share_constant<T: NativeType>(
    chunks: Vec<PrimitiveArray<T>>,
) -> Vec<PrimitiveArray<T>> {
    let Some(value) = chunks.iter().find_map(|c| c.values().first().copied()) else {
        return chunks;
    };
    let longest = chunks.iter().map(PrimitiveArray::len).max().unwrap_or(0);
    let total: usize = chunks.iter().map(PrimitiveArray::len).sum();
    // Compared a block at a time without an early exit inside the block, so that the
    // comparison vectorizes; a column that varies usually stops at its first block.
    let constant = || {
        chunks.iter().all(|c| {
            c.null_count() == 0
                && c.values()
                    .as_slice()
                    .chunks(256)
                    .all(|block| block.iter().fold(true, |all, v| all & (*v == value)))
        })
    };
    if total == longest || !constant() {
        return chunks;
    }
    let shared = PrimitiveArray::from_vec(vec![value; longest]);
    chunks
        .iter()
        .map(|c| shared.clone().sliced(0, c.len()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::columns::frame_bytes;
    use polars::prelude::*;
    use polars_arrow::bitmap::Bitmap;

    fn arrays(chunks: &[Vec<u16>]) -> Vec<PrimitiveArray<u16>> {
        chunks
            .iter()
            .map(|c| PrimitiveArray::from_vec(c.clone()))
            .collect()
    }

    fn values(chunks: &[PrimitiveArray<u16>]) -> Vec<Vec<u16>> {
        chunks
            .iter()
            .map(|c| c.values().as_slice().to_vec())
            .collect()
    }

    /// A constant column's chunks end up as slices of one buffer with the same values; a column
    /// with one other value, a null, or a single chunk keeps its own buffers. The frame's size
    /// counts the shared buffer once.
    #[test]
    fn constant_columns_share_one_buffer() {
        let constant = vec![vec![7u16; 300], vec![7; 1000], vec![7; 5]];
        let shared = share_constant(arrays(&constant));
        assert_eq!(values(&shared), constant);
        let ptrs: Vec<_> = shared.iter().map(|c| c.values().storage_ptr()).collect();
        assert!(ptrs.iter().all(|p| *p == ptrs[0]), "one buffer");
        assert!(shared.iter().all(|c| c.validity().is_none()));

        let mut varied = constant.clone();
        varied[1][999] = 8;
        let kept = share_constant(arrays(&varied));
        assert_eq!(values(&kept), varied);
        assert_ne!(
            kept[0].values().storage_ptr(),
            kept[1].values().storage_ptr()
        );

        let with_null: Vec<_> = arrays(&constant)
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let valid = (0..c.len()).map(|r| !(i == 2 && r == 4));
                c.with_validity(Some(Bitmap::from_iter(valid)))
            })
            .collect();
        let kept = share_constant(with_null);
        assert_ne!(
            kept[0].values().storage_ptr(),
            kept[1].values().storage_ptr()
        );
        assert_eq!(kept[2].null_count(), 1);

        let one = share_constant(arrays(&constant[1..2]));
        assert_eq!(values(&one), &constant[1..2]);

        // 1,305 values of 2 bytes in three chunks, held once as 1,000.
        let frame = |chunks| {
            let col = UInt16Chunked::from_chunk_iter("c".into(), chunks).into_column();
            DataFrame::new(1305, vec![col]).unwrap()
        };
        let plain = frame(arrays(&constant));
        let stored_once = frame(share_constant(arrays(&constant)));
        assert_eq!(frame_bytes(&plain), plain.estimated_size());
        assert_eq!(frame_bytes(&stored_once), plain.estimated_size() - 305 * 2);
        assert!(stored_once.equals(&plain));
    }
}
