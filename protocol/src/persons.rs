//! Persons and bindings: a phone binds its profiles to person records (by SMS code or by an officer's
//! attestation); staff enrol persons and read their records, bindings and audit trail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kind of id a person was enrolled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 12-digit citizen identity card.
    Cccd,
    /// Legacy 9-digit identity card.
    Cmnd,
    /// An id an officer assigned (`OA-` + province + random), for people without a card.
    OfficerAssigned,
    /// No id: a child or a person recorded under a guardian.
    None,
}

impl IdKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Cccd, Self::Cmnd, Self::OfficerAssigned, Self::None];

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cccd => "cccd",
            Self::Cmnd => "cmnd",
            Self::OfficerAssigned => "officer_assigned",
            Self::None => "none",
        }
    }

    /// Parses a wire or stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// How the server established a person record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// An officer or volunteer saw the person's id card.
    Attested,
    /// The person declared it, proven only by a code sent to the phone on record.
    SelfDeclared,
}

impl Verification {
    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attested => "attested",
            Self::SelfDeclared => "self_declared",
        }
    }

    /// Parses a wire or stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Attested, Self::SelfDeclared].into_iter().find(|v| v.as_str() == text)
    }
}

/// How a profile was bound to its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BindingMethod {
    /// A one-time code sent by SMS to the phone number on record.
    Sms,
    /// An officer or volunteer checked the id card in person.
    Attestation,
}

impl BindingMethod {
    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Attestation => "attestation",
        }
    }

    /// Parses a wire or stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Sms, Self::Attestation].into_iter().find(|m| m.as_str() == text)
    }
}

/// A phone asks for an SMS code to bind one of its profiles to the person with this citizen id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsBindingRequest {
    /// The phone's id of the profile.
    pub profile_ref: String,
    /// CCCD (12 digits) or CMND (9 digits).
    pub citizen_id: String,
    /// Full name; must match the record when the person is known.
    pub full_name: String,
    /// Birth year; must match the record when the person is known.
    pub birth_year: i64,
    /// Phone for a person the server does not know yet (ignored otherwise: the code goes to the phone on record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Province of a new person (taken from the CCCD when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// Ward of a new person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_code: Option<String>,
}

/// An SMS code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsChallengeView {
    /// Id to verify the code against.
    pub challenge_id: String,
    /// The phone on record, masked (`+84 9** *** *21`).
    pub sent_to: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// The code the person received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyCodeRequest {
    /// Six digits.
    pub code: String,
}

/// A phone asks for a code to show an officer or volunteer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestationCodeRequest {
    /// The phone's id of the profile.
    pub profile_ref: String,
}

/// A code to show an officer (and a QR of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestationCodeView {
    /// Id of the challenge.
    pub challenge_id: String,
    /// 8 characters, Crockford base32.
    pub code: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// The person a profile is bound to, as the phone sees it: no id number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoundPerson {
    /// Person id.
    pub person_id: String,
    /// Full name on record (NFC).
    pub full_name: String,
    /// Birth year on record.
    pub birth_year: u16,
    /// Province code of the record.
    #[serde(default)]
    pub province_code: Option<String>,
    /// How the record was established.
    pub verification: Verification,
}

/// Another phone bound to the same person, shown so the person can see (and remove) it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtherDevice {
    /// The first characters of its device id (enough to tell devices apart and to remove it with `remove-other`).
    pub device: String,
    /// The profile on that device, when the server names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_ref: Option<String>,
    /// How it was bound.
    pub method: BindingMethod,
    /// When it was bound.
    pub created_at: DateTime<Utc>,
}

/// A profile of this phone and the person it is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingView {
    /// The phone's id of the profile.
    pub profile_ref: String,
    /// The person.
    pub person: BoundPerson,
    /// How it was bound.
    pub method: BindingMethod,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Other phones bound to the same person (in `GET /v1/bindings` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_devices: Option<Vec<OtherDevice>>,
}

/// A binding was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingCreated {
    /// The binding.
    pub binding: BindingView,
}

/// This phone's bindings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneBindingList {
    /// By profile.
    pub bindings: Vec<BindingView>,
}

/// A phone bound to person P removes another phone's binding to P.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoveOtherRequest {
    /// The calling phone's profile bound to the person.
    pub profile_ref: String,
    /// The other phone's device id, or the prefix `GET /v1/bindings` shows.
    pub device_id: String,
}

/// How many bindings were removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removed {
    /// Count.
    pub removed: u64,
}

/// An officer or volunteer enrols a person after seeing their id card (or a guardian's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolPersonRequest {
    /// The id number, for `cccd` and `cmnd` (and an existing `officer_assigned` id); absent for `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// Kind of id.
    pub id_kind: IdKind,
    /// Full name.
    pub full_name: String,
    /// `YYYY` or `YYYY-MM-DD`.
    pub birth: String,
    /// Phone, any Vietnamese form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Province code.
    pub province_code: String,
    /// Ward code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_code: Option<String>,
    /// The guardian, required for `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian_person_id: Option<String>,
    /// Where the card was checked.
    pub place: String,
}

/// A person as staff see it: the id's kind and last 3 characters, never the whole id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonView {
    /// Person id.
    pub person_id: String,
    /// Kind of id.
    pub id_kind: IdKind,
    /// Last 3 characters of the id.
    #[serde(default)]
    pub id_last3: Option<String>,
    /// Full name.
    pub full_name: String,
    /// Birth year.
    pub birth_year: u16,
    /// Birth date, when known.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// Phone, E.164.
    #[serde(default)]
    pub phone: Option<String>,
    /// Province.
    pub province_code: String,
    /// Ward.
    #[serde(default)]
    pub ward_code: Option<String>,
    /// Guardian.
    #[serde(default)]
    pub guardian_person_id: Option<String>,
    /// How the record was established.
    pub verification: Verification,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

/// An officer or volunteer binds the profile showing `challenge_code` to a person whose card they checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestBindingRequest {
    /// The code the phone shows.
    pub challenge_code: String,
    /// The person.
    pub person_id: String,
    /// Where.
    pub place: String,
}

/// A binding as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffBindingView {
    /// The phone.
    pub device_id: String,
    /// Its profile.
    pub profile_ref: String,
    /// The person.
    pub person_id: String,
    /// How it was bound.
    pub method: BindingMethod,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The attesting account.
    #[serde(default)]
    pub attested_by: Option<String>,
}

/// A person's bindings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffBindingList {
    /// Oldest first.
    pub bindings: Vec<StaffBindingView>,
}

/// The clear citizen id (read logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenIdView {
    /// The id.
    pub citizen_id: String,
}

/// One identity audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor_account_id: String,
    /// Their role.
    pub actor_role: String,
    /// What: `person_created`, `attested`, `sms_code_sent`, `sms_failed`, `identity_mismatch`,
    /// `challenge_burned`, `binding_locked`, `bound`, `unbound`, `citizen_id_read`; for volunteers' acts
    /// `consent_recorded`, `dose_recorded`, `dose_confirmed`, `control_card_issued`, `declared_on_behalf`.
    pub action: String,
    /// Where (attestations).
    #[serde(default)]
    pub place: Option<String>,
    /// More.
    #[serde(default)]
    pub detail: Option<String>,
}

/// A person's identity audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditList {
    /// Oldest first.
    pub entries: Vec<AuditEntry>,
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
    fn person_enum_strings() {
        enum_strings(
            &[(IdKind::Cccd, "cccd"), (IdKind::Cmnd, "cmnd"), (IdKind::OfficerAssigned, "officer_assigned"), (IdKind::None, "none")],
            "passport",
        );
        for kind in IdKind::ALL {
            assert_eq!(IdKind::parse(kind.as_str()), Some(kind));
        }
        enum_strings(&[(Verification::Attested, "attested"), (Verification::SelfDeclared, "self_declared")], "verified");
        assert_eq!(Verification::parse("self_declared"), Some(Verification::SelfDeclared));
        enum_strings(&[(BindingMethod::Sms, "sms"), (BindingMethod::Attestation, "attestation")], "email");
        assert_eq!(BindingMethod::parse("sms"), Some(BindingMethod::Sms));
    }

    #[test]
    fn phone_binding_bodies_round_trip() {
        round_trip(
            &SmsBindingRequest {
                profile_ref: "p".into(),
                citizen_id: "001190012345".into(),
                full_name: "A".into(),
                birth_year: 1990,
                phone: None,
                province_code: None,
                ward_code: None,
            },
            json!({ "profile_ref": "p", "citizen_id": "001190012345", "full_name": "A", "birth_year": 1990 }),
        );
        round_trip(
            &SmsChallengeView { challenge_id: "c".into(), sent_to: "+84 9** *** *21".into(), expires_at: t0() },
            json!({ "challenge_id": "c", "sent_to": "+84 9** *** *21", "expires_at": "2021-09-01T08:00:00Z" }),
        );
        round_trip(&VerifyCodeRequest { code: "123456".into() }, json!({ "code": "123456" }));
        round_trip(&AttestationCodeRequest { profile_ref: "p".into() }, json!({ "profile_ref": "p" }));
        round_trip(
            &AttestationCodeView { challenge_id: "c".into(), code: "7K3M9QPX".into(), expires_at: t0() },
            json!({ "challenge_id": "c", "code": "7K3M9QPX", "expires_at": "2021-09-01T08:00:00Z" }),
        );
        let binding = BindingView {
            profile_ref: "p".into(),
            person: BoundPerson {
                person_id: "person-1".into(),
                full_name: "A".into(),
                birth_year: 1990,
                province_code: Some("01".into()),
                verification: Verification::SelfDeclared,
            },
            method: BindingMethod::Sms,
            created_at: t0(),
            other_devices: Some(vec![OtherDevice { device: "3f9a2c".into(), profile_ref: None, method: BindingMethod::Attestation, created_at: t0() }]),
        };
        let binding_json = json!({ "profile_ref": "p", "person": { "person_id": "person-1", "full_name": "A", "birth_year": 1990,
            "province_code": "01", "verification": "self_declared" }, "method": "sms", "created_at": "2021-09-01T08:00:00Z",
            "other_devices": [{ "device": "3f9a2c", "method": "attestation", "created_at": "2021-09-01T08:00:00Z" }] });
        round_trip(&BindingCreated { binding: binding.clone() }, json!({ "binding": binding_json }));
        round_trip(&PhoneBindingList { bindings: vec![binding] }, json!({ "bindings": [binding_json] }));
        round_trip(&RemoveOtherRequest { profile_ref: "p".into(), device_id: "3f".into() }, json!({ "profile_ref": "p", "device_id": "3f" }));
        round_trip(&Removed { removed: 1 }, json!({ "removed": 1 }));
    }

    #[test]
    fn staff_person_bodies_round_trip() {
        round_trip(
            &EnrolPersonRequest {
                citizen_id: None,
                id_kind: IdKind::None,
                full_name: "Bé".into(),
                birth: "2020".into(),
                phone: None,
                province_code: "79".into(),
                ward_code: None,
                guardian_person_id: Some("g".into()),
                place: "ward office".into(),
            },
            json!({ "id_kind": "none", "full_name": "Bé", "birth": "2020", "province_code": "79", "guardian_person_id": "g", "place": "ward office" }),
        );
        round_trip(
            &PersonView {
                person_id: "p".into(),
                id_kind: IdKind::Cccd,
                id_last3: Some("345".into()),
                full_name: "A".into(),
                birth_year: 1990,
                birth_date: None,
                phone: None,
                province_code: "01".into(),
                ward_code: None,
                guardian_person_id: None,
                verification: Verification::Attested,
                created_at: t0(),
            },
            json!({ "person_id": "p", "id_kind": "cccd", "id_last3": "345", "full_name": "A", "birth_year": 1990, "birth_date": null,
                "phone": null, "province_code": "01", "ward_code": null, "guardian_person_id": null, "verification": "attested",
                "created_at": "2021-09-01T08:00:00Z" }),
        );
        round_trip(
            &AttestBindingRequest { challenge_code: "7K3M9QPX".into(), person_id: "p".into(), place: "x".into() },
            json!({ "challenge_code": "7K3M9QPX", "person_id": "p", "place": "x" }),
        );
        round_trip(
            &StaffBindingList {
                bindings: vec![StaffBindingView {
                    device_id: "d".into(),
                    profile_ref: "p".into(),
                    person_id: "person".into(),
                    method: BindingMethod::Attestation,
                    created_at: t0(),
                    attested_by: Some("officer".into()),
                }],
            },
            json!({ "bindings": [{ "device_id": "d", "profile_ref": "p", "person_id": "person", "method": "attestation",
                "created_at": "2021-09-01T08:00:00Z", "attested_by": "officer" }] }),
        );
        round_trip(&CitizenIdView { citizen_id: "001190012345".into() }, json!({ "citizen_id": "001190012345" }));
        round_trip(
            &AuditList {
                entries: vec![AuditEntry {
                    at: t0(),
                    actor_account_id: "a".into(),
                    actor_role: "volunteer".into(),
                    action: "attested".into(),
                    place: Some("x".into()),
                    detail: None,
                }],
            },
            json!({ "entries": [{ "at": "2021-09-01T08:00:00Z", "actor_account_id": "a", "actor_role": "volunteer", "action": "attested",
                "place": "x", "detail": null }] }),
        );
    }
}
