//! The pass as the phone keeps it, built from a verified credential's signed claims only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::PassRefusal;
use crate::credentials::{CredentialId, PayloadSummary, Verdict};

/// A pass as the phone keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPass {
    /// The profile it is for.
    pub profile_id: String,
    /// The QR text (`HB1:...`).
    pub qr: String,
    /// Its credential id.
    pub credential_id: String,
    /// `green`, `yellow` or `red`.
    pub status: String,
    /// Reason codes.
    pub reasons: Vec<String>,
    /// Issue time.
    pub issued_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

impl StoredPass {
    /// Whether it should be replaced: past half its life (or expired).
    pub fn needs_refresh(&self, now: DateTime<Utc>) -> bool {
        now >= self.issued_at + (self.expires_at - self.issued_at) / 2
    }

    /// Whether it has expired.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now > self.expires_at
    }
}

/// The pass to keep for `profile_id`, built from a verified credential's signed claims; refused when it is not a
/// personal pass, was not issued for this request (`expected` is the id derived from the profile and the
/// request's nonce: the pass names no profile, so that venues can't link passes, and its `cti` is what ties it
/// to the profile asked for), or lacks a claim the phone shows.
pub(crate) fn pass_from_verdict(profile_id: &str, expected: &CredentialId, qr: String, verdict: &Verdict) -> Result<StoredPass, PassRefusal> {
    let Some(PayloadSummary::PersonalPass(pass)) = &verdict.payload else {
        return Err(PassRefusal::NotAPersonalPass);
    };
    let credential_id = verdict.credential_id.clone().ok_or(PassRefusal::MissingClaim("cti"))?;
    if credential_id != expected.text {
        return Err(PassRefusal::OtherRequest);
    }
    Ok(StoredPass {
        profile_id: profile_id.to_owned(),
        qr,
        credential_id,
        status: pass.status.as_str().to_owned(),
        reasons: pass.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
        issued_at: verdict.issued_at.ok_or(PassRefusal::MissingClaim("iat"))?,
        expires_at: verdict.expires_at.ok_or(PassRefusal::MissingClaim("exp"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{CredentialKind, PassStatus, PersonalPass, StatusReason};
    use chrono::TimeZone;

    fn verdict(payload: Option<PayloadSummary>, id: &CredentialId) -> Verdict {
        let issued = Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap();
        Verdict {
            kind: CredentialKind::PersonalPass,
            valid: true,
            stage: None,
            error: None,
            credential_type: None,
            issuer: Some("VN-HB".into()),
            signer: None,
            key_id: None,
            credential_id: Some(id.text.clone()),
            issued_at: Some(issued),
            expires_at: Some(issued + chrono::Duration::hours(24)),
            holder: None,
            payload,
            trust_list_stale: false,
        }
    }

    fn pass() -> PayloadSummary {
        PayloadSummary::PersonalPass(PersonalPass {
            name: "Hà Văn Sơn".into(),
            birth_year: None,
            status: PassStatus::Red,
            reasons: vec![StatusReason::Quarantine, StatusReason::RecentTest],
            province: None,
        })
    }

    #[test]
    fn a_kept_pass_takes_everything_from_the_verified_claims() {
        let asked = CredentialId::for_request("p1", "n1");
        let v = verdict(Some(pass()), &asked);
        let kept = pass_from_verdict("p1", &asked, "HB1:X".into(), &v).unwrap();
        assert_eq!((kept.status.as_str(), kept.reasons.as_slice()), ("red", ["quarantine".to_owned(), "recent_test".to_owned()].as_slice()));
        assert_eq!((Some(kept.issued_at), Some(kept.expires_at)), (v.issued_at, v.expires_at));
        assert_eq!(kept.credential_id, asked.text);
    }

    #[test]
    fn a_pass_for_another_profile_or_request_or_of_another_kind_is_refused() {
        let asked = CredentialId::for_request("p1", "n1");
        // A genuine pass issued for another profile (the request rewritten on the way), or for another request.
        for other in [CredentialId::for_request("p2", "n1"), CredentialId::for_request("p1", "n2")] {
            let refused = pass_from_verdict("p1", &asked, "HB1:X".into(), &verdict(Some(pass()), &other));
            assert_eq!(refused, Err(PassRefusal::OtherRequest));
        }
        assert_eq!(pass_from_verdict("p1", &asked, "HB1:X".into(), &verdict(None, &asked)), Err(PassRefusal::NotAPersonalPass));
        let mut no_exp = verdict(Some(pass()), &asked);
        no_exp.expires_at = None;
        assert_eq!(pass_from_verdict("p1", &asked, "HB1:X".into(), &no_exp), Err(PassRefusal::MissingClaim("exp")));
        let mut no_cti = verdict(Some(pass()), &asked);
        no_cti.credential_id = None;
        assert_eq!(pass_from_verdict("p1", &asked, "HB1:X".into(), &no_cti), Err(PassRefusal::MissingClaim("cti")));
    }
}
