package org.healthbook.core.wrapper

/**
 * An in-memory [SetupCheckRepository] for view model and screen tests; no native code. Each check returns
 * [steps] (the permission steps follow the facts passed in) and remembers the facts it was given.
 */
class FakeSetupCheckRepository(var steps: List<SetupStep> = sampleSetupSteps()) : SetupCheckRepository {
    val factsSeen = mutableListOf<PlatformFacts>()
    /** When set, the next check throws it (once). */
    var failNext: Exception? = null

    override suspend fun check(facts: PlatformFacts): List<SetupStep> {
        factsSeen += facts
        failNext?.let {
            failNext = null
            throw it
        }
        return steps.map { step ->
            val allowed = when (step.id) {
                "camera" -> facts.cameraAllowed
                "notifications" -> facts.notificationsAllowed
                "location" -> facts.locationAllowed
                else -> return@map step
            }
            when (allowed) {
                true -> step.copy(state = SetupState.OK, action = "")
                false -> step.copy(state = if (step.id == "location") SetupState.WARNING else SetupState.PROBLEM)
                null -> step.copy(state = SetupState.NOT_CHECKED, action = "")
            }
        }
    }
}

/** A phone halfway through its set-up, in the core's Vietnamese words. */
fun sampleSetupSteps(): List<SetupStep> = listOf(
    SetupStep("camera", "Máy ảnh", SetupState.OK, "Đã cho phép. Ứng dụng có thể quét mã QR ở nơi đến, thẻ và giấy thông hành.", "Mở Cài đặt của điện thoại, chọn ứng dụng Sổ sức khỏe, bật quyền này."),
    SetupStep("notifications", "Thông báo", SetupState.PROBLEM, "Chưa cho phép. Ứng dụng không thể báo khi có nguy cơ tiếp xúc, khi có kết quả xét nghiệm.", "Mở Cài đặt của điện thoại, chọn ứng dụng Sổ sức khỏe, bật quyền này."),
    SetupStep("location", "Vị trí", SetupState.WARNING, "Chưa cho phép. Ứng dụng không thể khai báo có mặt tại nơi cách ly.", "Mở Cài đặt của điện thoại, chọn ứng dụng Sổ sức khỏe, bật quyền này."),
    SetupStep("server", "Kết nối máy chủ", SetupState.OK, "Máy chủ trả lời bình thường.", ""),
    SetupStep("trust_list", "Danh sách tin cậy", SetupState.WARNING, "Đã cập nhật 30 giờ trước; sẽ hết hạn sau 42 giờ.", "Kết nối mạng để cập nhật."),
    SetupStep("profiles_bound", "Hồ sơ đã xác minh", SetupState.OK, "Mọi hồ sơ đã được xác minh (1).", ""),
    SetupStep("pass_fresh", "Thẻ thông hành", SetupState.PROBLEM, "Thẻ: 0/1 còn mới, 0 sắp cần làm mới, 1 chưa có hoặc đã hết hạn.", "Kết nối mạng rồi mở Thẻ thông hành của từng hồ sơ để lấy thẻ mới."),
    SetupStep("outbox_empty", "Dữ liệu chờ gửi", SetupState.OK, "Mọi dữ liệu đã được gửi.", ""),
)
