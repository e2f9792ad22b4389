//! Words for exposure alerts, refused posters and kinds of place, in Vietnamese and English, shared by the CLI,
//! the bindings and the screens.

use healthbook_protocol::{ExposureAdvice, Language, VenueKind};

use super::error::PosterRefusal;

/// What a screen or the terminal shows about an exposure alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertWords {
    /// One line: what happened.
    pub headline: String,
    /// What the person should do now.
    pub advice: String,
}

/// The headline and advice of an alert at `venue` with `advice`.
pub fn alert_words(advice: ExposureAdvice, venue: &str, language: Language) -> AlertWords {
    let vi = language == Language::Vi;
    let headline = if vi {
        format!("Bạn đã ở {venue} cùng lúc với một người có nguy cơ lây nhiễm")
    } else {
        format!("You were at {venue} at the same time as a possible infection")
    };
    AlertWords { headline, advice: advice_text(advice, language).to_owned() }
}

/// What to do, per advice.
pub fn advice_text(advice: ExposureAdvice, language: Language) -> &'static str {
    match (advice, language == Language::Vi) {
        (ExposureAdvice::MonitorSymptoms, true) => {
            "Theo dõi sức khỏe trong 14 ngày; nếu có sốt, ho hoặc khó thở, hãy đi xét nghiệm và báo trạm y tế."
        }
        (ExposureAdvice::MonitorSymptoms, false) => {
            "Watch your health for 14 days; if you get a fever, a cough or short breath, get tested and tell the health station."
        }
        (ExposureAdvice::GetTested, true) => "Hãy đến điểm lấy mẫu gần nhất để xét nghiệm, và hạn chế tiếp xúc cho đến khi có kết quả.",
        (ExposureAdvice::GetTested, false) => "Go to the nearest sampling site to get tested, and limit contacts until you have the result.",
        (ExposureAdvice::SelfIsolate, true) => "Hãy ở nhà, không tiếp xúc với người khác và gọi trạm y tế phường để được hướng dẫn.",
        (ExposureAdvice::SelfIsolate, false) => "Stay at home, avoid contact with others and call your ward's health station for instructions.",
    }
}

/// Why a poster was refused, in words for the person.
pub fn refusal_text(refusal: PosterRefusal, language: Language) -> &'static str {
    match (refusal, language == Language::Vi) {
        (PosterRefusal::Unreadable, true) => "Mã QR này không phải mã điểm đến của Healthbook hoặc bị hỏng.",
        (PosterRefusal::Unreadable, false) => "This QR code is not a Healthbook venue code, or it is damaged.",
        (PosterRefusal::UnknownKey, true) => "Mã điểm đến được ký bởi một đơn vị không có trong danh sách tin cậy. Hãy cập nhật ứng dụng khi có mạng.",
        (PosterRefusal::UnknownKey, false) => "The venue code is signed by an issuer the trust list does not name. Update when online.",
        (PosterRefusal::Forged, true) => "Chữ ký của mã điểm đến không hợp lệ: mã đã bị sửa hoặc giả mạo.",
        (PosterRefusal::Forged, false) => "The venue code's signature does not verify: it was altered or forged.",
        (PosterRefusal::Revoked, true) => "Mã điểm đến này (hoặc đơn vị cấp) đã bị thu hồi.",
        (PosterRefusal::Revoked, false) => "This venue code, or its issuer, has been revoked.",
        (PosterRefusal::OutOfScope, true) => "Đơn vị ký mã này không được phép cấp mã cho điểm đến này.",
        (PosterRefusal::OutOfScope, false) => "The issuer of this code may not sign codes for this venue.",
        (PosterRefusal::Expired, true) => "Mã điểm đến đã hết hạn; hãy báo cho người quản lý địa điểm.",
        (PosterRefusal::Expired, false) => "The venue code has expired; tell the venue's staff.",
        (PosterRefusal::NotYetValid, true) => "Mã điểm đến chưa có hiệu lực; hãy kiểm tra ngày giờ của điện thoại.",
        (PosterRefusal::NotYetValid, false) => "The venue code is not valid yet; check the phone's date and time.",
        (PosterRefusal::NotAPoster, true) => "Đây là một giấy chứng nhận hoặc thẻ, không phải mã điểm đến để khai báo.",
        (PosterRefusal::NotAPoster, false) => "This is a pass or a card, not a venue code to check in with.",
    }
}

/// The name of a kind of place.
pub fn kind_name(kind: VenueKind, language: Language) -> &'static str {
    match (kind, language == Language::Vi) {
        (VenueKind::Market, true) => "Chợ",
        (VenueKind::Market, false) => "Market",
        (VenueKind::Shop, true) => "Cửa hàng",
        (VenueKind::Shop, false) => "Shop",
        (VenueKind::Supermarket, true) => "Siêu thị",
        (VenueKind::Supermarket, false) => "Supermarket",
        (VenueKind::Bank, true) => "Ngân hàng",
        (VenueKind::Bank, false) => "Bank",
        (VenueKind::Office, true) => "Cơ quan",
        (VenueKind::Office, false) => "Office",
        (VenueKind::Factory, true) => "Nhà máy",
        (VenueKind::Factory, false) => "Factory",
        (VenueKind::School, true) => "Trường học",
        (VenueKind::School, false) => "School",
        (VenueKind::Hospital, true) => "Bệnh viện",
        (VenueKind::Hospital, false) => "Hospital",
        (VenueKind::Restaurant, true) => "Nhà hàng",
        (VenueKind::Restaurant, false) => "Restaurant",
        (VenueKind::RoadCheckpoint, true) => "Chốt kiểm soát",
        (VenueKind::RoadCheckpoint, false) => "Road checkpoint",
        (VenueKind::TransportHub, true) => "Bến xe, nhà ga",
        (VenueKind::TransportHub, false) => "Station",
        (VenueKind::Other, true) => "Địa điểm khác",
        (VenueKind::Other, false) => "Other place",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSALS: [PosterRefusal; 8] = [
        PosterRefusal::Unreadable,
        PosterRefusal::UnknownKey,
        PosterRefusal::Forged,
        PosterRefusal::Revoked,
        PosterRefusal::OutOfScope,
        PosterRefusal::Expired,
        PosterRefusal::NotYetValid,
        PosterRefusal::NotAPoster,
    ];

    #[test]
    fn every_text_exists_in_both_languages_and_differs() {
        for language in [Language::Vi, Language::En] {
            for advice in [ExposureAdvice::MonitorSymptoms, ExposureAdvice::GetTested, ExposureAdvice::SelfIsolate] {
                let words = alert_words(advice, "Chợ Bến Thành", language);
                assert!(!words.headline.is_empty() && !words.advice.is_empty());
                assert!(words.headline.contains("Chợ Bến Thành"));
            }
            for refusal in REFUSALS {
                assert!(!refusal_text(refusal, language).is_empty());
            }
            for kind in VenueKind::ALL {
                assert!(!kind_name(kind, language).is_empty());
            }
        }
        for refusal in REFUSALS {
            assert_ne!(refusal_text(refusal, Language::Vi), refusal_text(refusal, Language::En));
        }
        let vi: std::collections::HashSet<_> = REFUSALS.iter().map(|r| refusal_text(*r, Language::Vi)).collect();
        assert_eq!(vi.len(), REFUSALS.len(), "each refusal has its own words");
        let advice: std::collections::HashSet<_> =
            [ExposureAdvice::MonitorSymptoms, ExposureAdvice::GetTested, ExposureAdvice::SelfIsolate].iter().map(|a| advice_text(*a, Language::En)).collect();
        assert_eq!(advice.len(), 3);
    }
}
