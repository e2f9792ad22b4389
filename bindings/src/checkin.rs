//! The citizen's check-in diary over the FFI: records mirroring the core's entries and alerts (with their words
//! in the app's language), the async `CheckIns` object and the area's one error enum.

use std::time::SystemTime;

use healthbook_core::checkin as ci;
use healthbook_core::settings::Language as CoreLanguage;

use crate::settings::Language;

/// One visit in the diary.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DiaryEntry {
    /// Local id.
    pub entry_id: String,
    /// The profile that checked in.
    pub profile_id: String,
    /// The venue's id from its poster; none for a place typed by hand.
    pub venue_id: Option<String>,
    /// The venue's name, or the place typed by hand.
    pub venue_name: String,
    /// The kind of place in the language asked for ("Chợ", "Market"); empty for a manual entry or an older
    /// poster.
    pub venue_kind: String,
    /// The venue's ward code, when the poster says.
    pub ward_code: Option<String>,
    /// When the person arrived.
    pub checked_in_at: SystemTime,
    /// When the person left; none while still there.
    pub checked_out_at: Option<SystemTime>,
    /// True when the phone checked the person out after the venue's usual stay.
    pub auto_checked_out: bool,
    /// The venue's usual stay, in minutes.
    pub stay_minutes: u32,
    /// True for a place typed by hand (never matched against risky venues).
    pub manual: bool,
}

/// What the health officer advises after an exposure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExposureAdvice {
    /// Watch for symptoms for 14 days.
    MonitorSymptoms,
    /// Get tested.
    GetTested,
    /// Stay at home and call the health station.
    SelfIsolate,
}

impl From<ci::ExposureAdvice> for ExposureAdvice {
    fn from(a: ci::ExposureAdvice) -> Self {
        match a {
            ci::ExposureAdvice::MonitorSymptoms => Self::MonitorSymptoms,
            ci::ExposureAdvice::GetTested => Self::GetTested,
            ci::ExposureAdvice::SelfIsolate => Self::SelfIsolate,
        }
    }
}

impl From<ExposureAdvice> for ci::ExposureAdvice {
    fn from(a: ExposureAdvice) -> Self {
        match a {
            ExposureAdvice::MonitorSymptoms => Self::MonitorSymptoms,
            ExposureAdvice::GetTested => Self::GetTested,
            ExposureAdvice::SelfIsolate => Self::SelfIsolate,
        }
    }
}

/// A visit that overlapped a risky window, with its words.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExposureAlert {
    /// Local id.
    pub alert_id: String,
    /// The diary entry.
    pub entry_id: String,
    /// The profile that visited.
    pub profile_id: String,
    /// The venue's name.
    pub venue_name: String,
    /// When the person arrived.
    pub visited_at: SystemTime,
    /// When the person left (or the end of the usual stay).
    pub left_at: SystemTime,
    /// What to do.
    pub advice: ExposureAdvice,
    /// One line: what happened, in the language asked for.
    pub headline: String,
    /// What to do, in words.
    pub advice_text: String,
    /// When the phone found the match.
    pub found_at: SystemTime,
    /// True once read.
    pub seen: bool,
}

/// Why a scanned poster was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PosterRefusal {
    /// Not one of our QR codes, or damaged.
    Unreadable,
    /// Signed by a key the trust list does not name.
    UnknownKey,
    /// Altered or forged.
    Forged,
    /// Revoked (the poster or its issuer).
    Revoked,
    /// The issuer may not sign posters for this venue.
    OutOfScope,
    /// Expired.
    Expired,
    /// Not valid yet.
    NotYetValid,
    /// A genuine pass or card, not a poster.
    NotAPoster,
}

impl From<ci::PosterRefusal> for PosterRefusal {
    fn from(r: ci::PosterRefusal) -> Self {
        match r {
            ci::PosterRefusal::Unreadable => Self::Unreadable,
            ci::PosterRefusal::UnknownKey => Self::UnknownKey,
            ci::PosterRefusal::Forged => Self::Forged,
            ci::PosterRefusal::Revoked => Self::Revoked,
            ci::PosterRefusal::OutOfScope => Self::OutOfScope,
            ci::PosterRefusal::Expired => Self::Expired,
            ci::PosterRefusal::NotYetValid => Self::NotYetValid,
            ci::PosterRefusal::NotAPoster => Self::NotAPoster,
        }
    }
}

impl From<PosterRefusal> for ci::PosterRefusal {
    fn from(r: PosterRefusal) -> Self {
        match r {
            PosterRefusal::Unreadable => Self::Unreadable,
            PosterRefusal::UnknownKey => Self::UnknownKey,
            PosterRefusal::Forged => Self::Forged,
            PosterRefusal::Revoked => Self::Revoked,
            PosterRefusal::OutOfScope => Self::OutOfScope,
            PosterRefusal::Expired => Self::Expired,
            PosterRefusal::NotYetValid => Self::NotYetValid,
            PosterRefusal::NotAPoster => Self::NotAPoster,
        }
    }
}

/// Why a check-in operation failed; messages carry no venue, place or time.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CheckInError {
    /// The poster was refused; `words` say why in the app's language.
    #[error("{words}")]
    Refused {
        /// Why, as a code.
        reason: PosterRefusal,
        /// Why, in words for the person (the app's language).
        words: String,
    },
    /// A place typed by hand must have 1 to 200 characters.
    #[error("{words}")]
    InvalidPlace {
        /// In words for the person (the app's language).
        words: String,
    },
    /// The times are out of order, in the future, or older than 21 days.
    #[error("{words}")]
    InvalidTimes {
        /// In words for the person (the app's language).
        words: String,
    },
    /// No such entry or alert.
    #[error("no diary entry or alert {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// No such profile.
    #[error("no profile {id}")]
    ProfileNotFound {
        /// The id asked for.
        id: String,
    },
    /// No trust list to verify posters with.
    #[error("no trust list: {reason}")]
    NoTrustList {
        /// Details.
        reason: String,
    },
    /// No server configured.
    #[error("no server configured")]
    NoServer,
    /// The server can't be reached.
    #[error("server unreachable: {reason}")]
    Unreachable {
        /// Details.
        reason: String,
    },
    /// The server refused or failed.
    #[error("server error: {reason}")]
    Server {
        /// Details.
        reason: String,
    },
    /// Storage or the data key failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Details.
        reason: String,
    },
}

fn vi(language: CoreLanguage) -> bool {
    language == CoreLanguage::Vi
}

impl CheckInError {
    fn from_core(e: ci::CheckInError, language: CoreLanguage) -> Self {
        use ci::CheckInError as E;
        match e {
            E::Refused(r) => Self::Refused { reason: r.into(), words: ci::refusal_text(r, language).to_owned() },
            E::InvalidPlace => Self::InvalidPlace {
                words: if vi(language) { "Tên địa điểm phải có từ 1 đến 200 ký tự." } else { "The place must have 1 to 200 characters." }.into(),
            },
            E::InvalidTimes => Self::InvalidTimes {
                words: if vi(language) {
                    "Thời gian không hợp lệ: giờ đến phải trước giờ đi, không ở tương lai và trong vòng 21 ngày."
                } else {
                    "The times are not valid: arrival before departure, not in the future, within the last 21 days."
                }
                .into(),
            },
            E::NotFound(id) => Self::NotFound { id },
            E::Profile(healthbook_core::profiles::ProfileError::NotFound(id)) => Self::ProfileNotFound { id },
            E::Trust(t) => Self::NoTrustList { reason: t.to_string() },
            E::NoServer => Self::NoServer,
            E::Unreachable(reason) => Self::Unreachable { reason },
            e @ (E::Session(_) | E::Server(_) | E::BadAnswer) => Self::Server { reason: e.to_string() },
            e @ (E::Storage(_) | E::Corrupt(_) | E::Profile(_) | E::Sealing(_)) => Self::Storage { reason: e.to_string() },
        }
    }
}

fn entry(e: ci::DiaryEntry, language: CoreLanguage) -> DiaryEntry {
    DiaryEntry {
        entry_id: e.id,
        profile_id: e.profile_id,
        venue_id: e.venue_id,
        venue_name: e.venue_name,
        venue_kind: e.venue_kind.map(|k| ci::kind_name(k, language).to_owned()).unwrap_or_default(),
        ward_code: e.ward_code,
        checked_in_at: e.checked_in_at.into(),
        checked_out_at: e.checked_out_at.map(Into::into),
        auto_checked_out: e.auto_checked_out,
        stay_minutes: e.stay_minutes,
        manual: e.manual,
    }
}

fn alert(a: ci::ExposureAlert, language: CoreLanguage) -> ExposureAlert {
    let words = ci::alert_words(a.advice, &a.venue_name, language);
    ExposureAlert {
        alert_id: a.id,
        entry_id: a.entry_id,
        profile_id: a.profile_id,
        venue_name: a.venue_name,
        visited_at: a.visited_at.into(),
        left_at: a.left_at.into(),
        advice: a.advice.into(),
        headline: words.headline,
        advice_text: words.advice,
        found_at: a.found_at.into(),
        seen: a.seen,
    }
}

/// The words of a poster refusal in `language`.
#[uniffi::export]
pub fn explain_poster_refusal(reason: PosterRefusal, language: Language) -> String {
    ci::refusal_text(reason.into(), language.into()).to_owned()
}

/// What an exposure alert says.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AlertWords {
    /// One line: what happened.
    pub headline: String,
    /// What to do now.
    pub advice: String,
}

/// The headline and advice of an exposure alert at `venue_name` in `language`.
#[uniffi::export]
pub fn explain_exposure(advice: ExposureAdvice, venue_name: String, language: Language) -> AlertWords {
    let words = ci::alert_words(advice.into(), &venue_name, language.into());
    AlertWords { headline: words.headline, advice: words.advice }
}

/// The citizen's check-in diary and exposure check.
#[derive(uniffi::Object)]
pub struct CheckIns {
    pub(crate) inner: ci::CheckIns,
    pub(crate) settings: healthbook_core::settings::Settings,
}

impl CheckIns {
    async fn language(&self) -> CoreLanguage {
        self.settings.language().await.unwrap_or_default()
    }

    async fn fail(&self, e: ci::CheckInError) -> CheckInError {
        CheckInError::from_core(e, self.language().await)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl CheckIns {
    /// Verifies a scanned poster offline and checks `profile_id` in (a second scan within the stay returns the
    /// open visit).
    pub async fn check_in(&self, profile_id: String, qr_text: String) -> Result<DiaryEntry, CheckInError> {
        match self.inner.check_in(&profile_id, &qr_text).await {
            Ok(e) => Ok(entry(e, self.language().await)),
            Err(e) => Err(self.fail(e).await),
        }
    }

    /// Checks the visit `entry_id` out now.
    pub async fn check_out(&self, entry_id: String) -> Result<DiaryEntry, CheckInError> {
        match self.inner.check_out(&entry_id).await {
            Ok(e) => Ok(entry(e, self.language().await)),
            Err(e) => Err(self.fail(e).await),
        }
    }

    /// Adds a visit to a place without a poster (`from <= to <= now`; no `to`: still there).
    pub async fn add_manual(&self, profile_id: String, place: String, from: SystemTime, to: Option<SystemTime>) -> Result<DiaryEntry, CheckInError> {
        match self.inner.add_manual(&profile_id, &place, from.into(), to.map(Into::into)).await {
            Ok(e) => Ok(entry(e, self.language().await)),
            Err(e) => Err(self.fail(e).await),
        }
    }

    /// Removes a diary entry (and its alerts).
    pub async fn delete(&self, entry_id: String) -> Result<(), CheckInError> {
        match self.inner.delete(&entry_id).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e).await),
        }
    }

    /// Every diary entry, newest first, automatic check-outs applied.
    pub async fn diary(&self) -> Result<Vec<DiaryEntry>, CheckInError> {
        match self.inner.diary().await {
            Ok(entries) => {
                let language = self.language().await;
                Ok(entries.into_iter().map(|e| entry(e, language)).collect())
            }
            Err(e) => Err(self.fail(e).await),
        }
    }

    /// Deletes entries older than 21 days; how many went.
    pub async fn purge_expired(&self) -> Result<u32, CheckInError> {
        match self.inner.purge_expired().await {
            Ok(n) => Ok(u32::try_from(n).unwrap_or(u32::MAX)),
            Err(e) => Err(self.fail(e).await),
        }
    }

    /// Downloads the risky list when the server is reachable (offline, the kept list is used) and matches it
    /// against the diary; every alert, newest first.
    pub async fn check_exposure(&self) -> Result<Vec<ExposureAlert>, CheckInError> {
        match self.inner.refresh_risky().await {
            Ok(_) => {}
            Err(e) if e.is_transient() => {}
            Err(e) => return Err(self.fail(e).await),
        }
        if let Err(e) = self.inner.match_exposure().await {
            return Err(self.fail(e).await);
        }
        self.alerts().await
    }

    /// Every alert found so far, newest first.
    pub async fn alerts(&self) -> Result<Vec<ExposureAlert>, CheckInError> {
        match self.inner.alerts().await {
            Ok(alerts) => {
                let language = self.language().await;
                Ok(alerts.into_iter().map(|a| alert(a, language)).collect())
            }
            Err(e) => Err(self.fail(e).await),
        }
    }

    /// Marks an alert as read.
    pub async fn mark_seen(&self, alert_id: String) -> Result<(), CheckInError> {
        match self.inner.mark_seen(&alert_id).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e).await),
        }
    }
}
