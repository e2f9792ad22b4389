package org.healthbook.core.wrapper

import org.healthbook.core.Hotline
import org.healthbook.core.HotlineCategory
import org.healthbook.core.HotlineException as CoreHotlineException
import org.healthbook.core.HotlineNewQuestion
import org.healthbook.core.HotlineQaEntry
import org.healthbook.core.HotlineQaSetInfo
import org.healthbook.core.HotlineQuestion
import org.healthbook.core.HotlineQuestionField
import org.healthbook.core.HotlineQuestionKind
import org.healthbook.core.HotlineQuestionState

/** A refusal of a hotline operation, in words for the person (Vietnamese first); it never repeats what was typed. */
class HotlineException(message: String) : Exception(message)

/**
 * The real [HotlineRepository]: delegates to the Rust core's [Hotline] object. The Q&A set is cached by the core
 * and searched there (offline, diacritics and case ignored); questions go through the core's outbox. Offline,
 * [refreshQa] and [refreshQuestions] answer what the phone keeps instead of failing.
 */
class CoreHotlineRepository(private val hotline: Hotline) : HotlineRepository, AutoCloseable {
    override suspend fun refreshQa(province: String): QaSetInfo? = guarded {
        try {
            hotline.refreshQa(province)?.toScreen()
        } catch (e: CoreHotlineException) {
            if (!e.offline()) throw e
            hotline.qaInfo()?.toScreen()
        }
    }

    override suspend fun qaInfo(): QaSetInfo? = guarded { hotline.qaInfo()?.toScreen() }

    override suspend fun search(query: String, category: QaCategory?): List<QaEntry> =
        guarded { hotline.search(query, category?.let { HotlineCategory.valueOf(it.name) }).map { it.toScreen() } }

    override suspend fun ask(question: NewQuestion): CitizenQuestion = guarded {
        hotline.ask(
            HotlineNewQuestion(
                kind = HotlineQuestionKind.valueOf(question.kind.name),
                category = HotlineCategory.valueOf(question.category.name),
                province = question.province,
                ward = question.ward,
                text = question.text,
                venueId = question.venueId,
                contactPhone = question.contactPhone,
                language = question.language,
            ),
        ).toScreen()
    }

    override suspend fun questions(): List<CitizenQuestion> = guarded { hotline.questions().map { it.toScreen() } }

    override suspend fun refreshQuestions(): List<CitizenQuestion> = guarded {
        try {
            hotline.refreshQuestions().map { it.toScreen() }
        } catch (e: CoreHotlineException) {
            if (!e.offline()) throw e
            hotline.questions().map { it.toScreen() }
        }
    }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = hotline.close()

    private inline fun <T> guarded(block: () -> T): T = try {
        block()
    } catch (e: CoreHotlineException) {
        throw HotlineException(words(e))
    }

    companion object {
        private fun CoreHotlineException.offline(): Boolean =
            this is CoreHotlineException.NoServer || this is CoreHotlineException.Unreachable

        /** What the person reads for each refusal, Vietnamese first. */
        fun words(e: CoreHotlineException): String = when (e) {
            is CoreHotlineException.Invalid -> when (e.field) {
                HotlineQuestionField.PROVINCE -> "Hãy chọn tỉnh, thành phố. / Choose a province."
                HotlineQuestionField.WARD -> "Mã phường, xã phải có 5 chữ số. / The ward code must have 5 digits."
                HotlineQuestionField.TEXT -> "Hãy viết câu hỏi (tối đa 2.000 ký tự). / Write your question (at most 2,000 characters)."
                HotlineQuestionField.VENUE -> "Mã địa điểm không đúng; hãy quét lại tấm mã. / The venue id is not right; scan the poster again."
                HotlineQuestionField.PHONE -> "Số điện thoại di động không đúng. / This is not a Vietnamese mobile number."
                HotlineQuestionField.LANGUAGE -> "Ngôn ngữ không được hỗ trợ. / This language is not supported."
            }
            is CoreHotlineException.NoServer -> "Chưa cài máy chủ. / No server is set up."
            is CoreHotlineException.Unreachable -> "Không kết nối được máy chủ; thử lại sau. / The server can't be reached; try again later."
            is CoreHotlineException.Server -> "Máy chủ từ chối yêu cầu. / The server refused the request."
            is CoreHotlineException.DataKey, is CoreHotlineException.Storage -> "Lỗi lưu trữ trên máy. / Storage on this phone failed."
        }

        /** The screens' form of the cached set's info. */
        fun HotlineQaSetInfo.toScreen(): QaSetInfo = QaSetInfo(
            province = province,
            version = version.toInt(),
            publishedAt = publishedAt,
            entryCount = entryCount.toInt(),
            checkedAt = checkedAt,
        )

        /** The screens' form of a Q&A entry. */
        fun HotlineQaEntry.toScreen(): QaEntry = QaEntry(
            id = id,
            category = QaCategory.valueOf(category.name),
            questionVi = questionVi,
            answerVi = answerVi,
            questionEn = questionEn,
            answerEn = answerEn,
        )

        /**
         * The screens' form of one of the phone's questions. A question the server refused for good stays SENDING
         * in the core (it is still the outbox's item) with its reason; here it becomes REFUSED, since it will never
         * be sent and the person must not wait for it.
         */
        fun HotlineQuestion.toScreen(): CitizenQuestion {
            val refused = refusedReason?.takeIf { state == HotlineQuestionState.SENDING }
            return CitizenQuestion(
                id = id,
                kind = QuestionKind.valueOf(kind.name),
                category = QaCategory.valueOf(category.name),
                text = text,
                askedAt = askedAt,
                state = if (refused != null) QuestionState.REFUSED else QuestionState.valueOf(state.name),
                answer = answer,
                answeredAt = answeredAt,
                // A blank reason still means refused; the screens then show the plain words alone.
                refusedReason = refused,
            )
        }
    }
}
