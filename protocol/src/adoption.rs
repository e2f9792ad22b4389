//! Adoption per agency (issue 14): how many of an agency's imported staff have joined the app, by department,
//! and who has not yet (to follow up); and the same figures per agency for the province.
//!
//! Endpoints:
//! - `GET /v1/agencies/{agency_id}/adoption` (that agency's admin; the authority admin): [`AgencyAdoption`].
//!   Another agency's admin gets 404 (the agency's existence is not theirs to learn), other roles 403.
//! - `GET /v1/adoption/agencies` (authority admin): [`AdoptionRollup`], numbers only.
//!
//! What each figure counts, for the roster entries of one department (or agency):
//! - `roster`: the entries the agency imported.
//! - `joined`: entries whose citizen id (compared as the persons' keyed hash, never in clear) belongs to a person
//!   bound to a profile on at least one device. An entry without a citizen id can't be matched and never joins.
//! - `fresh_pass`: joined entries whose person holds a fresh pass: one issued at or before the answer's `as_of`
//!   and not yet expired, i.e. a status snapshot still valid at a checkpoint (a pass is valid 24 hours and the
//!   phone renews it at half-life, so a phone in daily use always holds one). The pass's status is never read.
//! - `valid_card`: entries with at least one staff card registered by the agency that is issued (not in the
//!   future), not revoked and not expired at `as_of`.
//!
//! Joined people are never listed, and nothing about a person's pass or card comes back: only counts. Those not
//! joined are listed with what the agency imported itself (staff number, name, department).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The four adoption figures of a set of roster entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdoptionCounts {
    /// Roster entries.
    pub roster: u32,
    /// Entries whose person is bound to a profile on at least one device.
    pub joined: u32,
    /// Joined entries whose person holds a pass still valid now.
    pub fresh_pass: u32,
    /// Entries with a staff card issued, not revoked and not expired now.
    pub valid_card: u32,
}

impl AdoptionCounts {
    /// Adds another set's figures to these.
    pub fn add(&mut self, other: &AdoptionCounts) {
        self.roster += other.roster;
        self.joined += other.joined;
        self.fresh_pass += other.fresh_pass;
        self.valid_card += other.valid_card;
    }
}

/// One department's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentAdoption {
    /// The department as imported (empty for entries imported without one).
    pub department: String,
    /// Its figures.
    pub counts: AdoptionCounts,
}

/// A roster entry that has not joined yet: only what the agency imported itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotJoined {
    /// The agency's staff number (the roster entry's id).
    pub staff_number: String,
    /// Full name as imported.
    pub full_name: String,
    /// Department as imported.
    pub department: String,
    /// Whether the entry has a citizen id: without one it can never be matched, so the roster needs it first.
    pub has_citizen_id: bool,
}

/// An agency's adoption: its figures by department, their total, and those not joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyAdoption {
    /// Agency id.
    pub agency_id: String,
    /// Agency name.
    pub agency_name: String,
    /// The moment the figures hold for (freshness of passes and cards is judged at it).
    pub as_of: DateTime<Utc>,
    /// Per department, by department (bytewise).
    pub departments: Vec<DepartmentAdoption>,
    /// The sum over the departments.
    pub total: AdoptionCounts,
    /// The entries not joined, by department then staff number.
    pub not_joined: Vec<NotJoined>,
}

/// One agency's figures in the province rollup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyAdoptionSummary {
    /// Agency id.
    pub agency_id: String,
    /// Agency name.
    pub agency_name: String,
    /// Its figures (zeros for an agency with no roster yet).
    pub counts: AdoptionCounts,
}

/// Every agency's figures, for the province: numbers only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdoptionRollup {
    /// The moment the figures hold for.
    pub as_of: DateTime<Utc>,
    /// Per agency, by name then id.
    pub agencies: Vec<AgencyAdoptionSummary>,
    /// The sum over the agencies.
    pub total: AdoptionCounts,
}
