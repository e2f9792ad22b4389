package org.healthbook.core

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.healthbook.core.wrapper.CoreHotlineRepository
import org.healthbook.core.wrapper.HotlineException
import org.healthbook.core.wrapper.NewQuestion
import org.healthbook.core.wrapper.QaCategory
import org.healthbook.core.wrapper.QuestionKind
import org.healthbook.core.wrapper.QuestionState
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The hotline through [CoreHotlineRepository] against the real reference server: an officer publishes the
 * province's Q&A set, the phone caches it and searches it without diacritics, also once the server is gone; a
 * question goes to the inbox and the officer's answer comes back; offline, the repository answers what it keeps.
 */
class HotlineTest {
    @TempDir lateinit var dir: File

    private fun ReferenceServer.put(path: String, token: String, json: String) {
        val request = HttpRequest.newBuilder(URI("$baseUrl$path"))
            .timeout(Duration.ofSeconds(5))
            .header("content-type", "application/json")
            .header("idempotency-key", UUID.randomUUID().toString())
            .header("authorization", "Bearer $token")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() !in 200..299) fail<Nothing>("PUT $path answered ${response.statusCode()}: ${response.body()}")
    }

    private fun newQuestion(text: String) = NewQuestion(
        kind = QuestionKind.REPORT,
        category = QaCategory.CHECK_IN,
        province = "79",
        ward = "26734",
        text = text,
        venueId = "venue-42",
        contactPhone = null,
        language = "vi",
    )

    @Test
    fun `the published set is searched offline and a question's answer comes back`(): Unit = runBlocking {
        val port = freeLoopbackPort()
        val server = ReferenceServer.start(File(dir, "server"), port)
        withCore(File(dir, "phone")) { hb ->
            hb.settings().use { it.setServerUrl(server.baseUrl) }
            val repository = CoreHotlineRepository(hb.hotline())
            server.use {
                assertNull(repository.qaInfo())
                assertNull(repository.refreshQa("79"), "nothing published yet")
                val officer = server.staffToken("health_officer", "hotline-officer", """{"province": "79"}""")
                server.put(
                    "/v1/hotline/qa/79/draft/${UUID.randomUUID()}",
                    officer,
                    """{"category": "declarations", "question_vi": "Làm sao để khai báo y tế?", "answer_vi": "Mở mục Khai báo.",
                       "question_en": "How do I declare?", "answer_en": "Open Declarations."}""",
                )
                server.put(
                    "/v1/hotline/qa/79/draft/${UUID.randomUUID()}",
                    officer,
                    """{"category": "vaccination", "question_vi": "Đăng ký tiêm ở đâu?", "answer_vi": "Tại trạm y tế phường."}""",
                )
                server.postJson("/v1/hotline/qa/79/publish", officer, "{}")

                val info = repository.refreshQa("79") ?: fail("the published set is cached")
                assertEquals(listOf("79", 1, 2), listOf(info.province, info.version, info.entryCount))
                assertEquals(info, repository.qaInfo())
                assertEquals(1, repository.refreshQa("79")?.version, "unchanged: the server answers 304")
                assertEquals(listOf("Làm sao để khai báo y tế?"), repository.search("KHAI BAO", null).map { it.questionVi })
                assertEquals(2, repository.search("", null).size)
                assertTrue(repository.search("khai bao", QaCategory.VACCINATION).isEmpty())

                val asked = repository.ask(newQuestion("Quán cà phê ở hẻm 12 không quét được mã"))
                assertEquals(QuestionState.RECEIVED, asked.state)
                server.postJson("/v1/hotline/inbox/${asked.id}/answer", officer, """{"answer": "Đã báo ban quản lý; cảm ơn bạn."}""")
                val answered = repository.refreshQuestions().single()
                assertEquals(listOf<Any?>(asked.id, QuestionState.ANSWERED, "Đã báo ban quản lý; cảm ơn bạn."), listOf(answered.id, answered.state, answered.answer))

                val refused = assertThrows<HotlineException> { repository.ask(newQuestion("   ")) }
                assertTrue(refused.message!!.contains("2,000"), refused.message)
                val badPhone = assertThrows<HotlineException> { repository.ask(newQuestion("x").copy(contactPhone = "0281234567")) }
                assertFalse(badPhone.message!!.contains("0281234567"), "the number is not repeated")
            }

            // The server is gone: the cached set is still searched, the lists answer what the phone keeps.
            assertEquals(1, repository.refreshQa("79")?.version)
            assertEquals(listOf("Đăng ký tiêm ở đâu?"), repository.search("dang ky tiem", null).map { it.questionVi })
            assertEquals(QuestionState.ANSWERED, repository.refreshQuestions().single().state)
            val offline = repository.ask(newQuestion("Câu hỏi khi không có mạng"))
            assertEquals(QuestionState.SENDING, offline.state)
            assertEquals(listOf(offline.id, offline.id), listOf(repository.questions().first().id, repository.refreshQuestions().first().id))
            repository.close()
        }
    }
}
