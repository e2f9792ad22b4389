//! The EU DCC test certificate (`HC1:`) of a result, in the EU value sets, signed by the server's lab-results
//! key (role `lab` in the trust list), so that checkpoints verify it offline like any other credential.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use ciborium::Value;
use healthbook_core::credentials::{CredentialSigner, CredentialType, TEST_DETECTED, TEST_NOT_DETECTED};
use healthbook_protocol::{TestKind, TestResultState};
use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;
use crate::storage::Tx;

/// Id of the service key that signs test certificates (see `trust::SERVICE_KEYS`).
pub const LAB_RESULTS_KEY: &str = "lab-results";
/// `iss` of the certificates, and their `co`.
pub const COUNTRY: &str = "VN";
/// `is`: who issues the certificate.
pub const CERTIFICATE_ISSUER: &str = "Ministry of Health of Viet Nam";
/// How long a test certificate is valid (a checkpoint applies its own, shorter, rules to the sample time).
pub const CERTIFICATE_VALIDITY_DAYS: i64 = 30;
/// `tg`: COVID-19 (SNOMED CT).
const DISEASE_COVID_19: &str = "840539006";

/// What a test certificate states about its holder and the test.
#[derive(Debug, Clone)]
pub struct TestCertificate<'a> {
    /// The person's full name, family name first (Vietnamese order).
    pub full_name: &'a str,
    /// Birth year, if known.
    pub birth_year: Option<i64>,
    /// Negative or positive.
    pub state: TestResultState,
    /// The kind of test.
    pub test_kind: TestKind,
    /// When the sample was taken.
    pub sampled_at: DateTime<Utc>,
    /// The sampling site's ward code.
    pub site_ward: &'a str,
}

/// ICAO 9303 transliteration: letters without their marks, upper case, anything else as `<`.
pub(crate) fn transliterate(name: &str) -> String {
    name.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'D',
            c if c.is_ascii_alphabetic() => c.to_ascii_uppercase(),
            _ => '<',
        })
        .take(80)
        .collect()
}

/// The lab-results key's signer, loaded (or created and listed in the trust list) in `tx`.
pub fn signer(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<CredentialSigner, ApiError> {
    let pkcs8 = crate::trust::service_key_pkcs8(tx, LAB_RESULTS_KEY, now)?;
    CredentialSigner::from_pkcs8(&pkcs8, COUNTRY).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Signs the certificate with `signer` (see [`signer`]).
pub fn sign(signer: &CredentialSigner, cert: &TestCertificate<'_>, now: DateTime<Utc>) -> Result<String, ApiError> {
    let result = match cert.state {
        TestResultState::Negative => TEST_NOT_DETECTED,
        TestResultState::Positive => TEST_DETECTED,
        _ => return Err(ApiError::Internal("only a negative or positive result gets a certificate".into())),
    };
    let test_type = match cert.test_kind {
        TestKind::Pcr => "LP6464-4",
        TestKind::RapidAntigen => "LP217198-3",
    };
    let name = cert.full_name.nfc().collect::<String>();
    let (family, given) = name.split_once(' ').unwrap_or((name.as_str(), ""));
    let uvci = format!("URN:UVCI:01:VN:{}", uuid::Uuid::new_v4().simple().to_string().to_ascii_uppercase());
    let text = |s: &str| Value::Text(s.to_owned());
    let entry = Value::Map(vec![
        (text("tg"), text(DISEASE_COVID_19)),
        (text("tt"), text(test_type)),
        (text("sc"), text(&cert.sampled_at.to_rfc3339_opts(SecondsFormat::Secs, true))),
        (text("tr"), text(result)),
        (text("tc"), text(&format!("Sampling site {}", cert.site_ward))),
        (text("co"), text(COUNTRY)),
        (text("is"), text(CERTIFICATE_ISSUER)),
        (text("ci"), text(&uvci)),
    ]);
    let mut nam = vec![(text("fn"), text(family)), (text("fnt"), text(&transliterate(family)))];
    if !given.is_empty() {
        nam.push((text("gn"), text(given)));
        nam.push((text("gnt"), text(&transliterate(given))));
    }
    let hcert = Value::Map(vec![
        (text("ver"), text("1.3.0")),
        (text("nam"), Value::Map(nam)),
        (text("dob"), text(&cert.birth_year.map(|y| format!("{y:04}")).unwrap_or_default())),
        (text("t"), Value::Array(vec![entry])),
    ]);
    let expires_at = now + Duration::days(CERTIFICATE_VALIDITY_DAYS);
    let claims = Value::Map(vec![
        (Value::Integer(1.into()), text(COUNTRY)),
        (Value::Integer(6.into()), Value::Integer(now.timestamp().into())),
        (Value::Integer(4.into()), Value::Integer(expires_at.timestamp().into())),
        (Value::Integer((-260).into()), Value::Map(vec![(Value::Integer(1.into()), hcert)])),
    ]);
    signer.sign_claims(CredentialType::EuDcc, &claims).map_err(|e| ApiError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_transliterated_the_icao_way() {
        assert_eq!(transliterate("Trần Thị Hoa"), "TRAN<THI<HOA");
        assert_eq!(transliterate("Đặng"), "DANG");
    }
}
