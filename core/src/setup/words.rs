//! The words of every step and outcome, in plain Vietnamese and English: what was found, and what to do.

use super::{SetupState, SetupStep, SetupStepId, Words};

/// What a step found, before it is put into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Found {
    /// The platform allows it.
    Allowed(SetupStepId),
    /// The platform refuses it; the state says how much that matters for this permission.
    Denied(SetupStepId, SetupState),
    /// The platform did not say.
    Unknown(SetupStepId),
    /// The step's data on this phone could not be read.
    Unreadable(SetupStepId),
    /// No server address is set.
    NoServer,
    /// `/healthz` answered OK.
    ServerAnswers,
    /// The server answered, with an error status.
    ServerUnwell { status: u16 },
    /// No answer in time, or no connection.
    ServerUnreachable,
    /// No verified trust list is kept (never fetched, or no root key pinned).
    NoTrustList,
    /// Within its due time.
    TrustFresh { age_hours: i64 },
    /// Past its due time, not yet past the maximum age.
    TrustDue { age_hours: i64, hours_left: i64 },
    /// Past its due time plus the maximum age: scans say the list is stale.
    TrustStale { age_hours: i64 },
    /// How many profiles, and how many of them are bound.
    Bindings { profiles: usize, bound: usize },
    /// No bound profile, so no pass to look at.
    NoBoundProfile,
    /// The kept passes of the bound profiles.
    Passes { fresh: usize, ageing: usize, missing: usize },
    /// Items waiting and items the server refused.
    Outbox { pending: usize, rejected: usize },
}

fn w(vi: impl Into<String>, en: impl Into<String>) -> Words {
    Words { vi: vi.into(), en: en.into() }
}

fn title(id: SetupStepId) -> Words {
    match id {
        SetupStepId::Camera => w("Máy ảnh", "Camera"),
        SetupStepId::Notifications => w("Thông báo", "Notifications"),
        SetupStepId::Location => w("Vị trí", "Location"),
        SetupStepId::Server => w("Kết nối máy chủ", "Server connection"),
        SetupStepId::TrustList => w("Danh sách tin cậy", "Trust list"),
        SetupStepId::ProfilesBound => w("Hồ sơ đã xác minh", "Verified profiles"),
        SetupStepId::PassFresh => w("Thẻ thông hành", "Health pass"),
        SetupStepId::OutboxEmpty => w("Dữ liệu chờ gửi", "Waiting to be sent"),
    }
}

/// Why each permission matters, said when it is allowed and when it is not.
fn permission_use(id: SetupStepId) -> (&'static str, &'static str) {
    match id {
        SetupStepId::Camera => ("quét mã QR ở nơi đến, thẻ và giấy thông hành", "scan QR codes at venues, cards and passes"),
        SetupStepId::Notifications => ("báo khi có nguy cơ tiếp xúc, khi có kết quả xét nghiệm", "warn of exposure and tell when a test result is ready"),
        _ => ("khai báo có mặt tại nơi cách ly", "check in while in quarantine at home"),
    }
}

fn step(id: SetupStepId, state: SetupState, detail: Words, action: Words) -> SetupStep {
    SetupStep { id, state, title: title(id), detail, action }
}

/// The step for what was found.
pub(super) fn describe(found: Found) -> SetupStep {
    use SetupState::{NotChecked, Ok, Problem, Warning};
    let none = Words::default;
    match found {
        Found::Allowed(id) => {
            let (vi, en) = permission_use(id);
            step(id, Ok, w(format!("Đã cho phép. Ứng dụng có thể {vi}."), format!("Allowed. The app can {en}.")), none())
        }
        Found::Denied(id, state) => {
            let (vi, en) = permission_use(id);
            step(
                id,
                state,
                w(format!("Chưa cho phép. Ứng dụng không thể {vi}."), format!("Not allowed. The app cannot {en}.")),
                w(
                    "Mở Cài đặt của điện thoại, chọn ứng dụng Sổ sức khỏe, bật quyền này.",
                    "Open the phone's Settings, choose the Healthbook app and turn this permission on.",
                ),
            )
        }
        Found::Unknown(id) => step(
            id,
            NotChecked,
            w("Không kiểm tra được trên thiết bị này.", "Cannot be checked on this device."),
            none(),
        ),
        Found::Unreadable(id) => step(
            id,
            Problem,
            w("Ứng dụng không đọc được dữ liệu của mình cho bước này.", "The app could not read its own data for this step."),
            w("Đóng hẳn ứng dụng rồi mở lại. Nếu vẫn lỗi, báo cho cán bộ hỗ trợ.", "Close the app completely and open it again. If it persists, tell a support officer."),
        ),
        Found::NoServer => step(
            SetupStepId::Server,
            Problem,
            w("Chưa có địa chỉ máy chủ.", "No server address is set."),
            w("Vào Cài đặt, nhập địa chỉ máy chủ do cơ quan y tế cung cấp.", "In Settings, enter the server address the health authority gave."),
        ),
        Found::ServerAnswers => step(SetupStepId::Server, Ok, w("Máy chủ trả lời bình thường.", "The server answers normally."), none()),
        Found::ServerUnwell { status } => step(
            SetupStepId::Server,
            Problem,
            w(format!("Máy chủ trả lời nhưng đang gặp sự cố (mã {status})."), format!("The server answers but has a problem (code {status}).")),
            w("Thử lại sau ít phút. Dữ liệu vẫn được giữ trên điện thoại.", "Try again in a few minutes. Data stays on the phone meanwhile."),
        ),
        Found::ServerUnreachable => step(
            SetupStepId::Server,
            Problem,
            w("Không kết nối được máy chủ.", "The server cannot be reached."),
            w("Bật Wi-Fi hoặc dữ liệu di động rồi kiểm tra lại.", "Turn on Wi-Fi or mobile data, then check again."),
        ),
        Found::NoTrustList => step(
            SetupStepId::TrustList,
            Problem,
            w("Chưa tải danh sách tin cậy: chưa kiểm tra được mã QR.", "No trust list yet: QR codes cannot be checked."),
            w("Kết nối mạng rồi bấm Đồng bộ (hoặc Kiểm tra lại).", "Connect to the internet, then tap Sync (or Check again)."),
        ),
        Found::TrustFresh { age_hours } => step(
            SetupStepId::TrustList,
            Ok,
            w(format!("Đã cập nhật {age_hours} giờ trước."), format!("Updated {age_hours} hours ago.")),
            none(),
        ),
        Found::TrustDue { age_hours, hours_left } => step(
            SetupStepId::TrustList,
            Warning,
            w(
                format!("Đã cập nhật {age_hours} giờ trước; sẽ hết hạn sau {hours_left} giờ."),
                format!("Updated {age_hours} hours ago; it goes out of date in {hours_left} hours."),
            ),
            w("Kết nối mạng để cập nhật.", "Connect to the internet to update it."),
        ),
        Found::TrustStale { age_hours } => step(
            SetupStepId::TrustList,
            Problem,
            w(format!("Đã quá hạn: cập nhật lần cuối {age_hours} giờ trước."), format!("Out of date: last updated {age_hours} hours ago.")),
            w("Kết nối mạng rồi bấm Đồng bộ.", "Connect to the internet, then tap Sync."),
        ),
        Found::Bindings { profiles: 0, .. } => step(
            SetupStepId::ProfilesBound,
            Problem,
            w("Chưa có hồ sơ nào trên điện thoại.", "There is no profile on this phone yet."),
            w("Thêm hồ sơ của chủ điện thoại.", "Add the phone owner's profile."),
        ),
        Found::Bindings { profiles, bound } if bound == profiles => step(
            SetupStepId::ProfilesBound,
            Ok,
            w(format!("Mọi hồ sơ đã được xác minh ({profiles})."), format!("Every profile is verified ({profiles}).")),
            none(),
        ),
        Found::Bindings { profiles, bound } => step(
            SetupStepId::ProfilesBound,
            if bound == 0 { Problem } else { Warning },
            w(format!("{bound}/{profiles} hồ sơ đã được xác minh."), format!("Verified: {bound} of {profiles} profiles.")),
            w(
                "Xác minh từng hồ sơ còn lại bằng mã SMS, hoặc nhờ cán bộ, tình nguyện viên xem căn cước.",
                "Verify each remaining profile with an SMS code, or have an officer or volunteer check the ID card.",
            ),
        ),
        Found::NoBoundProfile => step(
            SetupStepId::PassFresh,
            NotChecked,
            w("Chưa có hồ sơ đã xác minh nên chưa có thẻ.", "No verified profile yet, so no pass."),
            w("Xác minh hồ sơ trước (bước trên).", "Verify a profile first (step above)."),
        ),
        Found::Passes { fresh, ageing: 0, missing: 0 } => step(
            SetupStepId::PassFresh,
            Ok,
            w(format!("Mọi thẻ còn mới ({fresh})."), format!("Every pass is current ({fresh}).")),
            none(),
        ),
        Found::Passes { fresh, ageing, missing } => {
            let total = fresh + ageing + missing;
            let (state, action) = if missing > 0 {
                (Problem, w("Kết nối mạng rồi mở Thẻ thông hành của từng hồ sơ để lấy thẻ mới.", "Connect to the internet and open each profile's Health pass to get a new one."))
            } else {
                (Warning, w("Kết nối mạng để thẻ tự làm mới.", "Connect to the internet so the passes renew themselves."))
            };
            step(
                SetupStepId::PassFresh,
                state,
                w(
                    format!("{fresh}/{total} thẻ còn mới, {ageing} sắp cần làm mới, {missing} chưa có hoặc đã hết hạn."),
                    format!("Passes: {fresh} of {total} current, {ageing} due for renewal, {missing} missing or expired."),
                ),
                action,
            )
        }
        Found::Outbox { pending: 0, rejected: 0 } => {
            step(SetupStepId::OutboxEmpty, Ok, w("Mọi dữ liệu đã được gửi.", "Everything has been sent."), none())
        }
        Found::Outbox { pending, rejected: 0 } => step(
            SetupStepId::OutboxEmpty,
            Warning,
            w(format!("{pending} mục đang chờ gửi."), format!("Waiting to be sent: {pending}.")),
            w("Kết nối mạng; ứng dụng sẽ tự gửi.", "Connect to the internet; the app sends them by itself."),
        ),
        Found::Outbox { pending, rejected } => step(
            SetupStepId::OutboxEmpty,
            Problem,
            w(
                format!("{rejected} mục bị máy chủ từ chối, {pending} mục đang chờ gửi."),
                format!("Refused by the server: {rejected}; waiting to be sent: {pending}."),
            ),
            w("Mở Dữ liệu chờ gửi để xem lý do, sửa rồi gửi lại.", "Open Waiting to be sent to see why, fix them and send again."),
        ),
    }
}
