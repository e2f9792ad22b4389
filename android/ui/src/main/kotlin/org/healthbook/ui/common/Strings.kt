package org.healthbook.ui.common

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.runtime.staticCompositionLocalOf
import org.healthbook.core.Language

/**
 * Every fixed text of the screens, in Vietnamese and English, in one table. Vietnamese is the default; the
 * language comes from the settings through [LocalLanguage]. Texts that come from the core (form labels,
 * field errors, verdict messages) arrive already localised and are not repeated here.
 */
enum class Str(val vi: String, val en: String) {
    AppName("Sổ sức khỏe", "Healthbook"),
    Back("Quay lại", "Back"),
    Save("Lưu", "Save"),
    Cancel("Hủy", "Cancel"),
    Retry("Thử lại", "Retry"),
    Dismiss("Đóng", "Dismiss"),
    Loading("Đang tải…", "Loading…"),
    LanguageTitle("Ngôn ngữ", "Language"),
    Vietnamese("Tiếng Việt", "Vietnamese"),
    English("Tiếng Anh", "English"),
    Server("Máy chủ", "Server"),
    ServerUrl("Địa chỉ máy chủ", "Server address"),
    ServerUrlInvalid("Địa chỉ phải bắt đầu bằng https:// (hoặc http:// khi thử nghiệm).", "The address must start with https:// (or http:// for testing)."),

    FirstStartTitle("Chào mừng", "Welcome"),
    FirstStartIntro("Chọn ngôn ngữ và máy chủ. Khóa gốc của Bộ Y tế đã có sẵn trong ứng dụng.", "Choose a language and a server. The health authority's root key comes with the app."),
    RootKey("Khóa gốc (dấu vân tay)", "Root key (fingerprint)"),
    RootKeyMissing("Ứng dụng không có khóa gốc: không thể kiểm tra giấy tờ.", "The app carries no root key: credentials can't be checked."),
    Continue("Tiếp tục", "Continue"),

    Profiles("Hồ sơ", "Profiles"),
    NoProfiles("Chưa có hồ sơ nào. Thêm hồ sơ của bạn trước.", "No profiles yet. Add your own first."),
    AddProfile("Thêm hồ sơ", "Add profile"),
    EditProfile("Sửa hồ sơ", "Edit profile"),
    RemoveProfile("Xóa hồ sơ", "Remove profile"),
    RemoveConfirm("Xóa hồ sơ này khỏi điện thoại?", "Remove this profile from the phone?"),
    Remove("Xóa", "Remove"),
    Relation("Quan hệ", "Relation"),
    RelationMyself("Bản thân", "Myself"),
    RelationFamily("Người nhà", "Family member"),
    RelationManaged("Người được tình nguyện viên quản lý", "Managed by a volunteer"),
    FullName("Họ và tên", "Full name"),
    BirthYearOnly("Chỉ biết năm sinh", "Birth year only"),
    BirthFullDate("Ngày sinh đầy đủ", "Full birth date"),
    BirthYear("Năm sinh", "Birth year"),
    BirthMonth("Tháng", "Month"),
    BirthDay("Ngày", "Day"),
    Phone("Số điện thoại", "Phone number"),
    CitizenId("Số CCCD", "Citizen ID number"),
    Province("Tỉnh/thành phố", "Province or city"),
    Ward("Phường/xã", "Ward or commune"),
    Street("Số nhà, đường", "House number and street"),
    SearchHint("Gõ tên hoặc mã để tìm", "Type a name or code to search"),
    NoMatch("Không tìm thấy", "No match"),
    Born("Sinh", "Born"),
    ErrorDuplicateCitizenId("Số CCCD này đã có trong một hồ sơ khác.", "This citizen ID is already in another profile."),
    ErrorSelfExists("Điện thoại đã có hồ sơ của chính bạn.", "This phone already has your own profile."),
    ErrorNotFound("Không còn tìm thấy mục này.", "This item no longer exists."),
    ErrorUnavailable("Không đọc được dữ liệu trên điện thoại. Hãy thử lại.", "The phone's data could not be read. Please try again."),
    ErrorRequired("Vui lòng điền.", "Please fill this in."),

    Declaration("Khai báo", "Declaration"),
    Submit("Gửi khai báo", "Submit declaration"),
    Submitting("Đang lưu…", "Saving…"),
    Submitted("Đã lưu. Tờ khai sẽ được gửi khi có mạng.", "Saved. It will be sent when there is a connection."),
    Yes("Có", "Yes"),
    No("Không", "No"),
    Required("bắt buộc", "required"),
    DateHint("YYYY-MM-DD", "YYYY-MM-DD"),
    ErrorNoServer("Chưa chọn máy chủ: hãy vào Cài đặt.", "No server is set: open Settings."),
    ErrorOffline("Không kết nối được máy chủ. Dữ liệu vẫn được giữ và sẽ gửi sau.", "The server can't be reached. Nothing is lost; it will be sent later."),
    ErrorServer("Máy chủ từ chối hoặc gặp lỗi.", "The server refused or failed."),
    ErrorSignIn("Máy chủ không chấp nhận thiết bị này.", "The server did not accept this device."),
    ErrorInvalidProfile("Hồ sơ thiếu thông tin: hãy sửa hồ sơ trước.", "The profile is incomplete: fix it first."),
    ErrorUnknownForm("Mẫu khai báo này không còn dùng.", "This form is no longer in use."),

    Outbox("Chờ gửi", "Waiting to send"),
    OutboxEmpty("Mọi thứ đã được gửi.", "Everything has been sent."),
    SyncNow("Gửi ngay", "Send now"),
    Syncing("Đang gửi…", "Sending…"),
    Attempts("Số lần thử", "Attempts"),
    NextAttempt("Lần thử tiếp", "Next attempt"),
    StatePending("Đang chờ", "Waiting"),
    StateRejected("Bị từ chối", "Refused"),
    RefusedBanner("Máy chủ đã từ chối một mục. Xem lý do và sửa rồi thử lại.", "The server refused an item. See why, fix it and retry."),
    KindDeclaration("Tờ khai", "Declaration"),
    KindOther("Dữ liệu", "Data"),
    LastSyncUnreachable("Lần gửi trước: không kết nối được máy chủ.", "Last attempt: the server could not be reached."),

    Pass("Thẻ sức khỏe", "Health pass"),
    PassNone("Chưa có thẻ. Kết nối mạng để nhận thẻ.", "No pass yet. Connect to get one."),
    PassRefresh("Làm mới thẻ", "Refresh pass"),
    PassRefreshing("Đang làm mới…", "Refreshing…"),
    PassGreen("Xanh: được đi lại", "Green: free to move"),
    PassYellow("Vàng: cần thận trọng", "Yellow: take care"),
    PassRed("Đỏ: phải cách ly", "Red: must isolate"),
    PassUnknown("Trạng thái chưa rõ: hãy làm mới thẻ", "Unknown status: refresh the pass"),
    PassExpired("Thẻ đã hết hạn", "The pass has expired"),
    PassValidFor("Còn hiệu lực", "Valid for"),
    PassShownOffline("Đang hiện bản lưu trên máy (ngoại tuyến)", "Shown offline: the copy kept on this phone"),
    PassQr("Mã QR của thẻ sức khỏe", "Health pass QR code"),
    PassReasons("Lý do", "Reasons"),
    PassSwipeHint("Vuốt ngang để xem hồ sơ khác", "Swipe for the other profiles"),
    ErrorNotBound("Hồ sơ chưa được xác minh với máy chủ.", "This profile is not verified with the server yet."),
    ErrorUntrusted("Thẻ từ máy chủ không xác thực được; không lưu.", "The server's pass did not verify; it was not kept."),
    ErrorNoRootKey("Chưa có khóa gốc: không kiểm tra được giấy tờ.", "No root key: credentials can't be checked."),
    ErrorRender("Không vẽ được mã QR.", "The QR code could not be drawn."),

    Checkpoint("Chốt kiểm tra", "Checkpoint"),
    ScanInput("Nội dung mã QR đã quét", "Scanned QR content"),
    Check("Kiểm tra", "Check"),
    Checking("Đang kiểm tra…", "Checking…"),
    NextPerson("Người tiếp theo", "Next person"),
    VerdictValid("HỢP LỆ", "VALID"),
    VerdictInvalid("KHÔNG HỢP LỆ", "NOT VALID"),
    Holder("Người được cấp", "Holder"),
    HolderBirth("Ngày sinh", "Birth date"),
    Issuer("Nơi cấp", "Issuer"),
    DccSummary("Chứng nhận COVID số EU", "EU Digital COVID Certificate"),
    TrustStale("Danh sách tin cậy đã cũ: có thể thiếu các giấy bị thu hồi.", "The trust list is old: recent revocations may be missing."),
    CompareId("So sánh với giấy tờ tùy thân", "Compare with the ID card"),

    Settings("Cài đặt", "Settings"),
    Trust("Danh sách tin cậy", "Trust list"),
    TrustRefresh("Cập nhật danh sách tin cậy", "Refresh the trust list"),
    TrustRefreshing("Đang cập nhật…", "Refreshing…"),
    TrustNever("Chưa cập nhật lần nào.", "Never refreshed."),
    TrustVersion("Phiên bản", "Version"),
    TrustAge("Cập nhật", "Updated"),
    DccCertificates("Chứng chỉ EU DCC", "EU DCC certificates"),
    DccAdd("Thêm chứng chỉ", "Add certificate"),
    DccCertificate("Chứng chỉ (base64 DER)", "Certificate (base64 DER)"),
    DccNone("Chưa có chứng chỉ nào.", "No certificates yet."),
    ErrorBadCertificate("Chứng chỉ không dùng được.", "The certificate can't be used."),
    ErrorBadRootKey("Khóa gốc không hợp lệ.", "The root key is not valid."),

    Results("Kết quả xét nghiệm", "Test results"),
    ResultsNone("Chưa theo dõi mẫu xét nghiệm nào. Nhập mã trên biên nhận để theo dõi kết quả.", "No samples followed yet. Enter the code from your receipt to follow a result."),
    ResultsRefresh("Kiểm tra kết quả", "Check for results"),
    ResultsRefreshing("Đang kiểm tra…", "Checking…"),
    ResultsAdd("Thêm mẫu xét nghiệm", "Add a sample"),
    ResultsRegisterTitle("Đăng ký mẫu xét nghiệm", "Register a sample"),
    ResultsFor("Mẫu của ai?", "Whose sample is it?"),
    ResultsCode("Mã mẫu xét nghiệm", "Sample code"),
    ResultsCodeHint("Mã ngắn: 10 ký tự chữ và số (9 ký tự và 1 ký tự kiểm tra), dấu cách hay gạch ngang không quan trọng. Hoặc quét mã QR trên biên nhận.", "Short code: 10 letters and digits (9 characters and a check character); spaces and dashes don't matter. Or scan the QR on the receipt."),
    ResultsRegister("Đăng ký", "Register"),
    ResultsRegistering("Đang đăng ký…", "Registering…"),
    ResultsSampled("Lấy mẫu", "Sampled"),
    ResultsNotSampledYet("Cơ sở lấy mẫu chưa báo mẫu này.", "The sampling site has not reported this sample yet."),
    ResultsResultAt("Có kết quả", "Result"),
    ResultsNextCheck("Kiểm tra lại sau", "Next check in"),
    ResultsNextStep("Việc cần làm", "What to do"),
    ResultsOpen("Xem chi tiết", "Show details"),
    ResultsCertificate("Giấy chứng nhận xét nghiệm", "Test certificate"),
    ResultsCertificateQr("Mã QR của giấy chứng nhận xét nghiệm", "Test certificate QR code"),
    ResultsCertificateNoQr("Không vẽ được mã QR của giấy chứng nhận.", "The certificate's QR code could not be drawn."),
    ResultsKeep("Giữ giấy chứng nhận", "Keep the certificate"),
    ResultsKeepHint("Kết quả được xóa sau thời hạn lưu giữ (21 ngày) trừ khi bạn giữ giấy chứng nhận.", "Results are deleted after the retention period (21 days) unless you keep the certificate."),
    ResultsKept("Đã giữ giấy chứng nhận trên điện thoại này.", "The certificate is kept on this phone."),
    ErrorResultsLoad("Không đọc được các mẫu đã lưu. Hãy thử lại.", "The followed samples could not be read. Please try again."),
    ErrorResultsRegister("Chưa đăng ký được: không kết nối được máy chủ hoặc máy chủ gặp lỗi. Hãy thử lại.", "Not registered yet: the server could not be reached or failed. Please try again."),
    ErrorResultsRefresh("Không kiểm tra được kết quả mới; đang hiện kết quả đã biết.", "Could not check for new results; showing the last known."),
    ErrorResultsKeep("Không giữ được giấy chứng nhận. Hãy thử lại.", "The certificate could not be kept. Please try again."),
    ;

    /** This text in [language]. */
    fun of(language: Language): String = if (language == Language.EN) en else vi
}

/** The language the screens speak; Vietnamese unless the settings say otherwise. */
val LocalLanguage = staticCompositionLocalOf { Language.VI }

/** [key] in the current language. */
@Composable
@ReadOnlyComposable
fun tr(key: Str): String = key.of(LocalLanguage.current)

/** A duration in words ("2 ngày 3 giờ", "5 min"), never negative; for countdowns and ages. */
fun durationWords(seconds: Long, language: Language): String {
    val s = seconds.coerceAtLeast(0)
    val days = s / 86_400
    val hours = (s % 86_400) / 3_600
    val minutes = (s % 3_600) / 60
    val vi = language != Language.EN
    return when {
        days > 0 -> if (vi) "$days ngày $hours giờ" else "${days}d ${hours}h"
        hours > 0 -> if (vi) "$hours giờ $minutes phút" else "${hours}h ${minutes}min"
        minutes > 0 -> if (vi) "$minutes phút" else "$minutes min"
        else -> if (vi) "$s giây" else "$s s"
    }
}

/** "x ago" in words. */
fun agoWords(seconds: Long, language: Language): String {
    val d = durationWords(seconds, language)
    return if (language == Language.EN) "$d ago" else "$d trước"
}
