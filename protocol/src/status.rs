//! Health status as it travels: the pass colour, the reasons behind it, and the status a receipt or pass
//! answer carries.

use serde::{Deserialize, Serialize};

use crate::language::Language;

/// The colour of a pass; ordered so that the worse colour is the greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PassStatus {
    /// May pass.
    Green,
    /// Pass with care (e.g. a declaration with symptoms, an old test).
    Yellow,
    /// Must not pass (e.g. in quarantine, positive test).
    Red,
}

impl PassStatus {
    /// Every status, best first.
    pub const ALL: [Self; 3] = [Self::Green, Self::Yellow, Self::Red];

    /// The integer that stands for it inside a signed pass.
    pub fn code(self) -> u8 {
        match self {
            Self::Green => 0,
            Self::Yellow => 1,
            Self::Red => 2,
        }
    }

    /// The status for a signed integer code.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|s| u64::from(s.code()) == code)
    }

    /// Its wire name (`green`, `yellow`, `red`), as the server's JSON and the phone's storage use it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }

    /// The status for a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// What the phone shows, in Vietnamese or English.
    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Green, Language::Vi) => "Xanh: được qua",
            (Self::Green, Language::En) => "Green: may pass",
            (Self::Yellow, Language::Vi) => "Vàng: cần kiểm tra thêm",
            (Self::Yellow, Language::En) => "Yellow: check further",
            (Self::Red, Language::Vi) => "Đỏ: không được qua",
            (Self::Red, Language::En) => "Red: must not pass",
        }
    }
}

/// A reason behind a pass status. The server's status rule set (`server/src/status/`) yields these; each has a
/// fixed integer code inside the signed pass, and a Vietnamese and an English wording for the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    /// Vaccination record.
    Vaccination,
    /// A recent test result.
    RecentTest,
    /// A quarantine order.
    Quarantine,
    /// The health declaration (or, on a yellow pass without other reasons, its absence).
    Declaration,
    /// Symptoms declared.
    Symptoms,
    /// Contact with a confirmed case declared.
    Contact,
    /// Travel from an outbreak area declared.
    Travel,
}

impl StatusReason {
    /// Every reason.
    pub const ALL: [Self; 7] =
        [Self::Declaration, Self::Vaccination, Self::RecentTest, Self::Quarantine, Self::Symptoms, Self::Contact, Self::Travel];

    /// The integer that stands for it inside a signed pass; fixed once published, new reasons take new codes.
    pub fn code(self) -> u8 {
        match self {
            Self::Declaration => 0,
            Self::Vaccination => 1,
            Self::RecentTest => 2,
            Self::Quarantine => 3,
            Self::Symptoms => 4,
            Self::Contact => 5,
            Self::Travel => 6,
        }
    }

    /// The reason for a signed integer code; `None` for a code this build does not know (a newer issuer's).
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|r| u64::from(r.code()) == code)
    }

    /// Its wire name (`declaration`, `recent_test`, ...), as the server's JSON and the phone's storage use it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vaccination => "vaccination",
            Self::RecentTest => "recent_test",
            Self::Quarantine => "quarantine",
            Self::Declaration => "declaration",
            Self::Symptoms => "symptoms",
            Self::Contact => "contact",
            Self::Travel => "travel",
        }
    }

    /// The reason for a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// What the phone shows, in Vietnamese or English.
    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Declaration, Language::Vi) => "Tờ khai y tế",
            (Self::Declaration, Language::En) => "Health declaration",
            (Self::Vaccination, Language::Vi) => "Tiêm chủng",
            (Self::Vaccination, Language::En) => "Vaccination",
            (Self::RecentTest, Language::Vi) => "Kết quả xét nghiệm gần đây",
            (Self::RecentTest, Language::En) => "Recent test result",
            (Self::Quarantine, Language::Vi) => "Đang cách ly",
            (Self::Quarantine, Language::En) => "In quarantine",
            (Self::Symptoms, Language::Vi) => "Có triệu chứng",
            (Self::Symptoms, Language::En) => "Symptoms declared",
            (Self::Contact, Language::Vi) => "Tiếp xúc với ca bệnh",
            (Self::Contact, Language::En) => "Contact with a confirmed case",
            (Self::Travel, Language::Vi) => "Đi về từ vùng dịch",
            (Self::Travel, Language::En) => "Travel from an outbreak area",
        }
    }
}

/// The health status a declaration receipt or a pass answer carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthStatusView {
    /// `green`, `yellow` or `red`.
    pub status: PassStatus,
    /// Reason codes.
    pub reasons: Vec<StatusReason>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enum_strings, round_trip};
    use serde_json::json;

    #[test]
    fn pass_status_strings() {
        enum_strings(&[(PassStatus::Green, "green"), (PassStatus::Yellow, "yellow"), (PassStatus::Red, "red")], "blue");
        for status in PassStatus::ALL {
            assert_eq!(PassStatus::from_name(status.as_str()), Some(status));
            assert_eq!(PassStatus::from_code(status.code().into()), Some(status));
        }
        assert!(PassStatus::Green < PassStatus::Yellow && PassStatus::Yellow < PassStatus::Red);
    }

    #[test]
    fn status_reason_strings() {
        enum_strings(
            &[
                (StatusReason::Vaccination, "vaccination"),
                (StatusReason::RecentTest, "recent_test"),
                (StatusReason::Quarantine, "quarantine"),
                (StatusReason::Declaration, "declaration"),
                (StatusReason::Symptoms, "symptoms"),
                (StatusReason::Contact, "contact"),
                (StatusReason::Travel, "travel"),
            ],
            "no_recent_declaration",
        );
        for reason in StatusReason::ALL {
            assert_eq!(StatusReason::from_name(reason.as_str()), Some(reason));
            assert_eq!(StatusReason::from_code(reason.code().into()), Some(reason));
        }
    }

    #[test]
    fn health_status_round_trips() {
        round_trip(
            &HealthStatusView { status: PassStatus::Yellow, reasons: vec![StatusReason::Declaration, StatusReason::Symptoms] },
            json!({ "status": "yellow", "reasons": ["declaration", "symptoms"] }),
        );
    }
}
