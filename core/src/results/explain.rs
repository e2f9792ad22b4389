//! Words for every state and reason, in Vietnamese and English, shared by the CLI, the bindings and the
//! screens, so that a result is never "pending" without a reason and a next step.

use healthbook_protocol::Language;

use super::model::{SampleReason, SampleState};

/// What a screen or the terminal shows about a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// One line: where the sample stands.
    pub headline: String,
    /// Why it stands there.
    pub reason: String,
    /// What the person should do now.
    pub next_step: String,
}

fn headline(state: SampleState, vi: bool) -> &'static str {
    match (state, vi) {
        (SampleState::Registering, true) => "Đang chờ gửi mã mẫu",
        (SampleState::Registering, false) => "Waiting to send the sample code",
        (SampleState::RegisteredElsewhere, true) => "Mã đã được đăng ký ở nơi khác",
        (SampleState::RegisteredElsewhere, false) => "Code already registered elsewhere",
        (SampleState::UnknownToLab, true) => "Phòng xét nghiệm chưa nhận mẫu",
        (SampleState::UnknownToLab, false) => "Not yet known to the lab",
        (SampleState::Pending, true) => "Đang chờ kết quả",
        (SampleState::Pending, false) => "Waiting for the result",
        (SampleState::Negative, true) => "Âm tính",
        (SampleState::Negative, false) => "Negative",
        (SampleState::Positive, true) => "Dương tính",
        (SampleState::Positive, false) => "Positive",
        (SampleState::Invalid, true) => "Mẫu không cho kết quả",
        (SampleState::Invalid, false) => "No result from this sample",
        (SampleState::RetestRequired, true) => "Cần xét nghiệm lại",
        (SampleState::RetestRequired, false) => "Retest required",
        (SampleState::Expired, true) => "Đã hết hạn",
        (SampleState::Expired, false) => "Expired",
    }
}

fn reason_text(reason: SampleReason, vi: bool) -> &'static str {
    match (reason, vi) {
        (SampleReason::NotSentYet, true) => "Điện thoại chưa kết nối được máy chủ; mã được giữ lại và sẽ tự gửi khi có mạng.",
        (SampleReason::NotSentYet, false) => "The phone could not reach the server yet; the code is kept and sent when online.",
        (SampleReason::AlreadyRegistered, true) => "Mã này đã được đăng ký trên một điện thoại khác hoặc cho một hồ sơ khác.",
        (SampleReason::AlreadyRegistered, false) => "This code was already registered on another phone or for another profile.",
        (SampleReason::WrongCode, true) => "Ký tự kiểm tra không khớp: có một ký tự bị nhập sai. Chưa có gì được gửi đi.",
        (SampleReason::WrongCode, false) => "The check character does not match: a character was mistyped. Nothing was sent.",
        (SampleReason::NotYetReported, true) => "Điểm lấy mẫu hoặc phòng xét nghiệm chưa báo mã này; có thể họ chưa đồng bộ.",
        (SampleReason::NotYetReported, false) => "The sampling site or lab has not reported this code yet; they may not have synced.",
        (SampleReason::InLab, true) => "Mẫu đã đến phòng xét nghiệm và đang được phân tích.",
        (SampleReason::InLab, false) => "The sample reached the lab and is being analysed.",
        (SampleReason::LabReported, true) => "Phòng xét nghiệm đã trả kết quả.",
        (SampleReason::LabReported, false) => "The lab reported the result.",
        (SampleReason::SampleUnusable, true) => "Phòng xét nghiệm không dùng được mẫu (hỏng hoặc không đủ).",
        (SampleReason::SampleUnusable, false) => "The lab could not use the sample (damaged or insufficient).",
        (SampleReason::PoolPositive, true) => "Mẫu gộp có mẫu này cho kết quả dương tính.",
        (SampleReason::PoolPositive, false) => "The pool this sample was in tested positive.",
        (SampleReason::PoolNegative, true) => "Mẫu gộp có mẫu này cho kết quả âm tính, nên từng người đều âm tính.",
        (SampleReason::PoolNegative, false) => "The pool this sample was in tested negative, so each member is negative.",
        (SampleReason::RetentionPassed, true) => "Đã quá thời hạn lưu giữ mà không có kết quả, hoặc kết quả đã bị xoá sau thời hạn.",
        (SampleReason::RetentionPassed, false) => "The retention period passed without a result, or the result was deleted after it.",
    }
}

fn next_step(state: SampleState, reason: SampleReason, vi: bool) -> &'static str {
    match (state, reason, vi) {
        (_, SampleReason::WrongCode, true) => "Kiểm tra lại mã trên biên nhận và nhập lại.",
        (_, SampleReason::WrongCode, false) => "Check the code on your receipt and enter it again.",
        (SampleState::Registering, _, true) => "Không cần làm gì; hãy mở ứng dụng khi có mạng.",
        (SampleState::Registering, _, false) => "Nothing to do; open the app when you are online.",
        (SampleState::RegisteredElsewhere, _, true) => "Xem kết quả trên điện thoại đã đăng ký mã, hoặc hỏi điểm lấy mẫu.",
        (SampleState::RegisteredElsewhere, _, false) => "Follow the result on the phone that registered it, or ask the sampling site.",
        (SampleState::UnknownToLab, _, true) => "Chờ thêm; nếu sau một ngày vẫn vậy, hãy kiểm tra mã hoặc gọi điểm lấy mẫu.",
        (SampleState::UnknownToLab, _, false) => "Wait; if it stays so for a day, check the code or call the sampling site.",
        (SampleState::Pending, _, true) => "Không cần làm gì; ứng dụng sẽ báo khi có kết quả.",
        (SampleState::Pending, _, false) => "Nothing to do; the app tells you when the result arrives.",
        (SampleState::Negative, _, true) => "Giữ giấy chứng nhận nếu cần; tiếp tục phòng bệnh.",
        (SampleState::Negative, _, false) => "Keep the certificate if you need it; keep protecting yourself.",
        (SampleState::Positive, _, true) => "Ở nhà, tránh tiếp xúc và làm theo hướng dẫn của trạm y tế.",
        (SampleState::Positive, _, false) => "Stay at home, avoid contact and follow the health station's instructions.",
        (SampleState::Invalid, _, true) => "Đến điểm lấy mẫu để lấy mẫu mới.",
        (SampleState::Invalid, _, false) => "Go to a sampling site for a new sample.",
        (SampleState::RetestRequired, _, true) => "Ở nhà và đến điểm lấy mẫu để xét nghiệm riêng.",
        (SampleState::RetestRequired, _, false) => "Stay at home and go to a sampling site to be tested on your own.",
        (SampleState::Expired, _, true) => "Nếu vẫn cần kết quả, hãy hỏi điểm lấy mẫu hoặc xét nghiệm lại.",
        (SampleState::Expired, _, false) => "If you still need a result, ask the sampling site or get tested again.",
    }
}

/// Explains `state` with `reason` in `language`: a headline, the reason and the next step.
pub fn explain(state: SampleState, reason: SampleReason, language: Language) -> Explanation {
    let vi = matches!(language, Language::Vi);
    let headline = if reason == SampleReason::WrongCode {
        if vi { "Mã nhập sai" } else { "Mistyped code" }
    } else {
        headline(state, vi)
    };
    Explanation {
        headline: headline.to_owned(),
        reason: reason_text(reason, vi).to_owned(),
        next_step: next_step(state, reason, vi).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_reason_has_words_in_both_languages() {
        for language in [Language::Vi, Language::En] {
            for state in SampleState::ALL {
                for reason in SampleReason::ALL {
                    let e = explain(state, reason, language);
                    for (part, text) in [("headline", &e.headline), ("reason", &e.reason), ("next step", &e.next_step)] {
                        assert!(!text.trim().is_empty(), "{state:?}/{reason:?}/{language:?}: empty {part}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_languages_differ_and_states_are_told_apart() {
        let vi = explain(SampleState::Pending, SampleReason::InLab, Language::Vi);
        let en = explain(SampleState::Pending, SampleReason::InLab, Language::En);
        assert_ne!(vi, en);
        assert_eq!(en.headline, "Waiting for the result");
        let headlines: std::collections::HashSet<String> =
            SampleState::ALL.iter().map(|s| explain(*s, SampleReason::LabReported, Language::En).headline).collect();
        assert_eq!(headlines.len(), SampleState::ALL.len(), "every state has its own headline");
        assert_eq!(explain(SampleState::Registering, SampleReason::WrongCode, Language::En).headline, "Mistyped code");
    }
}
