//! Volunteers (issue 9): a youth-union volunteer (role `volunteer`, with an area) enrols people without
//! smartphones on their own phone, records their consent, records doses shown on paper, and has their control
//! card (`HK1:`) signed.
//!
//! Endpoints:
//! - Enrolment reuses the identity area: `POST /v1/persons` (the volunteer, within their area), then the
//!   volunteer's phone asks `POST /v1/bindings/attestation` for its managed profile and the volunteer attests it
//!   with `POST /v1/bindings/attest`. Either records the person as managed by that volunteer.
//! - `GET /v1/volunteers/people` (volunteer): [`ManagedPeopleList`], the people this volunteer enrolled.
//! - `GET /v1/volunteers/people/{person_id}` (the enrolling volunteer): [`ManagedPersonView`].
//! - `POST /v1/volunteers/people/{person_id}/consent` (the enrolling volunteer): [`RecordConsentRequest`] → 201
//!   [`ConsentView`]; every consent is kept (history), none is overwritten.
//! - `POST /v1/volunteers/people/{person_id}/doses` (the enrolling volunteer): [`RecordDoseRequest`] → 201
//!   [`DoseView`] with source `self_reported`.
//! - `POST /v1/doses/{dose_id}/confirm` (a health officer whose area covers the person): → [`DoseView`] confirmed.
//! - `POST /v1/volunteers/people/{person_id}/control-card` (the enrolling volunteer, after consent):
//!   [`ControlCardRequest`] → 201 [`ControlCardView`], signed by the `control-cards` service key.
//! - `GET /v1/bindings/{profile_ref}/audit` (the device the profile is bound on): `persons::AuditList`, the
//!   person's own audit trail. Health officers of the person's area, and the supervisor of an enrolling
//!   volunteer (an officer whose area covers the volunteer's), read it at `GET /v1/persons/{person_id}/audit`.
//!
//! A volunteer asking about a person they did not enrol gets 404, as for an unknown id, so ids don't leak.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How long a control card is valid.
pub const CONTROL_CARD_VALIDITY_DAYS: i64 = 365;

/// How the person agreed to a volunteer acting for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// Said so aloud, in front of the volunteer.
    Spoken,
    /// Signed a paper form.
    SignedPaper,
    /// Put a thumbprint on a paper form.
    Thumbprint,
}

impl ConsentMethod {
    /// Every method.
    pub const ALL: [Self; 3] = [Self::Spoken, Self::SignedPaper, Self::Thumbprint];

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spoken => "spoken",
            Self::SignedPaper => "signed_paper",
            Self::Thumbprint => "thumbprint",
        }
    }

    /// Parses a wire or stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// Who gave the consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentGiver {
    /// The person themself.
    Person,
    /// A guardian (a child's parent, a carer).
    Guardian,
}

impl ConsentGiver {
    /// Every giver.
    pub const ALL: [Self; 2] = [Self::Person, Self::Guardian];

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Guardian => "guardian",
        }
    }

    /// Parses a wire or stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

/// Where a dose record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DoseSource {
    /// Shown on paper to a volunteer; counts as self-reported until an officer confirms it.
    SelfReported,
}

impl DoseSource {
    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfReported => "self_reported",
        }
    }

    /// Parses a wire or stored name.
    pub fn parse(text: &str) -> Option<Self> {
        (text == "self_reported").then_some(Self::SelfReported)
    }
}

/// A volunteer records the person's consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordConsentRequest {
    /// Who gave it.
    pub given_by: ConsentGiver,
    /// The giver's full name (the person's, or the guardian's), 1-120 characters.
    pub giver_name: String,
    /// How.
    pub method: ConsentMethod,
    /// When it was given (at most 10 minutes ahead of the server's clock).
    pub given_at: DateTime<Utc>,
}

/// A recorded consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentView {
    /// Consent id.
    pub consent_id: String,
    /// The person.
    pub person_id: String,
    /// Who gave it.
    pub given_by: ConsentGiver,
    /// The giver's name (NFC).
    pub giver_name: String,
    /// How.
    pub method: ConsentMethod,
    /// When it was given.
    pub given_at: DateTime<Utc>,
    /// The volunteer account that recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A dose the person shows on paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordDoseRequest {
    /// The vaccine product as written on the paper, 1-100 characters.
    pub product: String,
    /// Dose number, 1-10.
    pub dose_number: u8,
    /// Date of the dose (not in the future).
    pub date: NaiveDate,
    /// Lot number, when the paper shows it (1-40 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
}

/// A dose record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoseView {
    /// Dose id.
    pub dose_id: String,
    /// The person.
    pub person_id: String,
    /// Product.
    pub product: String,
    /// Dose number.
    pub dose_number: u8,
    /// Date.
    pub date: NaiveDate,
    /// Lot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// Where the record comes from.
    pub source: DoseSource,
    /// The account that recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The officer who confirmed it, once confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_by: Option<String>,
    /// When it was confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A volunteer asks for a person's control card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ControlCardRequest {
    /// The managed profile on the volunteer's phone the card stands for (bound to the person).
    pub profile_ref: String,
}

/// A signed control card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ControlCardView {
    /// The QR text (`HK1:`).
    pub qr: String,
    /// Its `cti` as verifiers read it (hex).
    pub credential_id: String,
    /// When it was signed.
    pub issued_at: DateTime<Utc>,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
}

/// A person a volunteer enrolled, as that volunteer sees them (no id number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagedPersonView {
    /// Person id.
    pub person_id: String,
    /// Full name on record.
    pub full_name: String,
    /// Birth year on record.
    pub birth_year: u16,
    /// When this volunteer enrolled them.
    pub enrolled_at: DateTime<Utc>,
    /// The latest consent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentView>,
    /// Dose records, oldest first.
    pub doses: Vec<DoseView>,
    /// When the latest control card was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_card_issued_at: Option<DateTime<Utc>>,
}

/// The people a volunteer enrolled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagedPeopleList {
    /// By name.
    pub people: Vec<ManagedPersonView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};
    use chrono::TimeZone;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap()
    }

    #[test]
    fn volunteer_enum_strings() {
        enum_strings(
            &[(ConsentMethod::Spoken, "spoken"), (ConsentMethod::SignedPaper, "signed_paper"), (ConsentMethod::Thumbprint, "thumbprint")],
            "email",
        );
        for method in ConsentMethod::ALL {
            assert_eq!(ConsentMethod::parse(method.as_str()), Some(method));
        }
        enum_strings(&[(ConsentGiver::Person, "person"), (ConsentGiver::Guardian, "guardian")], "neighbour");
        for giver in ConsentGiver::ALL {
            assert_eq!(ConsentGiver::parse(giver.as_str()), Some(giver));
        }
        enum_strings(&[(DoseSource::SelfReported, "self_reported")], "confirmed");
        assert_eq!(DoseSource::parse("self_reported"), Some(DoseSource::SelfReported));
        assert_eq!(DoseSource::parse("site"), None);
    }

    #[test]
    fn consent_bodies_round_trip() {
        let request = RecordConsentRequest {
            given_by: ConsentGiver::Guardian,
            giver_name: "Nguyễn Văn Bình".into(),
            method: ConsentMethod::Thumbprint,
            given_at: t0(),
        };
        round_trip(
            &request,
            json!({ "given_by": "guardian", "giver_name": "Nguyễn Văn Bình", "method": "thumbprint", "given_at": "2021-09-01T08:00:00Z" }),
        );
        let extra = json!({ "given_by": "person", "giver_name": "A", "method": "spoken", "given_at": "2021-09-01T08:00:00Z", "x": 1 });
        assert!(serde_json::from_value::<RecordConsentRequest>(extra).is_err(), "unknown fields are refused");
        round_trip(
            &ConsentView {
                consent_id: "c".into(),
                person_id: "p".into(),
                given_by: ConsentGiver::Person,
                giver_name: "A".into(),
                method: ConsentMethod::SignedPaper,
                given_at: t0(),
                recorded_by: "v".into(),
                recorded_at: t0(),
            },
            json!({ "consent_id": "c", "person_id": "p", "given_by": "person", "giver_name": "A", "method": "signed_paper",
                "given_at": "2021-09-01T08:00:00Z", "recorded_by": "v", "recorded_at": "2021-09-01T08:00:00Z" }),
        );
    }

    #[test]
    fn dose_and_card_bodies_round_trip() {
        let date = NaiveDate::from_ymd_opt(2021, 8, 2).unwrap();
        round_trip(
            &RecordDoseRequest { product: "AstraZeneca".into(), dose_number: 1, date, lot: None },
            json!({ "product": "AstraZeneca", "dose_number": 1, "date": "2021-08-02" }),
        );
        let dose = DoseView {
            dose_id: "d".into(),
            person_id: "p".into(),
            product: "AstraZeneca".into(),
            dose_number: 2,
            date,
            lot: Some("A1".into()),
            source: DoseSource::SelfReported,
            recorded_by: "v".into(),
            recorded_at: t0(),
            confirmed_by: Some("o".into()),
            confirmed_at: Some(t0()),
        };
        let dose_json = json!({ "dose_id": "d", "person_id": "p", "product": "AstraZeneca", "dose_number": 2, "date": "2021-08-02",
            "lot": "A1", "source": "self_reported", "recorded_by": "v", "recorded_at": "2021-09-01T08:00:00Z", "confirmed_by": "o",
            "confirmed_at": "2021-09-01T08:00:00Z" });
        round_trip(&dose, dose_json.clone());
        round_trip(&ControlCardRequest { profile_ref: "p-1".into() }, json!({ "profile_ref": "p-1" }));
        round_trip(
            &ControlCardView { qr: "HK1:X".into(), credential_id: "80ab".into(), issued_at: t0(), expires_at: t0() },
            json!({ "qr": "HK1:X", "credential_id": "80ab", "issued_at": "2021-09-01T08:00:00Z", "expires_at": "2021-09-01T08:00:00Z" }),
        );
        round_trip(
            &ManagedPeopleList {
                people: vec![ManagedPersonView {
                    person_id: "p".into(),
                    full_name: "Bà Năm".into(),
                    birth_year: 1950,
                    enrolled_at: t0(),
                    consent: None,
                    doses: vec![dose],
                    control_card_issued_at: None,
                }],
            },
            json!({ "people": [{ "person_id": "p", "full_name": "Bà Năm", "birth_year": 1950, "enrolled_at": "2021-09-01T08:00:00Z",
                "doses": [dose_json] }] }),
        );
    }
}
