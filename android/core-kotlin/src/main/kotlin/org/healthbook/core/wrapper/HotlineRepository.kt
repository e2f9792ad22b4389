package org.healthbook.core.wrapper

import java.time.Instant

/** What a hotline Q&A entry or a citizen's question is about (the wire names of protocol::hotline::QaCategory). */
enum class QaCategory { DECLARATIONS, PASS, CHECK_IN, QUARANTINE, TESTING, VACCINATION, TRAVEL, APP, OTHER }

/** One entry of the province's published Q&A set, in both languages (English may be empty: show Vietnamese). */
data class QaEntry(
    val id: String,
    val category: QaCategory,
    val questionVi: String,
    val answerVi: String,
    val questionEn: String,
    val answerEn: String,
)

/** Which published set the phone holds. */
data class QaSetInfo(
    val province: String,
    val version: Int,
    val publishedAt: Instant,
    val entryCount: Int,
    /** When the phone last checked the server successfully. */
    val checkedAt: Instant,
)

/** Question for the hotline, or a report of a problem (a venue that does not scan). */
enum class QuestionKind { QUESTION, REPORT }

/**
 * Where a citizen's question is; SENDING while it waits in the outbox, REFUSED when the server refused it for good
 * (it will never be sent: [CitizenQuestion.refusedReason] says why).
 */
enum class QuestionState {
    SENDING,
    RECEIVED,
    ASSIGNED,
    ANSWERED,
    CLOSED,
    /**
     * Not derived from the core's states: the core keeps a refused question SENDING with a reason, and the
     * repository makes it REFUSED, so that every `when` over the state has to say something else than "sending".
     */
    REFUSED,
}

/** What the citizen writes and chooses to add; nothing else is sent. */
data class NewQuestion(
    val kind: QuestionKind,
    val category: QaCategory,
    /** Two-digit province code of the hotline that answers. */
    val province: String,
    /** Five-digit ward code, only if the citizen chose one. */
    val ward: String?,
    val text: String,
    /** For a report about a venue: the venue id read from its poster. */
    val venueId: String?,
    /** A call-back number, only if the citizen chose to give one. */
    val contactPhone: String?,
    /** "vi" or "en". */
    val language: String,
)

/** One of the phone's own questions with its answer once given. */
data class CitizenQuestion(
    val id: String,
    val kind: QuestionKind,
    val category: QaCategory,
    val text: String,
    val askedAt: Instant,
    val state: QuestionState,
    val answer: String?,
    val answeredAt: Instant?,
    /**
     * The core's technical reason (status and code) when [state] is REFUSED, else null. The screens lead with
     * plain words and show this small, for someone helping the person or calling the hotline.
     */
    val refusedReason: String? = null,
)

/** The hotline on the phone: the cached Q&A set searched offline, and the citizen's own questions. */
interface HotlineRepository {
    /** Fetches a newer published set of `province` if there is one; offline, answers the cached set's info. */
    suspend fun refreshQa(province: String): QaSetInfo?
    /** The cached set's info, or null before the first successful fetch. */
    suspend fun qaInfo(): QaSetInfo?
    /** Searches the cached set offline, insensitive to case and diacritics ("khai bao" finds "khai báo"),
     *  in both languages; an empty query lists the entries (of `category` when given). */
    suspend fun search(query: String, category: QaCategory?): List<QaEntry>
    /** Queues a question or report in the outbox and tries to send it; answers it (SENDING until delivered). */
    suspend fun ask(question: NewQuestion): CitizenQuestion
    /** The phone's questions as last stored, newest first (offline). */
    suspend fun questions(): List<CitizenQuestion>
    /** Sends what waits in the outbox and fetches states and answers; offline, answers the stored list. */
    suspend fun refreshQuestions(): List<CitizenQuestion>
}
