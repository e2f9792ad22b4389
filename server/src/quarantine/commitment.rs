//! The commitment texts a person signs before home quarantine, as versioned data: a version is never changed
//! once published (its SHA-256 is what signatures cover); a new wording is a new version.

use healthbook_protocol::quarantine::CommitmentText;

use crate::util::sha256_hex;

/// Version 1, Vietnamese (the text signed).
const V1_VI: &str = "CAM KẾT CÁCH LY Y TẾ TẠI NHÀ

Tôi cam kết thực hiện cách ly tại nhà theo quyết định của cán bộ y tế, đến hết ngày cách ly ghi trong ứng dụng:

1. Ở trong nhà suốt thời gian cách ly. Không ra khỏi nhà, không tiếp khách. Chỉ ra ngoài khi cán bộ y tế cho phép, ví dụ đi khám bệnh.
2. Trả lời mọi yêu cầu điểm danh trong ứng dụng đúng giờ. Có khung giờ cố định mỗi ngày và có thể có yêu cầu bất ngờ, nhưng không có yêu cầu vào ban đêm (22:00 đến 06:00), trừ khi quyết định ghi rõ.
3. Luôn giữ điện thoại bên mình, bật nguồn, đã sạc pin, bật định vị và kết nối mạng. Không đưa điện thoại cho người khác dùng để điểm danh thay.
4. Khi được yêu cầu, quét mã dán trong nhà.

Nếu tôi lỡ một lần điểm danh hoặc lần điểm danh có điều cần xem lại, ứng dụng sẽ mở một hồ sơ. Tôi có 48 giờ để giải thích (ví dụ: điện thoại hết pin, đang ngủ, đi khám bệnh, không có sóng). Chưa có gì bị ghi nhận là vi phạm cho đến khi cán bộ y tế đọc giải thích của tôi (hoặc hết 48 giờ) và quyết định. Quyết định có thể là: không vi phạm, nhắc nhở, kéo dài thời gian cách ly theo quy định, hoặc chuyển đến ban chỉ đạo phường.

Dữ liệu: vị trí của tôi chỉ được lấy lúc điểm danh, không theo dõi liên tục. Sóng Wi-Fi và Bluetooth chỉ được lưu dưới dạng mã băm, không lưu tên hay địa chỉ thiết bị. Các lần điểm danh, bằng chứng và hồ sơ chỉ dùng cho việc theo dõi cách ly và được xóa 30 ngày sau khi kết thúc cách ly.";

/// Version 1, English (a translation for reading; the Vietnamese text is the one signed).
const V1_EN: &str = "COMMITMENT TO HOME QUARANTINE

I commit to quarantine at home as ordered by the health officer, until the end date shown in the app:

1. Stay inside my home for the whole quarantine. Do not leave the home or receive visitors. Go out only when a health officer allows it, for example to see a doctor.
2. Answer every check-in request in the app on time. There are fixed windows each day and there may be unannounced requests, but none at night (22:00 to 06:00) unless the order says so.
3. Keep my phone with me, switched on, charged, with location and the network on. Do not let anyone else check in for me.
4. When asked, scan the sticker placed inside my home.

If I miss a check-in, or a check-in has something to look at, the app opens a case. I have 48 hours to explain (for example: the battery died, I was asleep, a hospital visit, no signal). Nothing is recorded against me until a health officer has read my explanation (or the 48 hours have passed) and decided. The decision can be: no violation, a warning, an extension of the quarantine within the rules, or referral to the ward's committee.

Data: my location is taken only at a check-in, never continuously. Wi-Fi and Bluetooth signals are kept only as hashes, never device names or addresses. Check-ins, evidence and cases are used only to follow the quarantine and are deleted 30 days after the quarantine ends.";

/// Every published version: (version, vi, en).
const TEXTS: &[(u32, &str, &str)] = &[(1, V1_VI, V1_EN)];

/// The commitment text of `version`, with the SHA-256 of its Vietnamese text.
pub fn text(version: u32) -> Option<CommitmentText> {
    TEXTS.iter().find(|(v, _, _)| *v == version).map(|(version, vi, en)| CommitmentText {
        version: *version,
        vi: (*vi).to_owned(),
        en: (*en).to_owned(),
        sha256: sha256_hex(vi.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_one_is_published_with_the_hash_of_its_vietnamese_text() {
        let v1 = text(1).unwrap();
        assert_eq!(v1.sha256, sha256_hex(V1_VI.as_bytes()));
        assert_eq!(v1.sha256.len(), 64);
        assert!(v1.vi.contains("48 giờ") && v1.en.contains("48 hours"));
        assert!(text(2).is_none() && text(0).is_none());
    }
}
