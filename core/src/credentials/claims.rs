//! CWT claims (RFC 8392) and the small CBOR helpers the payload parsers share.

use chrono::{DateTime, Utc};
use ciborium::Value;

/// CWT claim keys.
pub(crate) const CLAIM_ISS: i64 = 1;
pub(crate) const CLAIM_SUB: i64 = 2;
pub(crate) const CLAIM_EXP: i64 = 4;
pub(crate) const CLAIM_NBF: i64 = 5;
pub(crate) const CLAIM_IAT: i64 = 6;
pub(crate) const CLAIM_CTI: i64 = 7;
/// EU DCC `hcert` claim; its map holds the certificate under key 1.
pub(crate) const CLAIM_HCERT: i64 = -260;
/// Our own payload, under the first private-use CWT claim key (below -65536, RFC 8392 §9.1).
pub(crate) const CLAIM_HEALTHBOOK: i64 = -65537;

/// The registered claims of a credential, plus the payload claim that says what it is.
#[derive(Debug, Clone, Default)]
pub struct CwtClaims {
    /// `iss`: the issuer (for EU DCC, the issuing country).
    pub issuer: Option<String>,
    /// `sub`: unused by our credentials, kept for completeness.
    pub subject: Option<String>,
    /// `exp`.
    pub expires_at: Option<DateTime<Utc>>,
    /// `nbf`.
    pub not_before: Option<DateTime<Utc>>,
    /// `iat`.
    pub issued_at: Option<DateTime<Utc>>,
    /// `cti`: our credential id (UTF-8 bytes).
    pub cti: Option<Vec<u8>>,
    /// The EU DCC certificate (`hcert` / 1), undecoded.
    pub(crate) hcert: Option<Value>,
    /// Our payload (claim -65537), undecoded.
    pub(crate) healthbook: Option<Value>,
}

impl CwtClaims {
    /// Reads the claims map, refusing wrong types and repeated keys.
    pub(crate) fn from_value(value: Value) -> Result<Self, String> {
        let Value::Map(entries) = value else {
            return Err("CWT claims are not a map".into());
        };
        let mut claims = Self::default();
        let mut seen: Vec<i64> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            // Text-keyed claims are allowed by CWT but none is ours to read; huge integers neither.
            let Some(key) = int_key(&key) else { continue };
            if seen.contains(&key) {
                return Err(format!("claim {key} appears twice"));
            }
            seen.push(key);
            match key {
                CLAIM_ISS => claims.issuer = Some(text(value).ok_or("iss is not text")?),
                CLAIM_SUB => claims.subject = Some(text(value).ok_or("sub is not text")?),
                CLAIM_EXP => claims.expires_at = Some(numeric_date(&value).ok_or("exp is not a date")?),
                CLAIM_NBF => claims.not_before = Some(numeric_date(&value).ok_or("nbf is not a date")?),
                CLAIM_IAT => claims.issued_at = Some(numeric_date(&value).ok_or("iat is not a date")?),
                CLAIM_CTI => match value {
                    Value::Bytes(bytes) => claims.cti = Some(bytes),
                    _ => return Err("cti is not a byte string".into()),
                },
                CLAIM_HCERT => {
                    let Value::Map(hcert) = value else {
                        return Err("hcert claim is not a map".into());
                    };
                    let mut found = None;
                    for (k, v) in hcert {
                        if int_key(&k) == Some(1) {
                            if found.is_some() {
                                return Err("hcert holds key 1 twice".into());
                            }
                            found = Some(v);
                        }
                    }
                    claims.hcert = Some(found.ok_or("hcert claim has no certificate under key 1")?);
                }
                CLAIM_HEALTHBOOK => claims.healthbook = Some(value),
                _ => {}
            }
        }
        Ok(claims)
    }

    /// The credential id as text: `cti` read as UTF-8, or hex when it is not.
    pub fn credential_id(&self) -> Option<String> {
        self.cti.as_ref().map(|bytes| match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(_) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

/// The integer value of a map key, if it is one that fits.
pub(crate) fn int_key(value: &Value) -> Option<i64> {
    match value {
        Value::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

/// Takes text out of a value.
pub(crate) fn text(value: Value) -> Option<String> {
    match value {
        Value::Text(t) => Some(t),
        _ => None,
    }
}

/// A CWT NumericDate: integer or floating seconds since the epoch (RFC 8392 §2 allows both; some issuers send
/// floats). The epoch-date tag 1 is refused, because RFC 8392 says it MUST be omitted; so is anything chrono
/// cannot hold.
pub(crate) fn numeric_date(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Integer(i) => DateTime::from_timestamp(i64::try_from(i128::from(*i)).ok()?, 0),
        Value::Float(f) => {
            // About ±31,000 years; keeps the conversions below exact and in range.
            if !f.is_finite() || f.abs() > 1e12 {
                return None;
            }
            let secs = f.floor();
            let nanos = ((f - secs) * 1e9).clamp(0.0, 999_999_999.0) as u32;
            DateTime::from_timestamp(secs as i64, nanos)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_dates_accept_integers_and_floats_but_not_tag_1() {
        let at = |v: Value| numeric_date(&v).map(|d| d.timestamp_millis());
        assert_eq!(at(Value::Integer(1_621_262_460.into())), Some(1_621_262_460_000));
        assert_eq!(at(Value::Float(1_621_262_460.78)), Some(1_621_262_460_779));
        assert_eq!(at(Value::Tag(1, Box::new(Value::Integer(5.into())))), None, "RFC 8392: tag 1 MUST be omitted");
        assert_eq!(at(Value::Float(f64::NAN)), None);
        assert_eq!(at(Value::Float(1e300)), None);
        assert_eq!(at(Value::Integer(i64::MAX.into())), None);
        assert_eq!(at(Value::Text("2021".into())), None);
    }
}
