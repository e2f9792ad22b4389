//! EU DCC document-signer (DSC) lists: the signed list a national backend of the EU DCC gateway publishes, and
//! the list our server republishes to phones, signed by our root.
//!
//! A national backend's list (Germany's at `https://de.dscg.ubirch.com/trustList/DSC/`) is text: the first line
//! is a base64 ECDSA P-256/SHA-256 signature, DER-encoded as Java's `SHA256withECDSA` makes it, over the bytes
//! after the first newline; the rest is JSON, `{"certificates":[{"certificateType":"DSC","country":"DE",
//! "kid":"<base64 8 bytes>","rawData":"<base64 DER>","signature":"…","thumbprint":"<hex>","timestamp":"…"}]}`.
//! Verifiers read it the same way: covpass-android's
//! `covpass-sdk/src/main/java/de/rki/covpass/sdk/cert/DscListDecoder.kt` (Digitaler-Impfnachweis/covpass-android)
//! and cwa-server's `dgc/dsc/decode/DscListDecoder.java` take the text before the JSON as the signature and
//! verify it with the pinned publisher key over the JSON, trimmed. We verify over the exact bytes after the
//! first newline and, as they do, accept the same bytes without trailing whitespace.
//!
//! Parsing needs no phone feature, so the server checks uploads with the same code. Nothing here logs an entry's
//! content: a certificate names its signer, never a person, but the lists are large and logs are not the place.

use std::collections::{BTreeSet, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use healthbook_protocol::{DccSigner, DccSignerList};
use ring::signature::{self, UnparsedPublicKey};
use thiserror::Error;

use super::jws::{sign_compact, verify_compact};
use super::keys::point_from_spki;
use super::store::{KeyId, TrustedKey};
use super::{SigningKey, TrustError, VerifyingKey};

/// Largest document-signer list accepted (Germany's list of every EU signer is a few MiB).
pub const MAX_DSC_LIST_BYTES: usize = 16 * 1024 * 1024;

/// JWS `typ` of the document-signer list our server signs for phones.
pub const DCC_SIGNER_LIST_TYP: &str = "healthbook-dcc-signers+jws";

/// Why a document-signer list was refused. No variant carries an entry's content.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DscListError {
    /// The list is larger than [`MAX_DSC_LIST_BYTES`].
    #[error("the document-signer list is larger than 16 MiB")]
    TooLarge,
    /// There is no newline, so no signature line before the JSON.
    #[error("the document-signer list has no signature line")]
    NoNewline,
    /// The signature line is not base64.
    #[error("the document-signer list's signature line is not base64")]
    BadBase64,
    /// The signature does not verify with the pinned publisher key.
    #[error("the document-signer list's signature does not verify with the pinned publisher key")]
    BadSignature,
    /// The signed part is not the JSON document expected.
    #[error("the document-signer list is not the JSON expected: {0}")]
    BadJson(String),
    /// The pinned publisher key is not a P-256 public key (SPKI, PEM or base64 DER).
    #[error("the publisher key is not a P-256 public key (SPKI as PEM or base64 DER)")]
    BadPublisherKey,
    /// No entry carries a readable timestamp, so the list has no date.
    #[error("the document-signer list has no dated entry")]
    Undated,
    /// The list is older than the one already imported.
    #[error("the document-signer list of {offered} is older than the one imported, of {accepted}")]
    Older {
        /// The offered list's date.
        offered: DateTime<Utc>,
        /// The imported list's date.
        accepted: DateTime<Utc>,
    },
}

/// A verified document-signer list: the signers kept and what was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDscList {
    /// The list's date: its newest entry's timestamp.
    pub list_date: DateTime<Utc>,
    /// The signers kept, in list order, each once.
    pub signers: Vec<DccSigner>,
    /// Entries skipped: not a DSC, a certificate the verifier cannot use, a kid that does not match, a repeat.
    pub skipped: u32,
}

impl ParsedDscList {
    /// Countries with at least one signer.
    pub fn countries(&self) -> u32 {
        count_countries(&self.signers)
    }
}

/// Countries named by `signers`.
pub fn count_countries(signers: &[DccSigner]) -> u32 {
    let countries: BTreeSet<&str> = signers.iter().map(|s| s.country.as_str()).collect();
    u32::try_from(countries.len()).unwrap_or(u32::MAX)
}

/// A national backend's publisher key, pinned by whoever imports its lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherKey(VerifyingKey);

impl PublisherKey {
    /// Reads a P-256 SubjectPublicKeyInfo given as PEM (`-----BEGIN PUBLIC KEY-----`) or as base64 DER.
    pub fn parse(text: &str) -> Result<Self, DscListError> {
        let body: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("-----"))
            .flat_map(str::chars)
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = STANDARD.decode(body.as_bytes()).map_err(|_| DscListError::BadPublisherKey)?;
        VerifyingKey::from_spki(&der).map(Self).map_err(|_| DscListError::BadPublisherKey)
    }

    /// The key.
    pub fn key(&self) -> &VerifyingKey {
        &self.0
    }

    /// Checks an ECDSA P-256/SHA-256 signature over `message`: DER as Java writes it, or the 64-byte `r || s`
    /// form some backends serve.
    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(point) = point_from_spki(self.0.spki()) else { return false };
        let der = UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, point).verify(message, signature).is_ok();
        der || (signature.len() == 64
            && UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(message, signature).is_ok())
    }
}

/// Verifies a national backend's document-signer list with the pinned publisher key (PEM or base64 DER SPKI)
/// and keeps the `DSC` entries whose certificate the verifier accepts and whose kid is the first 8 bytes of
/// SHA-256 of that certificate; the others are skipped and counted.
pub fn parse_dsc_list(text: &str, pinned_publisher_key: &str) -> Result<ParsedDscList, DscListError> {
    if text.len() > MAX_DSC_LIST_BYTES {
        return Err(DscListError::TooLarge);
    }
    let key = PublisherKey::parse(pinned_publisher_key)?;
    parse_dsc_list_with(text, &key)
}

/// [`parse_dsc_list`] with a key already read.
pub fn parse_dsc_list_with(text: &str, key: &PublisherKey) -> Result<ParsedDscList, DscListError> {
    if text.len() > MAX_DSC_LIST_BYTES {
        return Err(DscListError::TooLarge);
    }
    let (first_line, signed) = text.split_once('\n').ok_or(DscListError::NoNewline)?;
    let signature = STANDARD.decode(first_line.trim().as_bytes()).map_err(|_| DscListError::BadBase64)?;
    let trimmed = signed.trim_end_matches(|c: char| c.is_ascii_whitespace());
    let verified = key.verifies(signed.as_bytes(), &signature)
        || (trimmed.len() != signed.len() && key.verifies(trimmed.as_bytes(), &signature));
    if !verified {
        return Err(DscListError::BadSignature);
    }
    let document: serde_json::Value = serde_json::from_str(signed).map_err(|e| DscListError::BadJson(e.to_string()))?;
    let entries = document
        .get("certificates")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| DscListError::BadJson("no \"certificates\" array".into()))?;
    let mut signers = Vec::new();
    let mut seen = HashSet::new();
    let mut skipped = 0u32;
    let mut list_date: Option<DateTime<Utc>> = None;
    for entry in entries {
        if let Some(at) = entry.get("timestamp").and_then(serde_json::Value::as_str).and_then(parse_timestamp) {
            list_date = Some(list_date.map_or(at, |date| date.max(at)));
        }
        match usable_signer(entry) {
            Some(signer) if seen.insert((signer.kid.clone(), signer.certificate.clone())) => signers.push(signer),
            _ => skipped = skipped.saturating_add(1),
        }
    }
    let list_date = list_date.ok_or(DscListError::Undated)?;
    Ok(ParsedDscList { list_date, signers, skipped })
}

/// The entry as a signer, when it is a DSC from a named country with a certificate the verifier can use and the
/// kid of that certificate.
fn usable_signer(entry: &serde_json::Value) -> Option<DccSigner> {
    let text = |field: &str| entry.get(field).and_then(serde_json::Value::as_str);
    if text("certificateType")? != "DSC" {
        return None;
    }
    let country = text("country")?.trim();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let der = STANDARD.decode(text("rawData")?.trim().as_bytes()).ok()?;
    let claimed = KeyId::from_base64(text("kid")?)?;
    if claimed != KeyId::of_der(&der) {
        return None;
    }
    TrustedKey::from_dcc_certificate_der(&der).ok()?;
    Some(DccSigner { country: country.to_owned(), kid: claimed.to_base64(), certificate: STANDARD.encode(&der) })
}

/// Reads an entry's timestamp: RFC 3339, or ISO 8601 with a `+0200` offset.
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// Signs the list our server republishes, with the root key.
pub fn sign_dcc_signer_list(list: &DccSignerList, root: &SigningKey) -> Result<String, TrustError> {
    let payload = serde_json::to_vec(list).map_err(|e| TrustError::MalformedPayload(e.to_string()))?;
    sign_compact(root, DCC_SIGNER_LIST_TYP, &payload)
}

/// Checks a republished list against the pinned root key, and that every signer's kid is its certificate's.
pub fn verify_dcc_signer_list(jws: &str, root: &VerifyingKey) -> Result<DccSignerList, TrustError> {
    let (_, payload) = verify_compact(jws, root, DCC_SIGNER_LIST_TYP)?;
    let list: DccSignerList = serde_json::from_slice(&payload).map_err(|e| TrustError::MalformedPayload(e.to_string()))?;
    for signer in &list.signers {
        let der = STANDARD
            .decode(signer.certificate.as_bytes())
            .map_err(|_| TrustError::MalformedPayload(format!("signer {} is not base64", signer.kid)))?;
        if KeyId::from_base64(&signer.kid) != Some(KeyId::of_der(&der)) {
            return Err(TrustError::MalformedPayload(format!("kid {} does not match its certificate", signer.kid)));
        }
    }
    Ok(list)
}

/// Builds and signs lists like a national backend does; for tests here and in other crates.
pub mod testing {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

    use crate::trust::keys::spki_from_point;

    /// A publisher's signing key and its public key as PEM.
    pub struct TestPublisher {
        pair: EcdsaKeyPair,
        raw: EcdsaKeyPair,
        /// The public key, PEM SPKI, as an importer pins it.
        pub public_key_pem: String,
    }

    impl TestPublisher {
        /// A fresh key.
        pub fn generate() -> Self {
            let rng = SystemRandom::new();
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("generate");
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).expect("key");
            let raw = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("key");
            let spki = spki_from_point(pair.public_key().as_ref()).expect("spki");
            let public_key_pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", STANDARD.encode(spki));
            Self { pair, raw, public_key_pem }
        }

        /// Like [`Self::sign`] with a 64-byte `r || s` signature.
        pub fn sign_raw(&self, json: &str) -> String {
            let signature = self.raw.sign(&SystemRandom::new(), json.as_bytes()).expect("sign");
            format!("{}\n{json}", STANDARD.encode(signature.as_ref()))
        }

        /// The list text: a DER signature line over `json`, then `json`.
        pub fn sign(&self, json: &str) -> String {
            let signature = self.pair.sign(&SystemRandom::new(), json.as_bytes()).expect("sign");
            format!("{}\n{json}", STANDARD.encode(signature.as_ref()))
        }
    }

    /// One list entry for a certificate (base64 DER), with its true kid unless `kid` overrides it.
    pub fn entry(certificate_type: &str, country: &str, certificate_b64: &str, kid: Option<&str>, timestamp: &str) -> serde_json::Value {
        let der = STANDARD.decode(certificate_b64).unwrap_or_default();
        let kid = kid.map(str::to_owned).unwrap_or_else(|| crate::credentials::KeyId::of_der(&der).to_base64());
        let thumbprint: String =
            ring::digest::digest(&ring::digest::SHA256, &der).as_ref().iter().map(|b| format!("{b:02x}")).collect();
        serde_json::json!({
            "certificateType": certificate_type, "country": country, "kid": kid, "rawData": certificate_b64,
            "signature": "c2ln", "thumbprint": thumbprint, "timestamp": timestamp,
        })
    }

    /// The JSON of a list of `entries`.
    pub fn list_json(entries: Vec<serde_json::Value>) -> String {
        serde_json::json!({ "certificates": entries }).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{TestPublisher, entry, list_json};
    use super::*;
    use chrono::TimeZone;

    /// The DSC of conformance case DE/1 (ES256), read from the shared conformance data beside the repository.
    pub(crate) fn conformance_certificate(case: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc").join(case);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["TESTCTX"]["CERTIFICATE"].as_str().unwrap().to_owned()
    }

    #[test]
    fn a_signed_list_keeps_usable_dscs_and_counts_the_rest() {
        let publisher = TestPublisher::generate();
        let de = conformance_certificate("DE/2DCode/raw/1.json");
        let other = conformance_certificate("BE/2DCode/raw/1.json");
        let json = list_json(vec![
            entry("DSC", "DE", &de, None, "2021-06-01T12:00:00+02:00"),
            entry("DSC", "BE", &other, None, "2021-06-03T08:00:00+02:00"),
            entry("CSCA", "DE", &de, None, "2021-06-02T00:00:00Z"),
            entry("DSC", "FR", &de, Some("AAAAAAAAAAA="), "2021-06-01T00:00:00Z"),
            entry("DSC", "IT", "bm90IGEgY2VydA==", None, "2021-06-01T00:00:00Z"),
            entry("DSC", "DE", &de, None, "2021-06-01T12:00:00+02:00"),
        ]);
        let list = parse_dsc_list(&publisher.sign(&json), &publisher.public_key_pem).unwrap();
        assert_eq!(list.signers.len(), 2);
        assert_eq!(list.skipped, 4, "a CSCA, a lying kid, a non-certificate, a repeat");
        assert_eq!(list.countries(), 2);
        assert_eq!(list.list_date, Utc.with_ymd_and_hms(2021, 6, 3, 6, 0, 0).unwrap(), "the newest entry dates the list");
        assert_eq!(list.signers[0].kid, KeyId::of_der(&STANDARD.decode(&de).unwrap()).to_base64());
        // The key may be pinned as bare base64 DER too.
        let bare: String = publisher.public_key_pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(parse_dsc_list(&publisher.sign(&json), &bare).unwrap(), list);
    }

    #[test]
    fn refusals_are_typed() {
        let publisher = TestPublisher::generate();
        let other = TestPublisher::generate();
        let de = conformance_certificate("DE/2DCode/raw/1.json");
        let json = list_json(vec![entry("DSC", "DE", &de, None, "2021-06-01T12:00:00Z")]);
        let signed = publisher.sign(&json);
        let key = &publisher.public_key_pem;
        assert_eq!(parse_dsc_list(&json, key), Err(DscListError::NoNewline));
        assert_eq!(parse_dsc_list(&format!("!!!\n{json}"), key), Err(DscListError::BadBase64));
        assert_eq!(parse_dsc_list(&signed, &other.public_key_pem), Err(DscListError::BadSignature));
        assert_eq!(parse_dsc_list(&signed.replace("\"DE\"", "\"FR\""), key), Err(DscListError::BadSignature));
        assert_eq!(parse_dsc_list(&signed, "not a key"), Err(DscListError::BadPublisherKey));
        assert!(matches!(parse_dsc_list(&publisher.sign("[1, 2"), key), Err(DscListError::BadJson(_))));
        assert!(matches!(parse_dsc_list(&publisher.sign("{\"x\":[]}"), key), Err(DscListError::BadJson(_))));
        assert_eq!(parse_dsc_list(&publisher.sign(&list_json(vec![])), key), Err(DscListError::Undated));
        let huge = format!("AA==\n{}", " ".repeat(MAX_DSC_LIST_BYTES));
        assert_eq!(parse_dsc_list(&huge, key), Err(DscListError::TooLarge));
        // A trailing newline after the signed JSON is accepted, as the reference verifiers trim it.
        assert!(parse_dsc_list(&format!("{signed}\n"), key).is_ok());
        // A CRLF after the signature line belongs to the line; the signed bytes still start after the newline.
        assert!(parse_dsc_list(&signed.replacen('\n', "\r\n", 1), key).is_ok());
        // A raw r || s signature (64 bytes) verifies too.
        assert!(parse_dsc_list(&publisher.sign_raw(&json), key).is_ok());
    }

    #[test]
    fn the_republished_list_round_trips_and_refuses_a_lying_kid() {
        let (root, _) = SigningKey::generate().unwrap();
        let de = conformance_certificate("DE/2DCode/raw/1.json");
        let kid = KeyId::of_der(&STANDARD.decode(&de).unwrap()).to_base64();
        let at = Utc.with_ymd_and_hms(2021, 6, 1, 0, 0, 0).unwrap();
        let mut list = DccSignerList {
            source: "DE".into(),
            list_date: at,
            imported_at: at,
            version: 1,
            signers: vec![DccSigner { country: "DE".into(), kid, certificate: de }],
        };
        let jws = sign_dcc_signer_list(&list, &root).unwrap();
        assert_eq!(verify_dcc_signer_list(&jws, root.verifying_key()).unwrap(), list);
        list.signers[0].kid = "AAAAAAAAAAA=".into();
        let jws = sign_dcc_signer_list(&list, &root).unwrap();
        assert!(matches!(verify_dcc_signer_list(&jws, root.verifying_key()), Err(TrustError::MalformedPayload(_))));
    }
}
