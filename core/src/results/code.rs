//! Sample codes as the person receives them: the QR on the receipt or tube label (`HT1:` and 32 base32
//! characters, 160 random bits; the bare 32 characters are accepted too) or the short code read out over the
//! phone (nine characters of CWA's teleTAN alphabet and a check character computed as CWA does). Only the
//! SHA-256 of the normalised code ever leaves the phone.

use healthbook_protocol::SampleCodeKind;
use rand::Rng;
use ring::digest;
use thiserror::Error;

/// The prefix of a sample code's QR.
pub const QR_PREFIX: &str = "HT1:";
/// Characters of a short code: CWA's teleTAN alphabet, without the look-alikes 0, 1, I, L and O.
pub const SHORT_CODE_ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Length of a short code's body (the check character comes after it).
pub const SHORT_CODE_BODY_LEN: usize = 9;
/// Characters of the QR code's body: RFC 4648 base32.
pub const QR_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Length of the QR code's body.
pub const QR_BODY_LEN: usize = 32;

/// Why a typed or scanned code is refused before anything is sent. Messages never quote the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SampleCodeError {
    /// Nothing was entered.
    #[error("no sample code was entered")]
    Empty,
    /// The code has neither the length of a short code nor that of a QR code.
    #[error("a sample code has 10 characters (or 32 in the QR)")]
    WrongLength,
    /// A character that no sample code contains.
    #[error("the sample code contains a character that no code has")]
    BadCharacter,
    /// The check character does not match: a character was mistyped.
    #[error("the sample code's check character does not match; a character was mistyped")]
    BadCheckCharacter,
}

/// A well-formed sample code, normalised.
#[derive(Clone, PartialEq, Eq)]
pub struct SampleCode {
    kind: SampleCodeKind,
    normalized: String,
}

// The code is a secret until hashed: never print it.
impl std::fmt::Debug for SampleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleCode").field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl SampleCode {
    /// Reads a scanned or typed code: trims it, upper-cases it, drops spaces and dashes, and checks its
    /// characters and (for a short code) its check character.
    pub fn parse(input: &str) -> Result<Self, SampleCodeError> {
        let cleaned: String =
            input.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();
        if cleaned.is_empty() {
            return Err(SampleCodeError::Empty);
        }
        if let Some(body) = cleaned.strip_prefix(QR_PREFIX) {
            return Self::qr(body);
        }
        match cleaned.chars().count() {
            QR_BODY_LEN => Self::qr(&cleaned),
            n if n == SHORT_CODE_BODY_LEN + 1 => Self::short(&cleaned),
            _ => Err(SampleCodeError::WrongLength),
        }
    }

    fn qr(body: &str) -> Result<Self, SampleCodeError> {
        if body.chars().count() != QR_BODY_LEN {
            return Err(SampleCodeError::WrongLength);
        }
        if !body.chars().all(|c| QR_ALPHABET.contains(c)) {
            return Err(SampleCodeError::BadCharacter);
        }
        Ok(Self { kind: SampleCodeKind::Qr, normalized: body.to_owned() })
    }

    fn short(code: &str) -> Result<Self, SampleCodeError> {
        if !code.chars().all(|c| SHORT_CODE_ALPHABET.contains(c)) {
            return Err(SampleCodeError::BadCharacter);
        }
        let (body, check) = code.split_at(SHORT_CODE_BODY_LEN);
        if !check.starts_with(check_character(body)) {
            return Err(SampleCodeError::BadCheckCharacter);
        }
        Ok(Self { kind: SampleCodeKind::ShortCode, normalized: code.to_owned() })
    }

    /// A new random QR code (for sampling sites and tests).
    pub fn generate_qr(rng: &mut impl Rng) -> Self {
        let alphabet = QR_ALPHABET.as_bytes();
        let body: String = (0..QR_BODY_LEN).map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char).collect();
        Self { kind: SampleCodeKind::Qr, normalized: body }
    }

    /// A new random short code with its check character (for sampling sites and tests).
    pub fn generate_short(rng: &mut impl Rng) -> Self {
        let alphabet = SHORT_CODE_ALPHABET.as_bytes();
        let mut code: String =
            (0..SHORT_CODE_BODY_LEN).map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char).collect();
        code.push(check_character(&code));
        Self { kind: SampleCodeKind::ShortCode, normalized: code }
    }

    /// How the code was entered.
    pub fn kind(&self) -> SampleCodeKind {
        self.kind
    }

    /// The normalised code (without the QR prefix): what is hashed, and what a site prints or reads out.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// The text of the code's QR (`HT1:` and the body), or the short code itself.
    pub fn qr_text(&self) -> String {
        match self.kind {
            SampleCodeKind::Qr => format!("{QR_PREFIX}{}", self.normalized),
            SampleCodeKind::ShortCode => self.normalized.clone(),
        }
    }

    /// SHA-256 of the normalised code, 64 lowercase hex characters: the only form that is sent.
    pub fn hash(&self) -> String {
        sha256_hex(&self.normalized)
    }
}

/// The check character of a short code's body, as CWA computes a teleTAN's: the first hex digit of the body's
/// SHA-256, upper-cased, with `0` and `1` (not in the alphabet) read as `G` and `H`.
pub fn check_character(body: &str) -> char {
    match sha256_hex(body).chars().next() {
        Some('0') => 'G',
        Some('1') => 'H',
        Some(c) => c.to_ascii_uppercase(),
        None => 'G',
    }
}

/// SHA-256 of `text` as 64 lowercase hex characters.
pub fn sha256_hex(text: &str) -> String {
    digest::digest(&digest::SHA256, text.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// True when `text` is a code hash as the wire carries it: 64 lowercase hex characters.
pub fn is_code_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A code hash given as such (64 hex characters, any case) or computed from a code: what staff commands accept.
pub fn hash_of_code_or_hash(text: &str) -> Result<String, SampleCodeError> {
    let trimmed = text.trim();
    if trimmed.len() == 64 && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(trimmed.to_ascii_lowercase());
    }
    Ok(SampleCode::parse(trimmed)?.hash())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn reference(name: &str) -> serde_json::Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/cwa").join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn check_characters_match_cwa_teletan_vectors() {
        let vectors = reference("teletan-and-hash-vectors.json");
        let list = vectors["vectors"].as_array().unwrap();
        assert!(list.len() >= 10);
        for v in list {
            let body = v["teletan_body"].as_str().unwrap();
            let check = v["check_digit"].as_str().unwrap().chars().next().unwrap();
            assert_eq!(check_character(body), check, "body {body}");
            let teletan = v["teletan"].as_str().unwrap();
            let code = SampleCode::parse(teletan).unwrap();
            assert_eq!(code.kind(), SampleCodeKind::ShortCode);
            assert_eq!(code.as_str(), teletan);
        }
        // CWA's syntax example is only syntactically valid: it reaches the check character, which catches it.
        let example = vectors["valid_syntax_example"].as_str().unwrap().split(' ').next().unwrap();
        let expected = if check_character(&example[..9]) == example.chars().nth(9).unwrap() {
            Ok(SampleCodeKind::ShortCode)
        } else {
            Err(SampleCodeError::BadCheckCharacter)
        };
        assert_eq!(SampleCode::parse(example).map(|c| c.kind()), expected, "{example}");
    }

    #[test]
    fn hashes_match_cwa_sha256_vectors() {
        let vectors = reference("teletan-and-hash-vectors.json");
        let utils = &vectors["sha256_hex_vectors_from_TestUtils"];
        for (clear, hashed) in [("TEST_REG_TOK", "TEST_REG_TOK_HASH"), ("TEST_TAN", "TEST_HASHED_TAN"), ("TEST_TELE_TAN", "TEST_TELE_TAN_HASH")] {
            assert_eq!(sha256_hex(utils[clear].as_str().unwrap()), utils[hashed].as_str().unwrap(), "{clear}");
        }
    }

    #[test]
    fn short_codes_are_normalised_and_a_wrong_check_character_is_refused() {
        let code = SampleCode::parse("  fe9a-5mak 6c ").unwrap();
        assert_eq!(code.as_str(), "FE9A5MAK6C");
        assert_eq!(code.hash(), sha256_hex("FE9A5MAK6C"));
        assert!(is_code_hash(&code.hash()));
        assert_eq!(SampleCode::parse("FE9A5MAK6D"), Err(SampleCodeError::BadCheckCharacter));
        assert_eq!(SampleCode::parse("FE9A5MAK7C"), Err(SampleCodeError::BadCheckCharacter), "a swapped body character");
        assert_eq!(SampleCode::parse("FE9A5MAK6"), Err(SampleCodeError::WrongLength));
        assert_eq!(SampleCode::parse("FE9A5MAK0C"), Err(SampleCodeError::BadCharacter));
        assert_eq!(SampleCode::parse(" - "), Err(SampleCodeError::Empty));
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for _ in 0..200 {
            let fresh = SampleCode::generate_short(&mut rng);
            assert_eq!(SampleCode::parse(&fresh.qr_text()).unwrap(), fresh);
        }
    }

    #[test]
    fn qr_codes_parse_with_or_without_the_prefix_and_hash_alike() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let code = SampleCode::generate_qr(&mut rng);
        let text = code.qr_text();
        assert!(text.starts_with(QR_PREFIX) && text.len() == QR_PREFIX.len() + QR_BODY_LEN);
        let bare = SampleCode::parse(code.as_str()).unwrap();
        let lower = SampleCode::parse(&text.to_lowercase()).unwrap();
        assert_eq!((bare.hash(), lower.hash()), (code.hash(), code.hash()));
        assert_eq!(bare.kind(), SampleCodeKind::Qr);
        assert_eq!(SampleCode::parse(&format!("{QR_PREFIX}{}", &code.as_str()[1..])), Err(SampleCodeError::WrongLength));
        assert_eq!(SampleCode::parse(&format!("{QR_PREFIX}{}1", &code.as_str()[1..])), Err(SampleCodeError::BadCharacter));
        assert!(!format!("{code:?}").contains(code.as_str()), "debug output hides the code");
    }

    #[test]
    fn staff_accept_a_hash_or_a_code() {
        let hash = "AB".repeat(32);
        assert_eq!(hash_of_code_or_hash(&hash).unwrap(), "ab".repeat(32));
        assert_eq!(hash_of_code_or_hash("FE9A5MAK6C").unwrap(), sha256_hex("FE9A5MAK6C"));
        assert_eq!(hash_of_code_or_hash("FE9A5MAK6D"), Err(SampleCodeError::BadCheckCharacter));
    }
}
