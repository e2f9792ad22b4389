package org.healthbook.core.wrapper

import java.text.Normalizer
import java.time.Instant

/**
 * An in-memory [HotlineRepository] for view model and screen tests; no native code. The search folds like
 * protocol::hotline::fold_for_search (marks dropped, đ to d, lower case, punctuation to spaces) and needs every
 * word of the query, as the core does. [offline] makes the refreshes answer what is stored and keeps asked
 * questions SENDING; [serverSet] is what the next [refreshQa] finds.
 */
class FakeHotlineRepository(var now: Instant = Instant.parse("2026-03-01T08:00:00Z")) : HotlineRepository {
    /** The stored set (what search sees). */
    val entries = mutableListOf<QaEntry>()
    var info: QaSetInfo? = null
    /** The set the server publishes: (info, entries), fetched at the next [refreshQa] when newer. */
    var serverSet: Pair<QaSetInfo, List<QaEntry>>? = null
    val questions = mutableListOf<CitizenQuestion>()
    /** What the server says of each question at the next [refreshQuestions] (state and answer), by id. */
    val serverStates = mutableMapOf<String, Pair<QuestionState, String?>>()
    val asked = mutableListOf<NewQuestion>()
    val calls = mutableListOf<String>()
    var offline = false
    /**
     * When set, the server refuses the next question asked for good with this reason (as the core's outbox does
     * with a 4xx): it comes back REFUSED with the reason, and stays so at every refresh.
     */
    var refuseNext: String? = null
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null
    private var nextId = 1

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun refreshQa(province: String): QaSetInfo? {
        calls += "refreshQa:$province"
        maybeFail()
        if (offline) return info
        val (newer, list) = serverSet ?: return info?.copy(checkedAt = now)?.also { info = it }
        if (newer.province == province && (info == null || newer.version > info!!.version || info!!.province != province)) {
            entries.clear()
            entries += list
            info = newer.copy(checkedAt = now, entryCount = list.size)
        } else {
            info = info?.copy(checkedAt = now)
        }
        return info
    }

    override suspend fun qaInfo(): QaSetInfo? {
        calls += "qaInfo"
        maybeFail()
        return info
    }

    override suspend fun search(query: String, category: QaCategory?): List<QaEntry> {
        calls += "search:$query:${category ?: ""}"
        maybeFail()
        val folded = fold(query)
        return entries.filter { entry ->
            (category == null || entry.category == category) &&
                fold(listOf(entry.questionVi, entry.answerVi, entry.questionEn, entry.answerEn).joinToString(" ")).let { text ->
                    folded.split(' ').filter { it.isNotEmpty() }.all { text.contains(it) }
                }
        }
    }

    override suspend fun ask(question: NewQuestion): CitizenQuestion {
        calls += "ask"
        maybeFail()
        asked += question
        val created = CitizenQuestion(
            id = "q${nextId++}", kind = question.kind, category = question.category, text = question.text, askedAt = now,
            state = if (offline) QuestionState.SENDING else QuestionState.RECEIVED, answer = null, answeredAt = null,
        ).let { q -> refuseNext?.let { reason -> q.copy(state = QuestionState.REFUSED, refusedReason = reason) } ?: q }
        refuseNext = null
        questions.add(0, created)
        return created
    }

    override suspend fun questions(): List<CitizenQuestion> {
        calls += "questions"
        maybeFail()
        return questions.toList()
    }

    override suspend fun refreshQuestions(): List<CitizenQuestion> {
        calls += "refreshQuestions"
        maybeFail()
        if (offline) return questions.toList()
        questions.replaceAll { q ->
            val (state, answer) = serverStates[q.id] ?: (if (q.state == QuestionState.SENDING) QuestionState.RECEIVED else q.state) to q.answer
            q.copy(state = state, answer = answer, answeredAt = if (answer != null) q.answeredAt ?: now else null)
        }
        return questions.toList()
    }

    companion object {
        /** Folds text for search the way protocol::hotline::fold_for_search does. */
        fun fold(text: String): String {
            val bare = Normalizer.normalize(text, Normalizer.Form.NFD)
                .filter { Character.getType(it) != Character.NON_SPACING_MARK.toInt() }
                .replace('đ', 'd').replace('Đ', 'd')
                .lowercase()
            return bare.split(Regex("[^\\p{L}\\p{N}]+")).filter { it.isNotEmpty() }.joinToString(" ")
        }

        fun entry(id: String, category: QaCategory, questionVi: String, answerVi: String, questionEn: String = "", answerEn: String = "") =
            QaEntry(id, category, questionVi, answerVi, questionEn, answerEn)

        /** A small set of province 79, in both languages except one entry not translated yet. */
        val sample: List<QaEntry> = listOf(
            entry(
                "e1", QaCategory.DECLARATIONS, "Làm sao để khai báo y tế cho con nhỏ?",
                "Thêm hồ sơ của con trong mục Hồ sơ (quan hệ: Người nhà), rồi chọn hồ sơ đó khi khai báo.",
                "How do I fill in a declaration for my child?",
                "Add your child's profile under Profiles (relation: Family member), then choose it when you declare.",
            ),
            entry(
                "e2", QaCategory.PASS, "Vì sao thẻ của tôi màu vàng?",
                "Thẻ vàng nghĩa là cần chú ý: xem lý do ghi dưới màu thẻ.",
                "Why is my pass yellow?", "Yellow means take care: the reasons are written under the colour.",
            ),
            entry("e3", QaCategory.CHECK_IN, "Quét mã ở cửa hàng không được thì làm gì?", "Nhập tay địa điểm, rồi gửi báo cáo về địa điểm đó qua mục Hỏi đáp."),
        )

        fun info(version: Int, at: Instant, count: Int = sample.size) = QaSetInfo("79", version, at.minusSeconds(86_400), count, at)
    }
}
