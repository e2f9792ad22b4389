//! The EU DCC vaccination certificate (`HC1:`, a `v` entry in the EU value sets), signed by the key of the site
//! that gave the dose (role `vaccination_site`, scope `site:{id}` in the trust list), so that checkpoints verify
//! it offline like any other credential. Mirrors the test certificate of `crate::results::certificate`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ciborium::Value;
use healthbook_core::credentials::{CredentialSigner, CredentialType};
use healthbook_protocol::vaccination::VaccineProduct;
use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;
use crate::results::certificate::{CERTIFICATE_ISSUER, COUNTRY, transliterate};

/// How long a vaccination certificate is valid; a new dose replaces it sooner.
pub const VACCINATION_CERTIFICATE_VALIDITY_DAYS: i64 = 365;
/// `tg`: COVID-19 (SNOMED CT).
const DISEASE_COVID_19: &str = "840539006";
/// The schema version written.
const SCHEMA_VERSION: &str = "1.3.0";

/// What a vaccination certificate states.
#[derive(Debug, Clone)]
pub struct VaccinationCertificate<'a> {
    /// The person's full name, family name first (Vietnamese order).
    pub full_name: &'a str,
    /// Birth date (`YYYY-MM-DD`), when known.
    pub birth_date: Option<&'a str>,
    /// Birth year, used when the date is not known.
    pub birth_year: u16,
    /// Product.
    pub product: VaccineProduct,
    /// `dn`.
    pub dose_number: u8,
    /// `sd`.
    pub series_doses: u8,
    /// `dt`.
    pub date: NaiveDate,
    /// `ci`.
    pub uvci: &'a str,
}

/// The series length a certificate states for dose `dose_number` of `product`: the product's primary series,
/// and for a booster the dose number itself (the eHealth Network's 3/3 convention).
pub fn series_doses(product: VaccineProduct, dose_number: u8) -> u8 {
    product.series_doses().max(dose_number)
}

/// Signs the certificate with the site key `pkcs8`; returns the QR text and its expiry.
pub fn sign(pkcs8: &[u8], cert: &VaccinationCertificate<'_>, now: DateTime<Utc>) -> Result<(String, DateTime<Utc>), ApiError> {
    let signer = CredentialSigner::from_pkcs8(pkcs8, COUNTRY).map_err(|e| ApiError::Internal(e.to_string()))?;
    let text = |s: &str| Value::Text(s.to_owned());
    let entry = Value::Map(vec![
        (text("tg"), text(DISEASE_COVID_19)),
        (text("vp"), text(cert.product.eu_prophylaxis())),
        (text("mp"), text(cert.product.eu_product())),
        (text("ma"), text(cert.product.eu_manufacturer())),
        (text("dn"), Value::Integer(cert.dose_number.into())),
        (text("sd"), Value::Integer(cert.series_doses.into())),
        (text("dt"), text(&cert.date.format("%Y-%m-%d").to_string())),
        (text("co"), text(COUNTRY)),
        (text("is"), text(CERTIFICATE_ISSUER)),
        (text("ci"), text(cert.uvci)),
    ]);
    let name = cert.full_name.nfc().collect::<String>();
    let (family, given) = name.split_once(' ').unwrap_or((name.as_str(), ""));
    let mut nam = vec![(text("fn"), text(family)), (text("fnt"), text(&transliterate(family)))];
    if !given.is_empty() {
        nam.push((text("gn"), text(given)));
        nam.push((text("gnt"), text(&transliterate(given))));
    }
    let dob = cert.birth_date.map(str::to_owned).unwrap_or_else(|| format!("{:04}", cert.birth_year));
    let hcert = Value::Map(vec![
        (text("ver"), text(SCHEMA_VERSION)),
        (text("nam"), Value::Map(nam)),
        (text("dob"), text(&dob)),
        (text("v"), Value::Array(vec![entry])),
    ]);
    let expires_at = now + Duration::days(VACCINATION_CERTIFICATE_VALIDITY_DAYS);
    let claims = Value::Map(vec![
        (Value::Integer(1.into()), text(COUNTRY)),
        (Value::Integer(6.into()), Value::Integer(now.timestamp().into())),
        (Value::Integer(4.into()), Value::Integer(expires_at.timestamp().into())),
        (Value::Integer((-260).into()), Value::Map(vec![(Value::Integer(1.into()), hcert)])),
    ]);
    let qr = signer.sign_claims(CredentialType::EuDcc, &claims).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((qr, expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use healthbook_core::credentials::{self, PayloadSummary};
    use healthbook_core::credentials::DccEntry;

    #[test]
    fn a_signed_certificate_decodes_to_what_it_states() {
        let (_, pkcs8) = healthbook_core::trust::SigningKey::generate().unwrap();
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2021, 7, 1, 8, 0, 0).unwrap();
        let cert = VaccinationCertificate {
            full_name: "Trần Thị Hoa",
            birth_date: None,
            birth_year: 1961,
            product: VaccineProduct::Vaxzevria,
            dose_number: 2,
            series_doses: series_doses(VaccineProduct::Vaxzevria, 2),
            date: NaiveDate::from_ymd_opt(2021, 6, 30).unwrap(),
            uvci: "URN:UVCI:01:VN:ABC#D",
        };
        let (qr, expires_at) = sign(&pkcs8, &cert, now).unwrap();
        assert_eq!(expires_at, now + Duration::days(365));
        let decoded = credentials::decode(&qr).unwrap();
        let Some(PayloadSummary::EuDcc(dcc)) = &decoded.payload else { panic!("not a DCC: {:?}", decoded.payload) };
        match &dcc.entries[0] {
            DccEntry::Vaccination { dose_number, total_doses, date, product, .. } => {
                assert_eq!((*dose_number, *total_doses, date.as_str(), product.as_str()), (2, 2, "2021-06-30", "EU/1/21/1529"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(series_doses(VaccineProduct::Comirnaty, 3), 3);
        assert_eq!(series_doses(VaccineProduct::Janssen, 1), 1);
    }
}
