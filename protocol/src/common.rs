//! Bodies shared by every area: the health check and the empty answer.

use serde::{Deserialize, Serialize};

/// `GET /healthz` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` when the server and its database answer.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// An empty JSON object, for requests and answers with nothing to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Empty {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn bodies_round_trip() {
        round_trip(&Health { status: "ok".into(), database: "sqlite".into() }, json!({ "status": "ok", "database": "sqlite" }));
        round_trip(&Empty {}, json!({}));
    }
}
