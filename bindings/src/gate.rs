//! The gate device over the FFI: a thin `Gate` object over the core's, records mirroring its scan, binding and
//! queue (with the words to show already in the app's language), and the area's one error enum.

use std::time::SystemTime;

use healthbook_core::gate as core;
use healthbook_core::settings::Settings;

use crate::settings::Language;

/// Which way a person passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum GateDirection {
    /// Entering.
    In,
    /// Leaving.
    Out,
}

/// What the operator should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum GateVerdict {
    /// Let the person pass.
    Admit,
    /// Genuine, but look closer (a yellow pass).
    Check,
    /// Do not let the person pass on this card.
    Refuse,
}

/// Why the verdict is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PassageReason {
    /// Nothing against the card.
    Valid,
    /// A yellow pass.
    StatusYellow,
    /// A red pass.
    StatusRed,
    /// Not a card we read, or damaged.
    Unreadable,
    /// Signed by a key the trust list does not name.
    UnknownIssuer,
    /// Altered or forged.
    Forged,
    /// Revoked.
    Revoked,
    /// Expired.
    Expired,
    /// Not valid yet.
    NotYetValid,
    /// Issued outside the issuer's scope.
    OutOfScope,
    /// A venue poster, not a person's card.
    WrongKind,
}

/// What kind of card was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScannedCard {
    /// A personal pass.
    PersonalPass,
    /// A staff card.
    StaffCard,
    /// A printed control card.
    ControlCard,
    /// An EU DCC.
    EuDcc,
    /// A venue poster.
    VenuePoster,
}

macro_rules! mirror {
    ($from:ty => $to:ident { $($v:ident),* }) => {
        impl From<$from> for $to {
            fn from(v: $from) -> Self {
                match v { $(<$from>::$v => Self::$v),* }
            }
        }
        impl From<$to> for $from {
            fn from(v: $to) -> Self {
                match v { $($to::$v => Self::$v),* }
            }
        }
    };
}

mirror!(core::Direction => GateDirection { In, Out });
mirror!(core::GateVerdict => GateVerdict { Admit, Check, Refuse });
mirror!(core::PassageReason => PassageReason {
    Valid, StatusYellow, StatusRed, Unreadable, UnknownIssuer, Forged, Revoked, Expired, NotYetValid, OutOfScope, WrongKind
});
mirror!(core::ScannedCard => ScannedCard { PersonalPass, StaffCard, ControlCard, EuDcc, VenuePoster });

/// The gate this device is bound to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BoundGate {
    /// Gate id.
    pub gate_id: String,
    /// Gate name.
    pub gate_name: String,
    /// The venue's id, if the gate has a venue.
    pub venue_id: Option<String>,
    /// The venue's name (empty when unknown).
    pub venue_name: String,
    /// The agency's id.
    pub agency_id: String,
    /// The agency's name.
    pub agency_name: String,
}

impl From<core::BoundGate> for BoundGate {
    fn from(g: core::BoundGate) -> Self {
        Self {
            gate_id: g.gate_id,
            gate_name: g.gate_name,
            venue_id: g.venue_id,
            venue_name: g.venue_name,
            agency_id: g.agency_id,
            agency_name: g.agency_name,
        }
    }
}

/// The outcome of one scan, with its words in the app's language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GateScan {
    /// The passage's id.
    pub passage_id: String,
    /// What to do.
    pub verdict: GateVerdict,
    /// Why.
    pub reason: PassageReason,
    /// The kind of card, when it could be read that far.
    pub card: Option<ScannedCard>,
    /// Large, simple words for the verdict.
    pub headline: String,
    /// Why, in plain words (empty for an ordinary admit).
    pub reason_text: String,
    /// The card's label ("Personal pass", "EU DCC vaccination", ...).
    pub card_label: String,
    /// The holder's name as the card states it (a genuine card only).
    pub holder_name: Option<String>,
    /// The holder's birth year as the card states it.
    pub birth_year: Option<String>,
    /// In or out.
    pub direction: GateDirection,
    /// When it was scanned.
    pub scanned_at: SystemTime,
    /// False when the same card was scanned the same way within the repeat window (not recorded twice).
    pub recorded: bool,
    /// True when the trust list is past its maximum age.
    pub trust_list_stale: bool,
}

/// The upload queue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GateQueue {
    /// Passages waiting for upload.
    pub pending: u32,
    /// Passages uploaded and kept until purged.
    pub uploaded: u32,
    /// When a sync last succeeded.
    pub last_sync_at: Option<SystemTime>,
    /// The last sync's error (no personal data).
    pub last_error: Option<String>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<core::GateStatus> for GateQueue {
    fn from(s: core::GateStatus) -> Self {
        Self {
            pending: count(s.pending),
            uploaded: count(s.uploaded),
            last_sync_at: s.last_sync_at.map(Into::into),
            last_error: s.last_error,
        }
    }
}

/// Why a gate action failed; messages carry no personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum GateError {
    /// The device is bound to no gate.
    #[error("this device is not bound to a gate")]
    NotBound,
    /// Passages wait for upload: sync before binding another gate or unbinding.
    #[error("{count} passages wait for upload")]
    PassagesWaiting {
        /// How many.
        count: u32,
    },
    /// Wrong username or password.
    #[error("wrong username or password")]
    SignInFailed,
    /// The staff sign-in expired: sign in again (bind the same gate).
    #[error("the sign-in has expired; sign in again")]
    SignInAgain,
    /// The account may not use this gate (another agency's).
    #[error("this account may not use this gate")]
    Forbidden,
    /// No such gate.
    #[error("no such gate")]
    NotFound,
    /// No server configured.
    #[error("no server configured")]
    NoServer,
    /// The server can't be reached; passages stay queued.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// The server refused or answered something unexpected.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
    /// A repeat window outside 0 seconds to 24 hours.
    #[error("the repeat window must be between 0 seconds and 24 hours")]
    InvalidRepeatWindow,
    /// Storage or the data key failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

impl From<core::GateError> for GateError {
    fn from(e: core::GateError) -> Self {
        use core::GateError as E;
        match e {
            E::NotBound => Self::NotBound,
            E::PassagesWaiting(n) => Self::PassagesWaiting { count: count(n) },
            E::SignInFailed => Self::SignInFailed,
            E::NotSignedIn | E::SignInAgain => Self::SignInAgain,
            E::Refused { status: 403, .. } => Self::Forbidden,
            E::Refused { status: 404, .. } => Self::NotFound,
            E::NoServer => Self::NoServer,
            E::Unreachable(reason) => Self::Unreachable { reason },
            E::InvalidRepeatWindow => Self::InvalidRepeatWindow,
            e @ (E::Refused { .. } | E::Request(_) | E::BadAnswer) => Self::Server { reason: e.to_string() },
            e @ (E::Corrupt(_) | E::Trust(_) | E::Sealing(_) | E::Storage(_)) => Self::Storage { reason: e.to_string() },
        }
    }
}

/// The gate device of this installation.
#[derive(uniffi::Object)]
pub struct Gate {
    pub(crate) gate: core::Gate,
    pub(crate) settings: Settings,
}

impl Gate {
    async fn language(&self) -> healthbook_core::settings::Language {
        self.settings.language().await.unwrap_or(healthbook_core::settings::Language::Vi)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Gate {
    /// The gate this device is bound to, if any.
    pub async fn bound_gate(&self) -> Result<Option<BoundGate>, GateError> {
        Ok(self.gate.bound_gate().await?.map(Into::into))
    }

    /// Signs the operator in to the configured server and binds this device to `gate_id`.
    pub async fn bind(&self, gate_id: String, username: String, password: String) -> Result<BoundGate, GateError> {
        Ok(self.gate.sign_in_and_bind(&username, &password, &gate_id).await?.into())
    }

    /// Unbinds the device (refused while passages wait for upload).
    pub async fn unbind(&self) -> Result<(), GateError> {
        Ok(self.gate.unbind().await?)
    }

    /// Verifies `qr_text` offline and records the passage; a bad card is a `Refuse` scan, not an error.
    pub async fn scan(&self, qr_text: String, direction: GateDirection) -> Result<GateScan, GateError> {
        let scan = self.gate.scan(&qr_text, direction.into()).await?;
        let language = self.language().await;
        Ok(GateScan {
            passage_id: scan.passage_id,
            verdict: scan.verdict.into(),
            reason: scan.reason.into(),
            card: scan.card.map(Into::into),
            headline: core::explain::headline(scan.verdict, language).to_owned(),
            reason_text: core::explain::reason(scan.reason, language).to_owned(),
            card_label: core::explain::card_label(scan.card, scan.kind, language).to_owned(),
            holder_name: scan.holder.as_ref().map(|h| h.name.clone()),
            birth_year: scan.holder.and_then(|h| h.birth_year),
            direction: scan.direction.into(),
            scanned_at: scan.scanned_at.into(),
            recorded: scan.recorded,
            trust_list_stale: scan.trust_list_stale,
        })
    }

    /// The upload queue.
    pub async fn queue(&self) -> Result<GateQueue, GateError> {
        Ok(self.gate.status().await?.into())
    }

    /// Uploads the waiting passages in batches; the queue afterwards. A failure is returned after it was noted
    /// in the queue's `last_error`.
    pub async fn sync(&self) -> Result<GateQueue, GateError> {
        self.gate.sync().await?;
        Ok(self.gate.status().await?.into())
    }

    /// The repeat window in seconds.
    pub async fn repeat_window_secs(&self) -> Result<u32, GateError> {
        Ok(u32::try_from(self.gate.repeat_window().await?.num_seconds()).unwrap_or(0))
    }

    /// Sets the repeat window (0 seconds to 24 hours; 0 records every scan).
    pub async fn set_repeat_window_secs(&self, secs: u32) -> Result<(), GateError> {
        Ok(self.gate.set_repeat_window(chrono::Duration::seconds(i64::from(secs))).await?)
    }
}

/// The words for a verdict in `language` ("Mời vào", "Admit", ...).
#[uniffi::export]
pub fn gate_headline(verdict: GateVerdict, language: Language) -> String {
    core::explain::headline(verdict.into(), language.into()).to_owned()
}

/// The words for a reason in `language` (empty for `Valid`).
#[uniffi::export]
pub fn gate_reason_text(reason: PassageReason, language: Language) -> String {
    core::explain::reason(reason.into(), language.into()).to_owned()
}
