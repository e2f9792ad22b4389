//! What the gate device keeps and shows: the bound gate, a scan's outcome, the queue; and the one mapping from
//! the verifier's verdict to the wire contract's `GateVerdict` and `PassageReason`.

use chrono::{DateTime, Utc};
use healthbook_protocol::{Direction, GateVerdict, PassageReason, ScannedCard};
use serde::{Deserialize, Serialize};

use crate::credentials::{CredentialKind, DecodedCredential, FailedStage, PassStatus, PayloadSummary, Verdict};

/// The gate this device is bound to, with the names shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundGate {
    /// Gate id.
    pub gate_id: String,
    /// Gate name.
    pub gate_name: String,
    /// The venue the gate belongs to (absent for a gate without a venue).
    pub venue_id: Option<String>,
    /// The venue's name (empty when the gate has no venue or it could not be read).
    pub venue_name: String,
    /// The agency that runs the gate.
    pub agency_id: String,
    /// The agency's name (its id when the name could not be read).
    pub agency_name: String,
    /// The server the passages go to.
    pub server_url: String,
    /// When the device was bound.
    pub bound_at: DateTime<Utc>,
}

/// The holder as the card states it, for the operator to compare with an id card (never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardHolder {
    /// Name as on the card.
    pub name: String,
    /// Birth year, when the card gives one.
    pub birth_year: Option<String>,
}

/// The outcome of one scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateScan {
    /// The recorded passage's id (the one the scan would have had when it was a repeat).
    pub passage_id: String,
    /// What the operator should do.
    pub verdict: GateVerdict,
    /// Why.
    pub reason: PassageReason,
    /// What kind of card it was, when it could be read that far.
    pub card: Option<ScannedCard>,
    /// What the card says it is (an EU DCC's type), for its label.
    pub kind: CredentialKind,
    /// The holder, for a genuine card only.
    pub holder: Option<CardHolder>,
    /// In or out.
    pub direction: Direction,
    /// When it was scanned.
    pub scanned_at: DateTime<Utc>,
    /// False when the same card was scanned the same way within the repeat window: nothing was stored.
    pub recorded: bool,
    /// True when the trust or revocation list is past its maximum age (a revocation may be missing).
    pub trust_list_stale: bool,
}

/// The upload queue and the last sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateStatus {
    /// The bound gate, if any.
    pub gate: Option<BoundGate>,
    /// Passages waiting for upload.
    pub pending: usize,
    /// Passages uploaded and kept until purged.
    pub uploaded: usize,
    /// When a sync last finished without error.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// The last sync's error, in words without personal data; cleared by a sync that succeeds.
    pub last_error: Option<String>,
    /// When a background sync should try again after failures.
    pub next_sync_at: Option<DateTime<Utc>>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Batches the server acknowledged.
    pub batches: usize,
    /// Passages marked uploaded.
    pub uploaded: usize,
    /// Passages the server stored now.
    pub stored: u64,
    /// Passages the server had stored before (resent after an interrupted sync).
    pub already_stored: u64,
    /// Passages still waiting.
    pub pending: usize,
}

/// The verifier's verdict in the gate's terms: what to do, why, which card, and the credential id to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What the operator should do.
    pub verdict: GateVerdict,
    /// Why.
    pub reason: PassageReason,
    /// The kind of card, when the prefix was read.
    pub card: Option<ScannedCard>,
    /// What the credential says it is.
    pub kind: CredentialKind,
    /// `cti` hex for our cards, SHA-256 hex of the UVCI for an EU DCC; at most 64 characters.
    pub credential_id: Option<String>,
    /// The holder, shown only for a genuine card.
    pub holder: Option<CardHolder>,
}

/// The reason a refused verdict gives for the first stage that failed.
pub fn reason_of_stage(stage: FailedStage) -> PassageReason {
    match stage {
        FailedStage::Prefix | FailedStage::Base45 | FailedStage::Decompress | FailedStage::Cbor | FailedStage::Cose => {
            PassageReason::Unreadable
        }
        // Signed by a trusted key but not one of our payloads: damaged or from a newer issuer we cannot read.
        FailedStage::PayloadSchema => PassageReason::Unreadable,
        FailedStage::UnknownKey => PassageReason::UnknownIssuer,
        FailedStage::KeyIdMismatch | FailedStage::Signature => PassageReason::Forged,
        FailedStage::Revoked => PassageReason::Revoked,
        FailedStage::Expired => PassageReason::Expired,
        FailedStage::NotYetValid => PassageReason::NotYetValid,
        FailedStage::WrongRole | FailedStage::OutOfScope => PassageReason::OutOfScope,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The id a passage records: never the name; an EU DCC's UVCI only hashed, since it is printed on the
/// certificate and could be looked up.
pub fn credential_id_of(decoded: &DecodedCredential) -> Option<String> {
    match &decoded.payload {
        Some(PayloadSummary::EuDcc(dcc)) => dcc.entries.first().map(|entry| {
            hex(ring::digest::digest(&ring::digest::SHA256, entry.uvci().as_bytes()).as_ref())
        }),
        _ => decoded.claims.cti.as_deref().map(hex).filter(|id| !id.is_empty() && id.len() <= 64),
    }
}

fn birth_year(date: Option<&str>) -> Option<String> {
    date.and_then(|d| d.get(..4)).filter(|y| y.chars().all(|c| c.is_ascii_digit())).map(str::to_owned)
}

/// Maps a verdict (and the decoded credential it came from, when decoding got that far) to the gate's
/// decision. A genuine pass decides by its colour; staff and control cards and EU DCCs are admitted with the
/// holder shown for comparison; a genuine poster is the wrong kind of card; a refused card says which stage
/// refused it.
pub fn decide(verdict: &Verdict, decoded: Option<&DecodedCredential>) -> Decision {
    // The container type is the contract's card kind.
    let card = verdict.credential_type;
    let credential_id = decoded.and_then(credential_id_of);
    if !verdict.valid {
        let reason = verdict.stage.map_or(PassageReason::Unreadable, reason_of_stage);
        return Decision { verdict: GateVerdict::Refuse, reason, card, kind: verdict.kind, credential_id, holder: None };
    }
    let holder = verdict
        .holder
        .as_ref()
        .map(|h| CardHolder { name: h.name.clone(), birth_year: birth_year(h.birth_date.as_deref()) });
    let (gate_verdict, reason) = match &verdict.payload {
        Some(PayloadSummary::PersonalPass(pass)) => match pass.status {
            PassStatus::Green => (GateVerdict::Admit, PassageReason::Valid),
            PassStatus::Yellow => (GateVerdict::Check, PassageReason::StatusYellow),
            PassStatus::Red => (GateVerdict::Refuse, PassageReason::StatusRed),
        },
        Some(PayloadSummary::StaffCard(_) | PayloadSummary::ControlCard(_) | PayloadSummary::EuDcc(_)) => {
            (GateVerdict::Admit, PassageReason::Valid)
        }
        Some(PayloadSummary::VenuePoster(_)) => (GateVerdict::Refuse, PassageReason::WrongKind),
        // A valid verdict always carries its payload; without one there is nothing to admit on.
        None => (GateVerdict::Refuse, PassageReason::Unreadable),
    };
    let holder = if gate_verdict == GateVerdict::Refuse && reason == PassageReason::WrongKind { None } else { holder };
    Decision { verdict: gate_verdict, reason, card, kind: verdict.kind, credential_id, holder }
}
