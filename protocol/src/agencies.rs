//! Agencies and their gates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An agency to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAgencyRequest {
    /// Display name, 1-200 characters.
    pub name: String,
}

/// An agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyView {
    /// Agency id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Every agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyList {
    /// The agencies, by name.
    pub agencies: Vec<AgencyView>,
}

/// A gate to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateGateRequest {
    /// Display name, 1-200 characters.
    pub name: String,
}

// A gate created under `POST /v1/venues/{venue_id}/gates` records its venue in `GateView::venue_id`.

/// A gate (entrance or checkpoint) of an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateView {
    /// Gate id.
    pub id: String,
    /// Owning agency.
    pub agency_id: String,
    /// Display name.
    pub name: String,
    /// The venue whose gate it is (absent for gates created before venues existed, under the agency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_id: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An agency's gates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateList {
    /// The gates, by name.
    pub gates: Vec<GateView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn agency_bodies_round_trip() {
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        round_trip(&CreateAgencyRequest { name: "Chợ".into() }, json!({ "name": "Chợ" }));
        round_trip(&CreateGateRequest { name: "Gate 1".into() }, json!({ "name": "Gate 1" }));
        round_trip(
            &AgencyList { agencies: vec![AgencyView { id: "a".into(), name: "Chợ".into(), created_at: at }] },
            json!({ "agencies": [{ "id": "a", "name": "Chợ", "created_at": "2021-09-01T08:00:00Z" }] }),
        );
        round_trip(
            &GateList { gates: vec![GateView { id: "g".into(), agency_id: "a".into(), name: "Gate 1".into(), venue_id: None, created_at: at }] },
            json!({ "gates": [{ "id": "g", "agency_id": "a", "name": "Gate 1", "created_at": "2021-09-01T08:00:00Z" }] }),
        );
        assert!(serde_json::from_value::<CreateGateRequest>(json!({ "name": "g", "agency_id": "b" })).is_err());
    }
}
