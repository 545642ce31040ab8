//! TensorBoard's event-file format, written by hand because it is small: a file is a sequence of records
//! (u64 length, masked CRC-32C of the length, the bytes, masked CRC-32C of the bytes), each record one
//! `Event` protobuf message; the first carries `file_version = "brain.Event:2"`, the rest one scalar each
//! (`summary.value { tag, simple_value }`), which TensorBoard's scalar dashboard and its Python
//! `EventAccumulator` read.

/// The CRC-32C (Castagnoli) of `bytes`, bit by bit over a 256-entry table.
pub fn crc32c(bytes: &[u8]) -> u32 {
    const fn table() -> [u32; 256] {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0x82F6_3B78 } else { c >> 1 };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    }
    const TABLE: [u32; 256] = table();
    !bytes.iter().fold(!0u32, |c, &b| TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8))
}

/// The CRC as TFRecord stores it: rotated right by 15 and offset, so that a CRC of CRCs is not trivial.
fn masked_crc(bytes: &[u8]) -> u32 {
    crc32c(bytes).rotate_right(15).wrapping_add(0xa282_ead8)
}

/// One record around `data`.
pub fn record(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

/// The length of the longest prefix of `bytes` made of whole records whose checksums hold.
pub fn valid_prefix(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(head) = bytes.get(at..at + 12) {
        let (len, len_crc) = (&head[..8], u32::from_le_bytes(head[8..].try_into().expect("4 bytes")));
        let n = u64::from_le_bytes(len.try_into().expect("8 bytes")) as usize;
        let Some(data) = bytes.get(at + 12..(at + 12).saturating_add(n)) else { break };
        let Some(crc) = bytes.get(at + 12 + n..at + 16 + n) else { break };
        if masked_crc(len) != len_crc || masked_crc(data) != u32::from_le_bytes(crc.try_into().expect("4 bytes")) {
            break;
        }
        at += 16 + n;
    }
    at
}

fn varint(mut x: u64, out: &mut Vec<u8>) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// A length-delimited field (wire type 2): strings and nested messages.
fn bytes_field(field: u64, bytes: &[u8], out: &mut Vec<u8>) {
    varint(field << 3 | 2, out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// `Event { wall_time = 1, step = 2 }` with what follows them.
fn event(wall_time: f64, step: u64, rest: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    varint(1 << 3 | 1, &mut out);
    out.extend_from_slice(&wall_time.to_le_bytes());
    varint(2 << 3, &mut out);
    varint(step, &mut out);
    rest(&mut out);
    out
}

/// The first event of every file: `file_version = 3`.
pub fn file_version_event(wall_time: f64) -> Vec<u8> {
    event(wall_time, 0, |out| bytes_field(3, b"brain.Event:2", out))
}

/// A scalar: `summary = 5 { value = 1 { tag = 1, simple_value = 2 (float) } }`.
pub fn scalar_event(wall_time: f64, step: u64, tag: &str, value: f32) -> Vec<u8> {
    event(wall_time, step, |out| {
        let mut value_msg = Vec::new();
        bytes_field(1, tag.as_bytes(), &mut value_msg);
        varint(2 << 3 | 5, &mut value_msg);
        value_msg.extend_from_slice(&value.to_le_bytes());
        let mut summary = Vec::new();
        bytes_field(1, &value_msg, &mut summary);
        bytes_field(5, &summary, out);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_of_the_standard_check_string() {
        // The check value of CRC-32C (RFC 3720, appendix B.4).
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
    }

    #[test]
    fn a_record_frames_its_bytes() {
        let r = record(b"abc");
        assert_eq!(r.len(), 8 + 4 + 3 + 4);
        assert_eq!(u64::from_le_bytes(r[..8].try_into().unwrap()), 3);
        assert_eq!(&r[12..15], b"abc");
        assert_eq!(u32::from_le_bytes(r[15..].try_into().unwrap()), masked_crc(b"abc"));
        // Two records are a valid prefix; a torn or flipped one ends it.
        let two = [record(b"abc"), record(&scalar_event(1.0, 2, "t", 0.5))].concat();
        assert_eq!(valid_prefix(&two), two.len());
        assert_eq!(valid_prefix(&two[..two.len() - 1]), r.len());
        let mut flipped = two.clone();
        flipped[13] ^= 1;
        assert_eq!(valid_prefix(&flipped), 0);
    }
}
