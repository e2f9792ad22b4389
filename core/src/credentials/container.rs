//! The container shared by every credential: prefix, Base45, zlib, and COSE_Sign1, with hard input limits.
//!
//! Each step is a public function so that tests and tools can take a QR text apart one layer at a time, as the
//! EU DCC test procedure does.

use std::io::Write;

use ciborium::Value;
use coset::{AsCborValue, CoseSign1};

use super::error::{CredentialError, FailedStage, StageError};

/// Longest QR text accepted, in bytes; a version-40 QR code holds at most 4,296 alphanumeric characters.
pub const MAX_QR_TEXT_LEN: usize = 8 * 1024;
/// Largest inflated COSE message; stops zip bombs long before memory suffers.
pub const MAX_DECOMPRESSED_LEN: usize = 64 * 1024;
/// Deepest CBOR nesting accepted; real credentials need five or six levels.
pub const MAX_CBOR_DEPTH: usize = 16;

/// CBOR tag of a CWT (RFC 8392), which some issuers wrap around the COSE message.
const CWT_TAG: u64 = 61;
/// CBOR tag of COSE_Sign1 (RFC 9052).
const COSE_SIGN1_TAG: u64 = 18;

/// What a QR text is, as told by its prefix: the wire contract's [`healthbook_protocol::ScannedCard`] (a gate
/// reports the same kinds), with the prefixes and their lookup order defined there once.
pub use healthbook_protocol::ScannedCard as CredentialType;

/// Splits a QR text into its type and the Base45 body.
///
/// The text is taken exactly as scanned: the prefix is case-sensitive and must come first, and nothing is
/// trimmed, because a space is a Base45 digit and trimming one would change the credential. Callers that read
/// text from a terminal or a file remove their own line ending.
pub fn strip_prefix(text: &str) -> Result<(CredentialType, &str), StageError> {
    if text.len() > MAX_QR_TEXT_LEN {
        return Err(StageError::new(
            FailedStage::Prefix,
            format!("QR text is {} bytes, more than the {MAX_QR_TEXT_LEN} accepted", text.len()),
        ));
    }
    for ty in CredentialType::ALL {
        if let Some(body) = text.strip_prefix(ty.prefix()) {
            return Ok((ty, body));
        }
    }
    Err(StageError::new(FailedStage::Prefix, "no known credential prefix (HC1:, HB1:, HS1:, HK1:, HP1:)"))
}

/// Base45 digit values by byte; 0xff marks bytes outside the alphabet.
const BASE45_DIGITS: [u8; 256] = {
    const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decodes Base45 (RFC 9285), refusing any group whose value overflows its bytes.
///
/// Table-driven rather than `base45::decode`: under the release profile's `opt-level = "s"` that crate's
/// per-character `match` compiles to an indirect jump per character (measured 5 µs for a 550-character EU DCC,
/// about 8 % of a whole verification), while a table lookup takes about 0.5 µs. Tests check this decoder
/// against the crate on valid and random input; encoding still uses the crate.
pub fn base45_decode(body: &str) -> Result<Vec<u8>, StageError> {
    let bytes = body.as_bytes();
    if bytes.is_empty() {
        return Err(StageError::new(FailedStage::Base45, "nothing after the prefix"));
    }
    let invalid = || StageError::new(FailedStage::Base45, "invalid Base45 text");
    if bytes.len() % 3 == 1 {
        return Err(invalid());
    }
    let digit = |b: u8| -> Result<u32, StageError> {
        match BASE45_DIGITS[usize::from(b)] {
            0xff => Err(invalid()),
            d => Ok(u32::from(d)),
        }
    };
    // Sized once and written in place: appending two bytes at a time is not inlined in the size-optimised
    // release build and cost more than the arithmetic.
    let mut out = vec![0u8; bytes.len() / 3 * 2 + usize::from(bytes.len() % 3 == 2)];
    let mut chunks = bytes.chunks_exact(3);
    for (chunk, pair_out) in (&mut chunks).zip(out.chunks_exact_mut(2)) {
        let value = digit(chunk[0])? + digit(chunk[1])? * 45 + digit(chunk[2])? * 45 * 45;
        let pair = u16::try_from(value).map_err(|_| invalid())?;
        pair_out.copy_from_slice(&pair.to_be_bytes());
    }
    if let [a, b] = chunks.remainder() {
        let value = digit(*a)? + digit(*b)? * 45;
        let byte = u8::try_from(value)
            .map_err(|_| StageError::new(FailedStage::Base45, "final Base45 pair exceeds one byte"))?;
        if let Some(last) = out.last_mut() {
            *last = byte;
        }
    }
    Ok(out)
}

/// True when `data` starts with a valid zlib header (deflate, window ≤ 32 KiB, header checksum).
pub fn looks_like_zlib(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Inflates zlib data, up to [`MAX_DECOMPRESSED_LEN`] bytes, checking the Adler-32 and refusing truncated streams
/// and trailing bytes.
///
/// The EU DCC specification makes zlib compression mandatory, so data without a zlib header is refused here,
/// not passed on as uncompressed COSE.
pub fn decompress(data: &[u8]) -> Result<Vec<u8>, StageError> {
    if !looks_like_zlib(data) {
        return Err(StageError::new(FailedStage::Decompress, "no zlib header: the payload must be zlib-compressed"));
    }
    // The inflate state is about 40 KiB; reusing it per thread saves allocating and zeroing it per scan.
    let mut inflater = INFLATER.with(|cell| cell.take()).unwrap_or_else(|| flate2::Decompress::new(true));
    inflater.reset(true);
    let result = inflate(&mut inflater, data);
    INFLATER.with(|cell| cell.set(Some(inflater)));
    result
}

thread_local! {
    static INFLATER: std::cell::Cell<Option<flate2::Decompress>> = const { std::cell::Cell::new(None) };
}

/// The inflate loop behind [`decompress`].
fn inflate(inflater: &mut flate2::Decompress, data: &[u8]) -> Result<Vec<u8>, StageError> {
    let fail = |message: &str| StageError::new(FailedStage::Decompress, message);
    // Credentials inflate to two or three times their size; start there and grow up to the limit.
    let mut out = Vec::with_capacity((data.len() * 3).clamp(256, MAX_DECOMPRESSED_LEN + 1));
    loop {
        if out.len() == out.capacity() {
            if out.len() > MAX_DECOMPRESSED_LEN {
                return Err(fail("inflates past the 64 KiB limit"));
            }
            let grow = out.capacity().min(MAX_DECOMPRESSED_LEN + 1 - out.len());
            out.reserve_exact(grow);
        }
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or_default();
        let produced_before = out.len();
        let status = inflater
            // Not `Finish`: miniz_oxide then assumes the whole output fits in this one call and fails otherwise.
            .decompress_vec(input, &mut out, flate2::FlushDecompress::None)
            .map_err(|_| fail("corrupt zlib data or checksum"))?;
        if out.len() > MAX_DECOMPRESSED_LEN {
            return Err(fail("inflates past the 64 KiB limit"));
        }
        match status {
            flate2::Status::StreamEnd => break,
            flate2::Status::Ok | flate2::Status::BufError => {
                let consumed_now = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
                let stalled = consumed_now == consumed && out.len() == produced_before;
                if stalled && out.len() < out.capacity() {
                    return Err(fail("truncated zlib stream"));
                }
            }
        }
    }
    if usize::try_from(inflater.total_in()).ok() != Some(data.len()) {
        return Err(fail("bytes after the end of the zlib stream"));
    }
    Ok(out)
}

/// Compresses with zlib at the best level: QR space is what counts, and credentials are small.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len()), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Reads one CBOR item with the depth limit, refusing trailing bytes (the common subset directly, see `cbor.rs`).
pub fn cbor_from_slice(bytes: &[u8]) -> Result<Value, String> {
    if let Some(value) = super::cbor::read_common(bytes) {
        return Ok(value);
    }
    let mut reader = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut reader, MAX_CBOR_DEPTH)
        .map_err(|e| format!("malformed CBOR: {e}"))?;
    if !reader.is_empty() {
        return Err(format!("{} bytes after the CBOR item", reader.len()));
    }
    Ok(value)
}

/// Parses a COSE_Sign1 message that may be tagged 18, untagged, or tagged 18 inside CWT tag 61.
///
/// RFC 8392 §6 puts the CWT tag in front of the COSE message's own tag, so tag 61 around an untagged array (or
/// around anything but tag 18) is refused.
pub fn parse_cose(bytes: &[u8]) -> Result<CoseSign1, StageError> {
    let value = cbor_from_slice(bytes).map_err(|m| StageError::new(FailedStage::Cbor, m))?;
    let value = match value {
        Value::Tag(CWT_TAG, inner) => match *inner {
            Value::Tag(COSE_SIGN1_TAG, message) => *message,
            _ => return Err(StageError::new(FailedStage::Cose, "CWT tag 61 must wrap a COSE_Sign1 tagged 18")),
        },
        Value::Tag(COSE_SIGN1_TAG, message) => *message,
        Value::Tag(tag, _) => {
            return Err(StageError::new(FailedStage::Cose, format!("CBOR tag {tag} is not COSE_Sign1 (18)")));
        }
        other => other,
    };
    sign1_from_value(value).map_err(|e| StageError::new(FailedStage::Cose, format!("not a COSE_Sign1 message: {e}")))
}

/// coset's `CoseSign1::from_cbor_value`, reading a well-formed protected header with [`super::cbor::read_common`]
/// instead of ciborium's serde path (a zeroed scratch buffer per call). Anything unusual goes to coset as it
/// is, so refusals and their messages stay coset's; the parts are taken in coset's order (signature, payload,
/// unprotected header), so the first error is the one coset reports.
fn sign1_from_value(value: Value) -> Result<CoseSign1, coset::CoseError> {
    let protected_header = match &value {
        Value::Array(parts) if parts.len() == 4 => match (&parts[0], &parts[1], &parts[2], &parts[3]) {
            (Value::Bytes(protected), Value::Map(_), Value::Bytes(_) | Value::Null, Value::Bytes(_)) if !protected.is_empty() => {
                super::cbor::read_common(protected).and_then(|header| coset::Header::from_cbor_value(header).ok())
            }
            _ => None,
        },
        _ => None,
    };
    let Some(header) = protected_header else {
        return CoseSign1::from_cbor_value(value);
    };
    let mut parts = match value {
        Value::Array(parts) => parts,
        other => return CoseSign1::from_cbor_value(other),
    };
    let (Value::Bytes(signature), payload, unprotected, Value::Bytes(protected)) =
        (parts.remove(3), parts.remove(2), parts.remove(1), parts.remove(0))
    else {
        return Err(coset::CoseError::UnexpectedItem("value", "COSE_Sign1 parts"));
    };
    Ok(CoseSign1 {
        signature,
        payload: match payload {
            Value::Bytes(bytes) => Some(bytes),
            _ => None,
        },
        unprotected: coset::Header::from_cbor_value(unprotected)?,
        protected: coset::ProtectedHeader { original_data: Some(protected), header },
    })
}

/// Takes a QR text down to its COSE bytes: prefix, Base45, then zlib.
pub fn decode_to_cose_bytes(text: &str) -> Result<(CredentialType, Vec<u8>), StageError> {
    let (ty, body) = strip_prefix(text)?;
    let raw = base45_decode(body)?;
    let cose = decompress(&raw)?;
    Ok((ty, cose))
}

/// Builds a QR text from COSE bytes: zlib, Base45 and the type's prefix, within [`MAX_QR_TEXT_LEN`].
pub fn encode_qr_text(ty: CredentialType, cose: &[u8]) -> Result<String, CredentialError> {
    let body = base45::encode(compress(cose));
    let text = format!("{}{body}", ty.prefix());
    if text.len() > MAX_QR_TEXT_LEN {
        return Err(CredentialError::TooLarge(text.len(), MAX_QR_TEXT_LEN));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct COSE_Sign1 reading gives what coset gives, value or error, on well-formed messages and on
    /// every single-byte change of them.
    #[test]
    fn sign1_reading_matches_coset() {
        use coset::{CborSerializable, CoseSign1Builder, HeaderBuilder, iana};
        let mut messages = Vec::new();
        for (alg, kid, payload) in [
            (iana::Algorithm::ES256, vec![1u8; 8], Some(vec![0xa1, 0x01, 0x02])),
            (iana::Algorithm::PS256, vec![], None),
            (iana::Algorithm::ES384, vec![9; 3], Some(vec![])),
        ] {
            let protected = HeaderBuilder::new().algorithm(alg).key_id(kid.clone()).build();
            let unprotected = HeaderBuilder::new().key_id(kid).content_type("application/cbor".into()).build();
            let mut builder = CoseSign1Builder::new().protected(protected).unprotected(unprotected).signature(vec![7; 64]);
            if let Some(payload) = payload {
                builder = builder.payload(payload);
            }
            messages.push(builder.build().to_vec().unwrap());
        }
        let mut checked = 0;
        for message in &messages {
            let mut variants = vec![message.clone()];
            for at in 0..message.len() {
                for bit in [0x01u8, 0x20, 0x80] {
                    let mut changed = message.clone();
                    changed[at] ^= bit;
                    variants.push(changed);
                }
            }
            for bytes in variants {
                let Ok(value) = cbor_from_slice(&bytes) else { continue };
                let ours = sign1_from_value(value.clone()).map_err(|e| e.to_string());
                let coset = CoseSign1::from_cbor_value(value).map_err(|e| e.to_string());
                assert_eq!(ours, coset, "{bytes:02x?}");
                checked += 1;
            }
        }
        assert!(checked > 300, "{checked} messages compared");
    }

    #[test]
    fn prefixes_are_qr_alphanumeric_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for ty in CredentialType::ALL {
            assert!(ty.prefix().bytes().all(|b| BASE45_DIGITS[usize::from(b)] != 0xff));
            assert!(seen.insert(ty.prefix()));
        }
    }

    #[test]
    fn base45_refuses_an_overflowing_final_pair() {
        assert_eq!(base45_decode("FGW").unwrap(), b"\xff\xff");
        assert_eq!(base45_decode("U5").unwrap(), b"\xff");
        assert_eq!(base45_decode("::").unwrap_err().stage, FailedStage::Base45);
        assert_eq!(base45_decode("A").unwrap_err().stage, FailedStage::Base45);
        assert_eq!(base45_decode("").unwrap_err().stage, FailedStage::Base45);
    }

    #[test]
    fn base45_agrees_with_the_crate() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a~";
        for len in 0..300 {
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if !data.is_empty() {
                assert_eq!(base45_decode(&base45::encode(&data)).unwrap(), data);
            }
            // Random text over the alphabet plus outsiders: the crate's verdict, except that the crate wraps an
            // overflowing final pair instead of refusing it.
            let text: String = (0..len).map(|_| alphabet[(next() % 47) as usize] as char).collect();
            let ours = base45_decode(&text).ok();
            let theirs = base45::decode(&text).ok().filter(|_| !text.is_empty());
            let tail_overflows = text.len() % 3 == 2 && {
                let tail = &text.as_bytes()[text.len() - 2..];
                let d = |b: u8| u32::from(BASE45_DIGITS[usize::from(b)]);
                tail.iter().all(|b| BASE45_DIGITS[usize::from(*b)] != 0xff) && d(tail[0]) + 45 * d(tail[1]) > 255
            };
            assert!(ours == theirs || (tail_overflows && ours.is_none()), "{text:?}");
        }
    }

    #[test]
    fn zlib_round_trip_and_limits() {
        let data = vec![7u8; 1000];
        let packed = compress(&data);
        assert!(looks_like_zlib(&packed));
        assert_eq!(decompress(&packed).unwrap(), data);

        let mut bad_sum = packed.clone();
        *bad_sum.last_mut().unwrap() ^= 1;
        assert_eq!(decompress(&bad_sum).unwrap_err().stage, FailedStage::Decompress);

        let truncated = &packed[..packed.len() - 6];
        assert_eq!(decompress(truncated).unwrap_err().stage, FailedStage::Decompress);

        let mut trailing = packed.clone();
        trailing.push(0);
        assert_eq!(decompress(&trailing).unwrap_err().stage, FailedStage::Decompress);

        let bomb = compress(&vec![0u8; MAX_DECOMPRESSED_LEN + 1]);
        assert!(bomb.len() < 200);
        assert_eq!(decompress(&bomb).unwrap_err().stage, FailedStage::Decompress);
        let at_limit = compress(&vec![0u8; MAX_DECOMPRESSED_LEN]);
        assert_eq!(decompress(&at_limit).unwrap().len(), MAX_DECOMPRESSED_LEN);

        // Uncompressed COSE is refused at this stage, not passed on.
        for uncompressed in [&[0xd2u8, 0x84, 0x43][..], &[0xd8, 0x3d, 0xd2, 0x84], &[0x84, 0x40], &[]] {
            assert_eq!(decompress(uncompressed).unwrap_err().stage, FailedStage::Decompress, "{uncompressed:02x?}");
        }
        // A zlib header with a preset dictionary (FDICT) cannot be inflated without it.
        assert_eq!(decompress(&[0x78, 0xbb, 0, 0, 0, 1]).unwrap_err().stage, FailedStage::Decompress);
    }

    #[test]
    fn cose_tags_follow_rfc_8392() {
        let array = Value::Array(vec![Value::Bytes(vec![0xa0]), Value::Map(vec![]), Value::Bytes(vec![]), Value::Bytes(vec![1])]);
        let encode = |v: Value| {
            let mut out = Vec::new();
            ciborium::ser::into_writer(&v, &mut out).unwrap();
            out
        };
        let tag = |t: u64, v: Value| Value::Tag(t, Box::new(v));
        assert!(parse_cose(&encode(array.clone())).is_ok(), "untagged");
        assert!(parse_cose(&encode(tag(18, array.clone()))).is_ok(), "tagged 18");
        assert!(parse_cose(&encode(tag(61, tag(18, array.clone())))).is_ok(), "CWT tag around tag 18");
        for refused in [tag(61, array.clone()), tag(61, tag(61, tag(18, array.clone()))), tag(18, tag(18, array.clone())), tag(98, array.clone())] {
            assert_eq!(parse_cose(&encode(refused)).unwrap_err().stage, FailedStage::Cose);
        }
        let mut trailing = encode(tag(18, array));
        trailing.push(0);
        assert_eq!(parse_cose(&trailing).unwrap_err().stage, FailedStage::Cbor);
    }

    #[test]
    fn deep_cbor_is_refused() {
        let mut deep = vec![0x81u8; 200];
        deep.push(0x00);
        assert!(cbor_from_slice(&deep).is_err());
        let mut shallow = vec![0x81u8; 4];
        shallow.push(0x00);
        assert!(cbor_from_slice(&shallow).is_ok());
    }

    #[test]
    fn over_long_text_fails_at_prefix() {
        let text = format!("HC1:{}", "A".repeat(MAX_QR_TEXT_LEN));
        assert_eq!(strip_prefix(&text).unwrap_err().stage, FailedStage::Prefix);
        assert_eq!(strip_prefix("XX1:ABC").unwrap_err().stage, FailedStage::Prefix);
        // Exactly as scanned: no case folding, nothing before the prefix, nothing trimmed after the body.
        assert_eq!(strip_prefix("HB1:ABC").unwrap(), (CredentialType::PersonalPass, "ABC"));
        assert_eq!(strip_prefix("HC1:AB ").unwrap(), (CredentialType::EuDcc, "AB "), "a trailing space is a Base45 digit");
        for refused in ["hc1:ABC", "Hc1:ABC", " HC1:ABC", "\nHC1:ABC", "HC1ABC", "ABC", "", "HC2:ABC"] {
            assert_eq!(strip_prefix(refused).unwrap_err().stage, FailedStage::Prefix, "{refused:?}");
        }
        assert_eq!(base45_decode("ABC\n").unwrap_err().stage, FailedStage::Base45, "a line ending is not Base45");
    }
}
