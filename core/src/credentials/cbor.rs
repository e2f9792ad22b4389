//! A direct reader for the CBOR that credentials actually contain, beside ciborium.
//!
//! Reading a QR at a gate spends most of its non-cryptographic time in ciborium's serde path (a zeroed 4 KiB
//! scratch buffer per call, a visitor per item): more than the signature check's margin in design §6 allows.
//! This reader builds the same `ciborium::Value` directly for the common, well-formed subset: integers, definite
//! byte and text strings, definite arrays and maps, tags other than the bignums, `false`/`true`/`null` and
//! floats, nested at most [`FAST_DEPTH`] deep, with nothing after the item. For anything else (indefinite
//! lengths, bignums, other simple values, deeper nesting, malformed or trailing bytes) it answers `None` and the
//! caller asks ciborium, so acceptance, refusals and their messages stay ciborium's; a differential test holds the
//! two to the same values.

use ciborium::Value;

/// Deepest nesting this reader handles itself; deeper input goes to ciborium, whose limit decides. Kept well
/// under [`super::container::MAX_CBOR_DEPTH`] so that the two can never disagree at the limit.
pub const FAST_DEPTH: usize = 8;

/// The single CBOR item in `bytes`, when it lies within the subset described above.
pub fn read_common(bytes: &[u8]) -> Option<Value> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.item(0)?;
    (reader.at == bytes.len()).then_some(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    /// The argument of a head whose additional information is `info`; `None` for indefinite or reserved.
    fn argument(&mut self, info: u8) -> Option<u64> {
        Some(match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.byte()?),
            25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().ok()?)),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().ok()?)),
            27 => u64::from_be_bytes(self.take(8)?.try_into().ok()?),
            _ => return None,
        })
    }

    /// A length that can be honoured: never more items or bytes than remain (each item takes at least a byte).
    fn length(&mut self, info: u8) -> Option<usize> {
        let n = usize::try_from(self.argument(info)?).ok()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    fn item(&mut self, depth: usize) -> Option<Value> {
        let head = self.byte()?;
        let (major, info) = (head >> 5, head & 0x1f);
        Some(match major {
            0 => Value::Integer(self.argument(info)?.into()),
            1 => Value::Integer(ciborium::value::Integer::try_from(-1 - i128::from(self.argument(info)?)).ok()?),
            2 => {
                let n = self.length(info)?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            3 => {
                let n = self.length(info)?;
                Value::Text(std::str::from_utf8(self.take(n)?).ok()?.to_owned())
            }
            4 => {
                if depth >= FAST_DEPTH {
                    return None;
                }
                let n = self.length(info)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
                Value::Array(items)
            }
            5 => {
                if depth >= FAST_DEPTH {
                    return None;
                }
                // Each entry takes at least two bytes.
                let n = self.length(info)?;
                let mut entries = Vec::with_capacity(n / 2 + 1);
                for _ in 0..n {
                    let key = self.item(depth + 1)?;
                    entries.push((key, self.item(depth + 1)?));
                }
                Value::Map(entries)
            }
            6 => {
                let tag = self.argument(info)?;
                // Bignums become integers in ciborium, or fail: its own rules apply.
                if tag == 2 || tag == 3 || depth >= FAST_DEPTH {
                    return None;
                }
                Value::Tag(tag, Box::new(self.item(depth + 1)?))
            }
            _ => match info {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 => Value::Null,
                25 => Value::Float(f64::from(half_to_f32(u16::from_be_bytes(self.take(2)?.try_into().ok()?)))),
                26 => Value::Float(f64::from(f32::from_be_bytes(self.take(4)?.try_into().ok()?))),
                27 => Value::Float(f64::from_be_bytes(self.take(8)?.try_into().ok()?)),
                _ => return None,
            },
        })
    }
}

/// IEEE 754 half precision to single (exact: every half is a single).
fn half_to_f32(half: u16) -> f32 {
    let sign = u32::from(half >> 15) << 31;
    let exponent = u32::from((half >> 10) & 0x1f);
    let mantissa = u32::from(half & 0x3ff);
    let bits = match (exponent, mantissa) {
        (0, 0) => sign,
        // Subnormal: value = mantissa × 2^-24, exact in f32.
        (0, m) => return if sign != 0 { -(m as f32) * 2f32.powi(-24) } else { m as f32 * 2f32.powi(-24) },
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 127 - 15) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What ciborium reads from `bytes`, the way the container reads it.
    fn ciborium_reads(bytes: &[u8]) -> Option<Value> {
        let mut reader = bytes;
        let value: Value =
            ciborium::de::from_reader_with_recursion_limit(&mut reader, super::super::container::MAX_CBOR_DEPTH).ok()?;
        reader.is_empty().then_some(value)
    }

    /// Whatever the fast reader accepts, ciborium reads to an equal value (floats compared by bits, NaN too).
    fn agrees(bytes: &[u8]) {
        if let Some(fast) = read_common(bytes) {
            let slow = ciborium_reads(bytes);
            assert!(slow.is_some(), "fast accepted what ciborium refuses: {bytes:02x?}");
            assert!(same(&fast, slow.as_ref().unwrap()), "{bytes:02x?}: {fast:?} vs {slow:?}");
        }
    }

    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
            (Value::Map(x), Value::Map(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
            }
            (Value::Tag(t, x), Value::Tag(u, y)) => t == u && same(x, y),
            _ => a == b,
        }
    }

    /// A small deterministic generator, so that failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn random_value(rng: &mut Rng, depth: usize) -> Value {
        let choice = if depth > 10 { rng.below(6) } else { rng.below(10) };
        match choice {
            0 => Value::Integer((rng.next() >> rng.below(64)).into()),
            1 => Value::Integer(ciborium::value::Integer::try_from(-1 - i128::from(rng.next() >> rng.below(64))).unwrap()),
            2 => Value::Bytes((0..rng.below(40)).map(|_| rng.next() as u8).collect()),
            3 => Value::Text(["", "Nguyễn", "HC1", "ß", "日本", "a\u{0}b"][rng.below(6) as usize].repeat(rng.below(4) as usize)),
            4 => [Value::Bool(false), Value::Bool(true), Value::Null][rng.below(3) as usize].clone(),
            5 => Value::Float(f64::from_bits(rng.next())),
            6 => Value::Array((0..rng.below(5)).map(|_| random_value(rng, depth + 1)).collect()),
            7 => Value::Map((0..rng.below(5)).map(|_| (random_value(rng, depth + 1), random_value(rng, depth + 1))).collect()),
            8 => Value::Tag(rng.below(70), Box::new(random_value(rng, depth + 1))),
            _ => Value::Float(f64::from(rng.next() as u16 as f32)),
        }
    }

    #[test]
    fn agrees_with_ciborium_on_generated_and_mutated_cbor() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut accepted = 0;
        for _ in 0..20_000 {
            let value = random_value(&mut rng, 0);
            let mut bytes = Vec::new();
            ciborium::ser::into_writer(&value, &mut bytes).unwrap();
            agrees(&bytes);
            accepted += usize::from(read_common(&bytes).is_some());
            // Mutations: a flipped byte, a cut, an extra byte.
            let mut flipped = bytes.clone();
            let at = rng.below(flipped.len() as u64) as usize;
            flipped[at] ^= 1 << rng.below(8);
            agrees(&flipped);
            agrees(&bytes[..rng.below(bytes.len() as u64) as usize]);
            bytes.push(rng.next() as u8);
            agrees(&bytes);
        }
        assert!(accepted > 10_000, "the fast path takes most generated values ({accepted})");
        for _ in 0..50_000 {
            let random: Vec<u8> = (0..rng.below(24)).map(|_| rng.next() as u8).collect();
            agrees(&random);
        }
    }

    #[test]
    fn every_half_float_reads_as_ciborium_reads_it() {
        for half in 0..=u16::MAX {
            let bytes = [0xf9, (half >> 8) as u8, half as u8];
            let fast = read_common(&bytes).expect("a half float is in the subset");
            assert!(same(&fast, &ciborium_reads(&bytes).unwrap()), "{half:04x}");
        }
    }

    #[test]
    fn leaves_the_rest_to_ciborium() {
        // Indefinite array, bignum, undefined, a trailing byte, a reserved head, nesting past FAST_DEPTH.
        for bytes in [&[0x9f, 0x01, 0xff][..], &[0xc2, 0x41, 0x01], &[0xf7], &[0x01, 0x00], &[0x1c]] {
            assert_eq!(read_common(bytes), None, "{bytes:02x?}");
        }
        let mut deep = vec![0x81u8; FAST_DEPTH + 1];
        deep.push(0);
        assert_eq!(read_common(&deep), None);
        let mut shallow = vec![0x81u8; FAST_DEPTH];
        shallow.push(0);
        assert!(read_common(&shallow).is_some());
    }
}
