//! Token shards in llm.c's format: a header of 256 int32 (magic 20240520, version 1, token count),
//! then the tokens as little-endian uint16, so that llm.c's loader or a numpy memmap reads them.

use std::path::Path;

use crate::LmError;

const MAGIC: i32 = 20240520;
const VERSION: i32 = 1;
const HEADER_BYTES: usize = 256 * 4;

/// Writes `tokens` (each < 65 536) to `path` atomically.
pub fn write(path: &Path, tokens: &[u32]) -> Result<(), LmError> {
    let bad = |what: String| LmError::Shard { path: path.to_path_buf(), what };
    if let Some(t) = tokens.iter().find(|&&t| t > u16::MAX as u32) {
        return Err(bad(format!("token {t} does not fit the shard's uint16 (vocabulary ≤ 65 536)")));
    }
    let count = i32::try_from(tokens.len()).map_err(|_| bad(format!("{} tokens exceed one shard", tokens.len())))?;
    let mut bytes = Vec::with_capacity(HEADER_BYTES + 2 * tokens.len());
    for word in [MAGIC, VERSION, count].into_iter().chain(std::iter::repeat_n(0, 253)) {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    for &t in tokens {
        bytes.extend_from_slice(&(t as u16).to_le_bytes());
    }
    Ok(butterfly_store::write_atomic(path, &bytes)?)
}

/// Reads a shard, refusing a wrong magic or version, or a body that is not the header's token count.
pub fn read(path: &Path) -> Result<Vec<u32>, LmError> {
    let bad = |what: String| LmError::Shard { path: path.to_path_buf(), what };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    if bytes.len() < HEADER_BYTES {
        return Err(bad(format!("is {} bytes, shorter than the 1024-byte header", bytes.len())));
    }
    let word = |k: usize| i32::from_le_bytes(bytes[4 * k..4 * k + 4].try_into().expect("4 bytes"));
    if word(0) != MAGIC {
        return Err(bad(format!("magic {} is not a token shard's {MAGIC}", word(0))));
    }
    if word(1) != VERSION {
        return Err(bad(format!("version {} is not {VERSION}", word(1))));
    }
    let count = usize::try_from(word(2)).map_err(|_| bad(format!("token count {} is negative", word(2))))?;
    if bytes.len() != HEADER_BYTES + 2 * count {
        return Err(bad(format!(
            "holds {} bytes of tokens, the header says {count} tokens ({} bytes): truncated or corrupt",
            bytes.len() - HEADER_BYTES,
            2 * count
        )));
    }
    Ok(bytes[HEADER_BYTES..].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]) as u32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let dir = std::env::temp_dir().join(format!("butterfly-shard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.bin");
        write(&path, &[0, 7, 65535, 3]).unwrap();
        assert_eq!(read(&path).unwrap(), vec![0, 7, 65535, 3]);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 1024 + 8);
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("truncated"));
        let mut wrong = bytes.clone();
        wrong[0] ^= 1;
        std::fs::write(&path, wrong).unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("magic"));
        assert!(write(&path, &[70000]).is_err());
    }
}
