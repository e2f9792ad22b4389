package org.healthbook.core.wrapper

import java.time.LocalDate
import org.healthbook.core.Quarantine
import org.healthbook.core.QuarantineCase as CoreCase
import org.healthbook.core.QuarantineCheckIn as CoreCheckIn
import org.healthbook.core.QuarantineException as CoreQuarantineException
import org.healthbook.core.QuarantineExplanationReason as CoreExplanationReason
import org.healthbook.core.QuarantineOrder as CoreOrder
import org.healthbook.core.QuarantineSensorProblem

/**
 * A refusal of a home-quarantine operation, in words for the person (Vietnamese first); it names no one.
 * [offline] when the server could not be reached (or none is set up): nothing was refused, the person may try
 * again with a connection. Check-ins and explanations never fail offline: the core queues them.
 */
class QuarantineException(message: String, val offline: Boolean = false) : Exception(message)

/**
 * The real [QuarantineRepository]: delegates to the Rust core's [Quarantine] object, made with the shell's
 * sensors (`HealthbookCore.quarantine(location, radio)`). The core reads them only inside [checkIn] and
 * [enrol]. Check-ins and explanations are queued in the core's outbox and sent at once when the server can be
 * reached; the lists read the phone's store, so they work offline.
 */
class CoreQuarantineRepository(private val quarantine: Quarantine) : QuarantineRepository, AutoCloseable {
    override suspend fun refresh(): List<QuarantineOrder> = guarded { quarantine.refresh().map { it.toScreen() } }

    override suspend fun orders(): List<QuarantineOrder> = guarded { quarantine.orders().map { it.toScreen() } }

    override suspend fun commitment(orderId: String): QuarantineCommitment = guarded {
        val text = quarantine.commitment(orderId)
        QuarantineCommitment(version = text.version.toInt(), textVi = text.textVi, textEn = text.textEn)
    }

    override suspend fun signCommitment(orderId: String, version: Int): QuarantineOrder = guarded {
        require(version >= 0) { "a commitment version is never negative" }
        quarantine.signCommitment(orderId, version.toUInt()).toScreen()
    }

    override suspend fun enrol(orderId: String, homeToken: String): QuarantineOrder =
        guarded { quarantine.enrol(orderId, homeToken).toScreen() }

    override suspend fun checkIn(orderId: String, homeToken: String?): QuarantineCheckIn =
        guarded { quarantine.checkIn(orderId, homeToken).toScreen() }

    override suspend fun checkIns(orderId: String): List<QuarantineCheckIn> =
        guarded { quarantine.checkIns(orderId).map { it.toScreen() } }

    override suspend fun cases(orderId: String): List<QuarantineCase> = guarded { quarantine.cases(orderId).map { it.toScreen() } }

    override suspend fun explain(caseId: String, reason: ExplanationReason, text: String): QuarantineCase =
        guarded { quarantine.explain(caseId, CoreExplanationReason.valueOf(reason.name), text).toScreen() }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = quarantine.close()

    private inline fun <T> guarded(block: () -> T): T = try {
        block()
    } catch (e: CoreQuarantineException) {
        throw refusal(e)
    }

    companion object {
        /** The core's error as the screens get it: its words, and whether it only means the server was not reached. */
        fun refusal(e: CoreQuarantineException): QuarantineException =
            QuarantineException(words(e), offline = e is CoreQuarantineException.NoServer || e is CoreQuarantineException.Unreachable)

        private fun sensorWords(problem: QuarantineSensorProblem, what: String, whatVi: String): String = when (problem) {
            QuarantineSensorProblem.PERMISSION_DENIED ->
                "Hãy cho phép ứng dụng dùng $whatVi (chỉ khi trình diện). / Allow the app to use $what (only at check-ins)."
            QuarantineSensorProblem.UNAVAILABLE -> "Hãy bật $whatVi rồi thử lại. / Turn $what on and try again."
            QuarantineSensorProblem.TIMED_OUT -> "Không đọc được $whatVi kịp; thử lại gần cửa sổ. / $what took too long; try again near a window."
        }

        /** What the person reads for each refusal, Vietnamese first. */
        fun words(e: CoreQuarantineException): String = when (e) {
            is CoreQuarantineException.UnknownOrder -> "Không tìm thấy lệnh cách ly này trên máy. / This quarantine order is not on this phone."
            is CoreQuarantineException.UnknownCase -> "Không tìm thấy trường hợp này trên máy. / This case is not on this phone."
            is CoreQuarantineException.WrongCommitmentVersion ->
                "Bản cam kết đã thay đổi; hãy đọc bản mới. / The commitment has changed; read the new version."
            is CoreQuarantineException.CommitmentMismatch ->
                "Bản cam kết nhận được bị lỗi; thử lại sau. / The commitment text arrived damaged; try again later."
            is CoreQuarantineException.AlreadySigned -> "Bản cam kết đã được ký. / The commitment is already signed."
            is CoreQuarantineException.NotSigned -> "Hãy ký bản cam kết trước. / Sign the commitment first."
            is CoreQuarantineException.NotEnrolled -> "Hãy đăng ký nơi cách ly (quét mã dán trong nhà) trước. / Enrol the home (scan the sticker inside) first."
            is CoreQuarantineException.InvalidHomeToken ->
                "Đây không phải mã dán cách ly tại nhà. / This is not the home-quarantine sticker."
            is CoreQuarantineException.NotThisHome ->
                "Mã dán này là của một nhà khác. Hãy quét mã dán bên trong nơi bạn cách ly. / " +
                    "This sticker belongs to another home. Scan the sticker inside the home where you quarantine."
            is CoreQuarantineException.HomeTokenRequired ->
                "Lần trình diện này cần quét mã dán trong nhà. / This check-in needs the sticker inside the home scanned."
            is CoreQuarantineException.NoOpenChallenge -> "Hiện chưa đến giờ trình diện. / No check-in is open now."
            is CoreQuarantineException.AlreadyAnswered -> "Bạn đã trình diện lần này rồi. / You already checked in for this one."
            is CoreQuarantineException.OrderOver -> "Lệnh cách ly đã kết thúc. / The quarantine order is over."
            is CoreQuarantineException.Location -> sensorWords(e.reason, "location", "vị trí")
            is CoreQuarantineException.Radio -> sensorWords(e.reason, "Wi-Fi and Bluetooth scanning", "quét Wi-Fi và Bluetooth")
            is CoreQuarantineException.ExplanationTextRequired -> "Hãy ghi rõ lý do. / Say what happened."
            is CoreQuarantineException.ExplanationTooLong ->
                "Lời giải thích dài quá (tối đa 1.000 ký tự). / The explanation is too long (at most 1,000 characters)."
            is CoreQuarantineException.CaseClosed ->
                "Trường hợp này không còn nhận giải thích. / This case no longer takes an explanation."
            is CoreQuarantineException.NoServer -> "Chưa cài máy chủ. / No server is set up."
            is CoreQuarantineException.Unreachable ->
                "Không kết nối được máy chủ; thử lại sau. / The server can't be reached; try again later."
            is CoreQuarantineException.Server -> "Máy chủ từ chối yêu cầu. / The server refused the request."
            is CoreQuarantineException.Key, is CoreQuarantineException.Storage ->
                "Lỗi lưu trữ trên máy. / Storage on this phone failed."
        }

        /** The screens' form of a core order. */
        fun CoreOrder.toScreen(): QuarantineOrder = QuarantineOrder(
            orderId = orderId,
            profileId = profileId,
            profileName = profileName,
            homeAddress = homeAddress,
            startDate = LocalDate.parse(startDate),
            endsAt = endsAt,
            daysLeft = daysLeft.toInt(),
            extensionDays = extensionDays.toInt(),
            timeZone = timeZone,
            state = QuarantineOrderState.valueOf(state.name),
            openChallenge = openChallenge?.let {
                QuarantineChallenge(
                    challengeId = it.challengeId,
                    opensAt = it.opensAt,
                    closesAt = it.closesAt,
                    graceEndsAt = it.graceEndsAt,
                    homeTokenRequired = it.homeTokenRequired,
                    random = it.random,
                )
            },
            nextCheckInAt = nextCheckInAt,
            pendingCheckIns = pendingCheckIns.toInt(),
        )

        /** The screens' form of a core check-in. */
        fun CoreCheckIn.toScreen(): QuarantineCheckIn = QuarantineCheckIn(
            sequence = sequence?.toLong(),
            challengeId = challengeId,
            at = at,
            verdict = QuarantineVerdict.valueOf(verdict.name),
            reasons = reasons.map { QuarantineVerdictReason.valueOf(it.name) },
            refusedReason = refusedReason,
        )

        /** The screens' form of a core case. */
        fun CoreCase.toScreen(): QuarantineCase = QuarantineCase(
            caseId = caseId,
            orderId = orderId,
            checkIn = checkIn.toScreen(),
            state = QuarantineCaseState.valueOf(state.name),
            openedAt = openedAt,
            explainBy = explainBy,
            explanation = explanation?.let { ExplanationReason.valueOf(it.name) },
            explanationText = explanationText,
            explanationPending = explanationPending,
            decision = decision?.let { QuarantineDecision.valueOf(it.name) },
            decisionNote = decisionNote,
            decidedAt = decidedAt,
        )
    }
}
