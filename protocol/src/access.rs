//! Officers' areas and the access log of reads of personal data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The area an officer account may read: one province, optionally only some of its wards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AreaScope {
    /// Two-digit province code.
    pub province: String,
    /// Five-digit ward codes; empty means the whole province.
    #[serde(default)]
    pub wards: Vec<String>,
}

impl AreaScope {
    /// Whether the scope covers `ward` (any ward when the scope is the whole province).
    pub fn covers_ward(&self, ward: &str) -> bool {
        self.wards.is_empty() || self.wards.iter().any(|w| w == ward)
    }
}

/// One entry of the access log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessLogEntry {
    /// Entry id (sorts in time order; the paging cursor).
    pub id: String,
    /// The account that read.
    pub account_id: String,
    /// Its role.
    pub role: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Method and path.
    pub endpoint: String,
    /// Filters and area of the request.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub filters: serde_json::Value,
    /// `ok` or `denied`.
    pub outcome: String,
    /// How many records were returned.
    pub record_count: u32,
    /// Their ids.
    pub record_ids: Vec<String>,
}

/// A page of the access log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessLogPage {
    /// Entries, oldest first.
    pub entries: Vec<AccessLogEntry>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<String>,
}

/// Filters of the access log (`GET /v1/access-log` query).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AccessLogQuery {
    /// Only this account's reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The last id of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, at most 500 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn access_bodies_round_trip() {
        let scope = AreaScope { province: "79".into(), wards: vec!["26734".into()] };
        round_trip(&scope, json!({ "province": "79", "wards": ["26734"] }));
        assert!(scope.covers_ward("26734") && !scope.covers_ward("26735"));
        let whole: AreaScope = serde_json::from_value(json!({ "province": "01" })).unwrap();
        assert!(whole.covers_ward("00001"));
        assert!(serde_json::from_value::<AreaScope>(json!({ "province": "01", "all": true })).is_err());
        let at = Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap();
        round_trip(
            &AccessLogPage {
                entries: vec![AccessLogEntry {
                    id: "1-2".into(),
                    account_id: "a".into(),
                    role: "health_officer".into(),
                    at,
                    endpoint: "GET /v1/declarations".into(),
                    filters: json!({ "province": "79" }),
                    outcome: "ok".into(),
                    record_count: 1,
                    record_ids: vec!["d1".into()],
                }],
                next_after: None,
            },
            json!({ "entries": [{ "id": "1-2", "account_id": "a", "role": "health_officer", "at": "2021-09-01T08:00:00Z",
                "endpoint": "GET /v1/declarations", "filters": { "province": "79" }, "outcome": "ok", "record_count": 1,
                "record_ids": ["d1"] }], "next_after": null }),
        );
        round_trip(&AccessLogQuery { account: Some("a".into()), after: None, limit: Some(5) }, json!({ "account": "a", "limit": 5 }));
    }
}
