package org.healthbook.core.wrapper

import java.time.Duration
import java.time.Instant
import org.healthbook.core.AttestationCode
import org.healthbook.core.Binding
import org.healthbook.core.BindingList
import org.healthbook.core.BindingMethod
import org.healthbook.core.BoundPerson
import org.healthbook.core.OtherDevice
import org.healthbook.core.PersonException
import org.healthbook.core.PersonVerification
import org.healthbook.core.SmsChallenge

/**
 * An in-memory [PersonBindingRepository] for view model tests; no native code. The "server" sends [code] for
 * every SMS challenge and allows [maxAttempts] tries; [serverUp] false makes server calls throw
 * [PersonException.Unreachable]. [attest] plays the officer who binds a profile after checking the id card.
 */
class FakePersonBindingRepository(var now: Instant = Instant.parse("2021-08-15T08:00:00Z")) : PersonBindingRepository {
    /** What the server holds: profile id to binding. */
    val server = mutableMapOf<String, Binding>()
    /** What the phone kept from the last answer. */
    val kept = mutableMapOf<String, Binding>()
    val pending = mutableMapOf<String, SmsChallenge>()
    val calls = mutableListOf<String>()

    var serverUp = true
    var code = "123456"
    var maxAttempts = 5
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null

    private val attempts = mutableMapOf<String, Int>()
    private var challenges = 0

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    private fun online() {
        maybeFail()
        if (!serverUp) throw PersonException.Unreachable("connection refused")
    }

    fun binding(profileId: String, method: BindingMethod = BindingMethod.SMS, others: List<OtherDevice> = emptyList()) = Binding(
        profileId,
        BoundPerson("person-of-$profileId", "Nguyễn Văn An", 1990u.toUShort(), "01", PersonVerification.SELF_DECLARED),
        method,
        now,
        others,
    )

    /** An officer attests [profileId] on the server (the phone learns of it at its next list). */
    fun attest(profileId: String) {
        server[profileId] = binding(profileId, BindingMethod.ATTESTATION)
    }

    private fun list(profileId: String?): BindingList {
        kept.clear()
        kept.putAll(server)
        return BindingList(server.values.filter { profileId == null || it.profileId == profileId }, true)
    }

    override suspend fun bindings(profileId: String?): BindingList {
        calls += "bindings"
        return try {
            online()
            list(profileId)
        } catch (e: PersonException.Unreachable) {
            BindingList(keptBindings(profileId), false)
        }
    }

    override suspend fun keptBindings(profileId: String?): List<Binding> =
        kept.values.filter { profileId == null || it.profileId == profileId }

    override suspend fun startSmsBinding(profileId: String, citizenId: String?, phone: String?): SmsChallenge {
        calls += "startSms"
        online()
        challenges++
        val challenge = SmsChallenge("challenge-$challenges", profileId, "+84 9** *** *21", now.plus(Duration.ofMinutes(5)))
        pending[profileId] = challenge
        return challenge
    }

    override suspend fun pendingChallenge(profileId: String): SmsChallenge? = pending[profileId]?.takeIf { it.expiresAt.isAfter(now) }

    override suspend fun verifyCode(challengeId: String, code: String): Binding {
        calls += "verify"
        online()
        val challenge = pending.values.firstOrNull { it.challengeId == challengeId } ?: throw PersonException.ChallengeClosed()
        if (code.filter { it.isDigit() } != this.code) {
            val used = (attempts[challengeId] ?: 0) + 1
            attempts[challengeId] = used
            if (used >= maxAttempts) pending.remove(challenge.profileId)
            throw PersonException.WrongCode((maxAttempts - used).toUInt())
        }
        pending.remove(challenge.profileId)
        val binding = binding(challenge.profileId)
        server[challenge.profileId] = binding
        kept[challenge.profileId] = binding
        return binding
    }

    override suspend fun startAttestation(profileId: String): AttestationCode {
        calls += "startAttestation"
        online()
        return AttestationCode("attestation-1", profileId, "7K3M9QPX", now.plus(Duration.ofMinutes(15)))
    }

    override suspend fun unbind(profileId: String) {
        calls += "unbind"
        online()
        kept.remove(profileId)
        server.remove(profileId) ?: throw PersonException.NotBound(profileId)
    }

    override suspend fun removeOtherDevice(profileId: String, device: String): BindingList {
        calls += "removeOther"
        online()
        server[profileId]?.let { b -> server[profileId] = b.copy(otherDevices = b.otherDevices.filter { it.device != device }) }
        return list(null)
    }

    override suspend fun qrPng(text: String, scale: Int): ByteArray = byteArrayOf(scale.toByte()) + text.toByteArray()
}
