//! Every visible string of the console in Vietnamese and English (one table, so that a string missing in one
//! language fails the completeness test rather than showing a key), and numbers written as each language writes
//! them (1.234,5 in Vietnamese, 1,234.5 in English).

use healthbook_protocol::Language;

/// The console's strings: (key, Vietnamese, English).
const STRINGS: &[(&str, &str, &str)] = &[
    ("product", "Healthbook — Bảng điều khiển", "Healthbook — Console"),
    ("nav_label", "Điều hướng", "Navigation"),
    ("nav_reports", "Báo cáo", "Reports"),
    ("nav_adoption", "Mức độ sử dụng", "Adoption"),
    ("nav_qa", "Hỏi đáp 1022", "Hotline Q&A"),
    ("nav_questions", "Câu hỏi của người dân", "Citizens' questions"),
    ("sign_out", "Đăng xuất", "Sign out"),
    ("language", "Ngôn ngữ", "Language"),
    ("scope_national", "Toàn quốc", "National"),
    ("scope_province", "Tỉnh/thành", "Province"),
    ("scope_wards", "Phường/xã", "Wards"),
    ("scope_agency", "Cơ quan", "Agency"),
    ("role_authority_admin", "Quản trị cấp tỉnh", "Authority admin"),
    ("role_health_officer", "Cán bộ y tế", "Health officer"),
    ("role_agency_admin", "Quản trị cơ quan", "Agency admin"),
    ("login_title", "Đăng nhập", "Sign in"),
    ("login_intro", "Bảng điều khiển dành cho cán bộ: cán bộ y tế, quản trị cơ quan và quản trị cấp tỉnh.", "The console is for officials: health officers, agency admins and the authority admin."),
    ("username", "Tên đăng nhập", "Username"),
    ("password", "Mật khẩu", "Password"),
    ("login_submit", "Đăng nhập", "Sign in"),
    ("login_wrong", "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    ("login_not_official", "Bảng điều khiển chỉ dành cho cán bộ; tài khoản này không đăng nhập được.", "The console is for officials only; this account cannot sign in here."),
    ("login_disabled", "Tài khoản này đã bị khoá.", "This account is disabled."),
    ("login_throttled", "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau.", "Too many failed sign-ins. Please try again later."),
    ("login_busy", "Máy chủ đang bận. Vui lòng thử lại sau giây lát.", "The server is busy. Please try again in a moment."),
    ("reports_title", "Báo cáo", "Reports"),
    ("reports_intro", "Số liệu trong phạm vi của bạn, theo ngày và theo địa bàn.", "Figures within your scope, by day and by area."),
    ("report_declarations", "Khai báo y tế", "Health declarations"),
    ("report_declarations_desc", "Số khai báo theo ngày và phường/xã.", "Declarations per day and ward."),
    ("report_passages", "Lượt qua cổng", "Gate passages"),
    ("report_passages_desc", "Lượt qua cổng theo địa điểm và ngày; địa điểm không ghi nhận lượt nào.", "Passages per venue and day; venues that recorded none."),
    ("report_quarantine", "Cách ly tại nhà", "Home quarantine"),
    ("report_quarantine_desc", "Quyết định cách ly, kết quả điểm danh và hồ sơ đang mở.", "Quarantine orders, check-in verdicts and open cases."),
    ("report_results", "Xét nghiệm", "Test results"),
    ("report_results_desc", "Mẫu đã lấy, kết quả đã trả và thời gian trả kết quả theo điểm lấy mẫu.", "Samples taken, results returned and time to result per site."),
    ("report_vaccination", "Tiêm chủng", "Vaccination"),
    ("report_vaccination_desc", "Tỷ lệ bao phủ theo xã và nhóm ưu tiên; tồn kho theo điểm tiêm.", "Coverage by commune and priority group; stock per site."),
    ("open_report", "Xem báo cáo", "Open report"),
    ("filter", "Lọc", "Filter"),
    ("from", "Từ ngày", "From"),
    ("to", "Đến ngày", "To"),
    ("province", "Tỉnh/thành", "Province"),
    ("ward", "Phường/xã", "Ward"),
    ("all_provinces", "Tất cả", "All"),
    ("apply", "Áp dụng", "Apply"),
    ("period", "Giai đoạn", "Period"),
    ("generated_at", "Lập lúc (GMT+7)", "Generated at (GMT+7)"),
    ("export_csv", "Tải CSV", "Download CSV"),
    ("export_xlsx", "Tải Excel (XLSX)", "Download Excel (XLSX)"),
    ("section_empty", "Không có số liệu trong giai đoạn này.", "No figures for this period."),
    ("adoption_title", "Mức độ sử dụng theo cơ quan", "Adoption per agency"),
    ("adoption_agency_title", "Mức độ sử dụng theo phòng ban", "Adoption by department"),
    ("agency", "Cơ quan", "Agency"),
    ("department", "Phòng ban", "Department"),
    ("no_department", "(không có phòng ban)", "(no department)"),
    ("roster", "Trong danh sách", "On the roster"),
    ("joined", "Đã tham gia", "Joined"),
    ("fresh_pass", "Có thẻ còn hạn", "Fresh pass"),
    ("valid_card", "Có thẻ nhân viên hợp lệ", "Valid staff card"),
    ("total", "Tổng", "Total"),
    ("as_of", "Tính đến (GMT+7)", "As of (GMT+7)"),
    ("qa_title", "Bộ hỏi đáp đường dây 1022", "Hotline 1022 Q&A set"),
    ("choose_province", "Chọn một tỉnh/thành để xem.", "Choose a province to view."),
    ("search", "Tìm kiếm", "Search"),
    ("search_placeholder", "ví dụ: khai bao", "e.g. khai bao"),
    ("category", "Chủ đề", "Category"),
    ("all_categories", "Tất cả chủ đề", "All categories"),
    ("published_version", "Phiên bản đã công bố", "Published version"),
    ("none_yet", "chưa có", "none yet"),
    ("unpublished_changes", "Bản nháp có thay đổi chưa công bố.", "The draft has unpublished changes."),
    ("no_unpublished_changes", "Bản nháp giống phiên bản đã công bố.", "The draft equals the published version."),
    ("publish", "Công bố phiên bản mới", "Publish a new version"),
    ("new_entry", "Thêm câu hỏi", "Add an entry"),
    ("edit", "Sửa", "Edit"),
    ("delete", "Xoá", "Delete"),
    ("question_vi", "Câu hỏi (tiếng Việt)", "Question (Vietnamese)"),
    ("answer_vi", "Trả lời (tiếng Việt)", "Answer (Vietnamese)"),
    ("question_en", "Câu hỏi (tiếng Anh)", "Question (English)"),
    ("answer_en", "Trả lời (tiếng Anh)", "Answer (English)"),
    ("question", "Câu hỏi", "Question"),
    ("answer", "Trả lời", "Answer"),
    ("updated_at", "Cập nhật (GMT+7)", "Updated (GMT+7)"),
    ("actions", "Thao tác", "Actions"),
    ("qa_empty", "Không có câu hỏi nào.", "No entries."),
    ("qa_edit_title", "Câu hỏi và trả lời", "Question and answer"),
    ("save", "Lưu", "Save"),
    ("cancel", "Quay lại", "Back"),
    ("entries_shown", "Số câu hỏi", "Entries"),
    ("field_required", "Bắt buộc.", "Required."),
    ("field_too_long", "Quá dài.", "Too long."),
    ("field_en_pair", "Câu hỏi và trả lời tiếng Anh phải có cả hai hoặc để trống cả hai.", "Give both the English question and answer, or neither."),
    ("field_category", "Chọn một chủ đề.", "Choose a category."),
    ("field_invalid", "Giá trị không hợp lệ.", "Invalid value."),
    ("notice_published", "Đã công bố phiên bản mới.", "A new version was published."),
    ("notice_publish_conflict", "Không có gì để công bố: bản nháp trống hoặc giống phiên bản mới nhất.", "Nothing to publish: the draft is empty or equals the latest version."),
    ("notice_saved", "Đã lưu.", "Saved."),
    ("notice_deleted", "Đã xoá.", "Deleted."),
    ("notice_assigned", "Đã phân công.", "Assigned."),
    ("notice_answered", "Đã trả lời.", "Answered."),
    ("notice_closed", "Đã đóng.", "Closed."),
    ("questions_title", "Câu hỏi và phản ánh của người dân", "Citizens' questions and reports"),
    ("state", "Trạng thái", "State"),
    ("all_states", "Tất cả trạng thái", "All states"),
    ("state_received", "Mới nhận", "Received"),
    ("state_assigned", "Đã phân công", "Assigned"),
    ("state_answered", "Đã trả lời", "Answered"),
    ("state_closed", "Đã đóng", "Closed"),
    ("kind", "Loại", "Kind"),
    ("kind_question", "Câu hỏi", "Question"),
    ("kind_report", "Phản ánh", "Report"),
    ("received_at", "Nhận lúc (GMT+7)", "Received (GMT+7)"),
    ("text", "Nội dung", "Text"),
    ("venue", "Địa điểm", "Venue"),
    ("contact_phone", "Số điện thoại gọi lại", "Call-back number"),
    ("citizen_language", "Ngôn ngữ của người hỏi", "Citizen's language"),
    ("assignee", "Người xử lý", "Assignee"),
    ("answered_at", "Trả lời lúc (GMT+7)", "Answered at (GMT+7)"),
    ("answered_by", "Người trả lời", "Answered by"),
    ("questions_empty", "Không có câu hỏi nào.", "No questions."),
    ("next_page", "Trang sau", "Next page"),
    ("open", "Mở", "Open"),
    ("assign", "Phân công", "Assign"),
    ("assign_to", "Giao cho", "Assign to"),
    ("no_officers", "Không có cán bộ nào có thể nhận câu hỏi này.", "No officer can take this question."),
    ("send_answer", "Gửi trả lời", "Send the answer"),
    ("close_question", "Đóng câu hỏi", "Close the question"),
    ("close_note", "Lý do (chỉ cán bộ xem)", "Reason (officers only)"),
    ("not_given", "—", "—"),
    ("error_title", "Lỗi", "Error"),
    ("error_400", "Yêu cầu không hợp lệ.", "The request is not valid."),
    ("error_403", "Bạn không có quyền mở trang này.", "You may not open this page."),
    ("error_404", "Không tìm thấy trang hoặc mục này.", "This page or item was not found."),
    ("error_405", "Phương thức không được hỗ trợ.", "Method not allowed."),
    ("error_409", "Thao tác xung đột với trạng thái hiện tại.", "This conflicts with the current state."),
    ("error_413", "Dữ liệu gửi lên quá lớn.", "What was sent is too large."),
    ("error_422", "Dữ liệu không hợp lệ.", "The data is not valid."),
    ("error_429", "Quá nhiều yêu cầu. Vui lòng thử lại sau.", "Too many requests. Please try again later."),
    ("error_500", "Đã có lỗi ở máy chủ.", "Something went wrong on the server."),
    ("error_503", "Máy chủ đang bận. Vui lòng thử lại sau giây lát.", "The server is busy. Please try again in a moment."),
    ("csrf_refused", "Yêu cầu bị từ chối vì không đến từ biểu mẫu của bảng điều khiển. Hãy tải lại trang và thử lại.", "The request was refused: it did not come from a console form. Reload the page and try again."),
    ("back_to_console", "Về trang báo cáo", "Back to the reports"),
    ("category_declarations", "Khai báo y tế", "Health declarations"),
    ("category_pass", "Thẻ QR và màu trạng thái", "QR pass and status colours"),
    ("category_check_in", "Quét mã tại địa điểm", "Venue check-in"),
    ("category_quarantine", "Cách ly tại nhà", "Home quarantine"),
    ("category_testing", "Xét nghiệm", "Testing"),
    ("category_vaccination", "Tiêm chủng", "Vaccination"),
    ("category_travel", "Đi lại giữa các tỉnh", "Travel between provinces"),
    ("category_app", "Ứng dụng", "The app"),
    ("category_other", "Khác", "Other"),
];

/// The strings of one language; templates call `s` with a key of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Language);

impl Tr {
    /// The string `key` in this language; a key missing from the table shows as itself (the tests forbid that).
    pub fn s(&self, key: &str) -> &'static str {
        match STRINGS.iter().find(|(k, _, _)| *k == key) {
            Some((_, vi, en)) => match self.0 {
                Language::Vi => vi,
                Language::En => en,
            },
            None => {
                tracing::warn!(key, "console string missing from the table");
                "?"
            }
        }
    }

    /// The language's tag, for `<html lang>`.
    pub fn tag(&self) -> &'static str {
        self.0.tag()
    }

    /// Picks the Vietnamese or English text of a bilingual value (report titles, columns, legends).
    pub fn pick<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        match self.0 {
            Language::Vi => vi,
            Language::En if en.is_empty() => vi,
            Language::En => en,
        }
    }

    /// A count with the language's thousands separator.
    pub fn count(&self, value: i64) -> String {
        group(value.unsigned_abs(), self.thousands(), value < 0)
    }

    /// A measure with one decimal place, the language's decimal mark and thousands separator.
    pub fn measure(&self, value: f64) -> String {
        if !value.is_finite() {
            return String::new();
        }
        let tenths = (value.abs() * 10.0).round() as u64;
        let whole = group(tenths / 10, self.thousands(), value < 0.0 && tenths != 0);
        let decimal = match self.0 {
            Language::Vi => ',',
            Language::En => '.',
        };
        format!("{whole}{decimal}{}", tenths % 10)
    }

    fn thousands(&self) -> char {
        match self.0 {
            Language::Vi => '.',
            Language::En => ',',
        }
    }
}

fn group(value: u64, separator: char, negative: bool) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if negative {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

/// Every key of the table (for the tests that check the templates use no other).
#[cfg(test)]
pub(crate) fn keys() -> impl Iterator<Item = &'static str> {
    STRINGS.iter().map(|(k, _, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_key_has_both_languages_once() {
        let mut seen = HashSet::new();
        for (key, vi, en) in STRINGS {
            assert!(seen.insert(*key), "{key} twice");
            assert!(!vi.trim().is_empty(), "{key} has no Vietnamese");
            assert!(!en.trim().is_empty(), "{key} has no English");
        }
    }

    #[test]
    fn every_key_the_templates_and_pages_use_is_in_the_table() {
        let known: HashSet<&str> = keys().collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["templates/console", "src/console"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                sources.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
        let mut used = 0;
        for (name, text) in &sources {
            // Keys appear as calls of `s` with a literal, in templates and code alike; keys built at run time
            // (categories, report kinds) are checked below.
            for marker in [".s(\""] {
                for piece in text.split(marker).skip(1) {
                    let key = piece.split('"').next().unwrap();
                    if key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                        assert!(known.contains(key), "{name} uses {key}, which the table lacks");
                        used += 1;
                    }
                }
            }
        }
        assert!(used > 50, "the scan found the keys ({used})");
        for category in healthbook_protocol::hotline::QaCategory::ALL {
            assert!(known.contains(format!("category_{}", category.as_str()).as_str()));
        }
        for kind in healthbook_protocol::reports::ReportKind::ALL {
            assert!(known.contains(format!("report_{}", kind.as_str()).as_str()));
            assert!(known.contains(format!("report_{}_desc", kind.as_str()).as_str()));
        }
    }

    #[test]
    fn numbers_follow_the_language() {
        let (vi, en) = (Tr(Language::Vi), Tr(Language::En));
        assert_eq!(vi.count(1_234_567), "1.234.567");
        assert_eq!(en.count(1_234_567), "1,234,567");
        assert_eq!(en.count(999), "999");
        assert_eq!(en.count(-1000), "-1,000");
        assert_eq!(vi.measure(1234.56), "1.234,6");
        assert_eq!(en.measure(12.04), "12.0");
        assert_eq!(en.measure(-0.01), "0.0");
        assert_eq!(en.measure(f64::NAN), "");
        assert_eq!(en.pick("Xin chào", ""), "Xin chào");
        assert_eq!(vi.s("product"), "Healthbook — Bảng điều khiển");
    }
}
