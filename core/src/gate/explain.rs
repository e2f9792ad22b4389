//! Words for the operator, in Vietnamese and English: a large, simple headline for the verdict, the reason in
//! plain words (empty for an ordinary admit), and a label for the card. Shared by the CLI, the bindings and the
//! screens so that every front end says the same.

use healthbook_protocol::{GateVerdict, Language, PassageReason, ScannedCard};

use crate::credentials::CredentialKind;

/// "Mời vào" / "Admit", "Kiểm tra" / "Check", "Không cho vào" / "Refuse".
pub fn headline(verdict: GateVerdict, language: Language) -> &'static str {
    let vi = language == Language::Vi;
    match (verdict, vi) {
        (GateVerdict::Admit, true) => "Mời vào",
        (GateVerdict::Admit, false) => "Admit",
        (GateVerdict::Check, true) => "Kiểm tra",
        (GateVerdict::Check, false) => "Check",
        (GateVerdict::Refuse, true) => "Không cho vào",
        (GateVerdict::Refuse, false) => "Refuse",
    }
}

/// Why, in plain words; empty for a valid card that needs nothing more.
pub fn reason(reason: PassageReason, language: Language) -> &'static str {
    let vi = language == Language::Vi;
    match (reason, vi) {
        (PassageReason::Valid, _) => "",
        (PassageReason::StatusYellow, true) => "Thẻ vàng: hỏi thêm và kiểm tra giấy tờ trước khi cho vào.",
        (PassageReason::StatusYellow, false) => "Yellow pass: ask and check papers before letting the person in.",
        (PassageReason::StatusRed, true) => "Thẻ đỏ: người này không được qua.",
        (PassageReason::StatusRed, false) => "Red pass: this person may not pass.",
        (PassageReason::Unreadable, true) => "Không đọc được mã: không phải thẻ của chúng tôi hoặc mã bị hỏng.",
        (PassageReason::Unreadable, false) => "Code unreadable: not one of our cards, or damaged.",
        (PassageReason::UnknownIssuer, true) => "Thẻ do nơi không có trong danh sách tin cậy cấp.",
        (PassageReason::UnknownIssuer, false) => "Issued by someone the trust list does not name.",
        (PassageReason::Forged, true) => "Chữ ký không hợp lệ: thẻ đã bị sửa hoặc giả mạo.",
        (PassageReason::Forged, false) => "The signature does not verify: the card was altered or forged.",
        (PassageReason::Revoked, true) => "Thẻ đã bị thu hồi.",
        (PassageReason::Revoked, false) => "The card was revoked.",
        (PassageReason::Expired, true) => "Thẻ đã hết hạn.",
        (PassageReason::Expired, false) => "The card has expired.",
        (PassageReason::NotYetValid, true) => "Thẻ chưa có hiệu lực.",
        (PassageReason::NotYetValid, false) => "The card is not valid yet.",
        (PassageReason::OutOfScope, true) => "Nơi cấp không được phép cấp loại thẻ này.",
        (PassageReason::OutOfScope, false) => "The issuer may not issue this card.",
        (PassageReason::WrongKind, true) => "Đây là mã của địa điểm, không phải thẻ của người đi qua.",
        (PassageReason::WrongKind, false) => "This is a venue poster, not a person's card.",
    }
}

/// The card's label: "Personal pass", "EU DCC vaccination", ...
pub fn card_label(card: Option<ScannedCard>, kind: CredentialKind, language: Language) -> &'static str {
    let vi = language == Language::Vi;
    match (card, kind, vi) {
        (Some(ScannedCard::EuDcc), CredentialKind::EuDccVaccination, true) => "EU DCC tiêm chủng",
        (Some(ScannedCard::EuDcc), CredentialKind::EuDccVaccination, false) => "EU DCC vaccination",
        (Some(ScannedCard::EuDcc), CredentialKind::EuDccTest, true) => "EU DCC xét nghiệm",
        (Some(ScannedCard::EuDcc), CredentialKind::EuDccTest, false) => "EU DCC test",
        (Some(ScannedCard::EuDcc), CredentialKind::EuDccRecovery, true) => "EU DCC khỏi bệnh",
        (Some(ScannedCard::EuDcc), CredentialKind::EuDccRecovery, false) => "EU DCC recovery",
        (Some(ScannedCard::EuDcc), _, true) => "EU DCC",
        (Some(ScannedCard::EuDcc), _, false) => "EU DCC",
        (Some(ScannedCard::PersonalPass), _, true) => "Thẻ cá nhân",
        (Some(ScannedCard::PersonalPass), _, false) => "Personal pass",
        (Some(ScannedCard::StaffCard), _, true) => "Thẻ nhân viên",
        (Some(ScannedCard::StaffCard), _, false) => "Staff card",
        (Some(ScannedCard::ControlCard), _, true) => "Thẻ kiểm soát",
        (Some(ScannedCard::ControlCard), _, false) => "Control card",
        (Some(ScannedCard::VenuePoster), _, true) => "Mã địa điểm",
        (Some(ScannedCard::VenuePoster), _, false) => "Venue poster",
        (None, _, true) => "Không rõ",
        (None, _, false) => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_words_but_valid() {
        let all = [
            PassageReason::StatusYellow,
            PassageReason::StatusRed,
            PassageReason::Unreadable,
            PassageReason::UnknownIssuer,
            PassageReason::Forged,
            PassageReason::Revoked,
            PassageReason::Expired,
            PassageReason::NotYetValid,
            PassageReason::OutOfScope,
            PassageReason::WrongKind,
        ];
        for language in [Language::Vi, Language::En] {
            assert_eq!(reason(PassageReason::Valid, language), "");
            for r in all {
                assert!(!reason(r, language).is_empty(), "{r:?}");
            }
        }
        assert_eq!(headline(GateVerdict::Refuse, Language::Vi), "Không cho vào");
        assert_eq!(card_label(Some(ScannedCard::EuDcc), CredentialKind::EuDccVaccination, Language::En), "EU DCC vaccination");
    }
}
