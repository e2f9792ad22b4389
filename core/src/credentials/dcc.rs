//! The EU DCC payload (`hcert` claim): holder, and a summary of each vaccination, test or recovery entry.
//!
//! Only the structure the verifier relies on is enforced (types of the fields it reads, at least one entry,
//! a UVCI per entry); value sets and patterns of the JSON schema are the issuer's business and vary by version.

use ciborium::Value;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::verify::Holder;

/// The three kinds of EU DCC statement, as the signer certificate's extended key usage names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DccType {
    /// `v` entries.
    Vaccination,
    /// `t` entries.
    Test,
    /// `r` entries.
    Recovery,
}

/// SNOMED code of a test result "not detected".
pub const TEST_NOT_DETECTED: &str = "260415000";
/// SNOMED code of a test result "detected".
pub const TEST_DETECTED: &str = "260373001";

/// One statement of a DCC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DccEntry {
    /// A vaccination: dose `dose_number` of `total_doses`.
    Vaccination {
        /// `dn`.
        dose_number: u64,
        /// `sd`.
        total_doses: u64,
        /// `dt`: date of vaccination.
        date: String,
        /// `mp`: medicinal product (e.g. `EU/1/20/1528`).
        product: String,
        /// `tg`: disease targeted (SNOMED).
        target: String,
        /// `co`: country of vaccination.
        country: String,
        /// `is`: certificate issuer.
        issuer: String,
        /// `ci`: unique certificate identifier (UVCI).
        uvci: String,
    },
    /// A test: type, result and sample time.
    Test {
        /// `tt`: type of test (LOINC).
        test_type: String,
        /// `tr`: result code (SNOMED).
        result: String,
        /// True when `tr` is "detected".
        detected: bool,
        /// `sc`: when the sample was taken.
        sample_time: String,
        /// `tc`: testing centre.
        centre: String,
        /// `co`: country of test.
        country: String,
        /// `is`: certificate issuer.
        issuer: String,
        /// `ci`: UVCI.
        uvci: String,
    },
    /// A recovery: validity of the recovery statement.
    Recovery {
        /// `fr`: date of the first positive test.
        first_positive: String,
        /// `df`: valid from.
        valid_from: String,
        /// `du`: valid until.
        valid_until: String,
        /// `co`: country of test.
        country: String,
        /// `is`: certificate issuer.
        issuer: String,
        /// `ci`: UVCI.
        uvci: String,
    },
}

impl DccEntry {
    /// The statement type.
    pub fn dcc_type(&self) -> DccType {
        match self {
            Self::Vaccination { .. } => DccType::Vaccination,
            Self::Test { .. } => DccType::Test,
            Self::Recovery { .. } => DccType::Recovery,
        }
    }

    /// The UVCI.
    pub fn uvci(&self) -> &str {
        match self {
            Self::Vaccination { uvci, .. } | Self::Test { uvci, .. } | Self::Recovery { uvci, .. } => uvci,
        }
    }

    /// One line for a verifier's screen, e.g. "vaccination, dose 2/2 on 2021-05-29".
    pub fn describe(&self) -> String {
        match self {
            Self::Vaccination { dose_number, total_doses, date, .. } => {
                format!("vaccination, dose {dose_number}/{total_doses} on {date}")
            }
            Self::Test { detected, sample_time, .. } => {
                let result = if *detected { "positive" } else { "negative" };
                format!("test {result}, sampled {sample_time}")
            }
            Self::Recovery { valid_from, valid_until, .. } => {
                format!("recovery, valid {valid_from} to {valid_until}")
            }
        }
    }
}

/// What a DCC states, for display and business rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DccSummary {
    /// `ver`: schema version, e.g. `1.3.0`.
    pub schema_version: String,
    /// The statements, vaccinations first (schema 1.3 allows exactly one; early issuers sent several).
    pub entries: Vec<DccEntry>,
}

impl DccSummary {
    /// The type of the first statement.
    pub fn primary_type(&self) -> Option<DccType> {
        self.entries.first().map(DccEntry::dcc_type)
    }
}

/// A CBOR map's text-keyed entries, taken apart so that values move out without copies; other keys are
/// dropped (the schema has none).
struct Fields(Vec<(String, Value)>);

impl Fields {
    fn new(value: Value, what: &str) -> Result<Self, String> {
        match value {
            Value::Map(entries) => Ok(Self(
                entries
                    .into_iter()
                    .filter_map(|(k, v)| match k {
                        Value::Text(k) => Some((k, v)),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => Err(format!("{what} is not a map")),
        }
    }

    /// Takes the first value under `key`; null counts as absent.
    fn take(&mut self, key: &str) -> Option<Value> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        match self.0.swap_remove(at).1 {
            Value::Null => None,
            value => Some(value),
        }
    }

    /// A required text field.
    fn text(&mut self, key: &str, what: &str) -> Result<String, String> {
        match self.take(key) {
            Some(Value::Text(t)) => Ok(t),
            _ => Err(format!("{what} missing or not text")),
        }
    }

    /// A display field that may be absent but must be text-like when present: text, a tagged date-time
    /// (tag 0), or a number in decimal.
    fn display(&mut self, key: &str) -> Result<String, String> {
        match self.take(key) {
            None => Ok(String::new()),
            Some(Value::Text(t)) => Ok(t),
            Some(Value::Tag(0, inner)) => match *inner {
                Value::Text(t) => Ok(t),
                _ => Err(format!("{key} has the wrong type")),
            },
            Some(Value::Integer(i)) => Ok(i128::from(i).to_string()),
            Some(_) => Err(format!("{key} has the wrong type")),
        }
    }

    /// A required unsigned integer.
    fn uint(&mut self, key: &str, what: &str) -> Result<u64, String> {
        match self.take(key) {
            Some(Value::Integer(i)) => u64::try_from(i128::from(i)).map_err(|_| format!("{what} is negative")),
            _ => Err(format!("{what} missing or not an unsigned integer")),
        }
    }

    /// The entries of one array (`v`, `t` or `r`), each a map with a UVCI.
    fn entries(&mut self, key: &str) -> Result<Vec<Fields>, String> {
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| {
                    let entry = Self::new(item, key).map_err(|_| format!("{key} entry is not a map"))?;
                    if !entry.0.iter().any(|(k, v)| k == "ci" && matches!(v, Value::Text(_))) {
                        return Err(format!("{key} entry has no ci (UVCI)"));
                    }
                    Ok(entry)
                })
                .collect(),
            Some(_) => Err(format!("{key} is not an array")),
        }
    }
}

/// Text normalised to NFC, as names are compared with ID cards in NFC.
pub(crate) fn nfc(text: &str) -> String {
    if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        text.to_string()
    } else {
        text.nfc().collect()
    }
}

/// The same, keeping the allocation when the text already is NFC (the usual case).
fn into_nfc(text: String) -> String {
    if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        text
    } else {
        text.nfc().collect()
    }
}

/// Reads the DCC payload into its holder and summary.
pub(crate) fn parse_dcc(value: Value) -> Result<(Holder, DccSummary), String> {
    let mut map = Fields::new(value, "DCC payload")?;
    let schema_version = map.text("ver", "ver")?;
    let mut nam = Fields::new(map.take("nam").ok_or("nam missing")?, "nam")?;
    let family_t = nam.text("fnt", "nam.fnt")?;
    let family = nam.display("fn")?;
    let given = nam.display("gn")?;
    let given_t = nam.display("gnt")?;
    let dob = map.text("dob", "dob")?;

    let mut out = Vec::new();
    for mut entry in map.entries("v")? {
        out.push(DccEntry::Vaccination {
            dose_number: entry.uint("dn", "v.dn")?,
            total_doses: entry.uint("sd", "v.sd")?,
            date: entry.display("dt")?,
            product: entry.display("mp")?,
            target: entry.display("tg")?,
            country: entry.display("co")?,
            issuer: entry.display("is")?,
            uvci: entry.display("ci")?,
        });
    }
    for mut entry in map.entries("t")? {
        let result = entry.display("tr")?;
        out.push(DccEntry::Test {
            test_type: entry.display("tt")?,
            detected: result == TEST_DETECTED,
            result,
            sample_time: entry.display("sc")?,
            centre: entry.display("tc")?,
            country: entry.display("co")?,
            issuer: entry.display("is")?,
            uvci: entry.display("ci")?,
        });
    }
    for mut entry in map.entries("r")? {
        out.push(DccEntry::Recovery {
            first_positive: entry.display("fr")?,
            valid_from: entry.display("df")?,
            valid_until: entry.display("du")?,
            country: entry.display("co")?,
            issuer: entry.display("is")?,
            uvci: entry.display("ci")?,
        });
    }
    if out.is_empty() {
        return Err("no vaccination, test or recovery entry".into());
    }

    let family_name = (!family.is_empty()).then(|| into_nfc(family));
    let given_name = (!given.is_empty()).then(|| into_nfc(given));
    let family_name_transliterated = (!family_t.is_empty()).then_some(family_t);
    let given_name_transliterated = (!given_t.is_empty()).then_some(given_t);
    let family_display = family_name.as_ref().or(family_name_transliterated.as_ref());
    let given_display = given_name.as_ref().or(given_name_transliterated.as_ref());
    let name = match (family_display, given_display) {
        (Some(f), Some(g)) => format!("{f} {g}"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => String::new(),
    };
    let holder = Holder {
        name,
        birth_date: (!dob.is_empty()).then_some(dob),
        family_name,
        given_name,
        family_name_transliterated,
        given_name_transliterated,
    };
    Ok((holder, DccSummary { schema_version, entries: out }))
}
