package org.healthbook.core.wrapper

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.healthbook.core.AttestationCode
import org.healthbook.core.Binding
import org.healthbook.core.BindingList
import org.healthbook.core.PersonException
import org.healthbook.core.Persons
import org.healthbook.core.SmsChallenge

/**
 * Bindings of the phone's profiles to person records on the server, as the binding screen sees them: a plain
 * interface, so [PersonBindingViewModel] can be tested with a fake (the Element X "wrapper" pattern).
 *
 * Every call may throw [PersonException].
 */
interface PersonBindingRepository {
    /** The bindings (of [profileId] only, when given) from the server; the kept ones, `online` false, when it can't be reached. */
    suspend fun bindings(profileId: String?): BindingList

    /** The kept bindings, without touching the network. */
    suspend fun keptBindings(profileId: String?): List<Binding>

    /**
     * Asks the server to send a code by SMS for [profileId], with the profile's name, birth year, citizen id
     * (or [citizenId]) and phone (or [phone]). A known person's code goes to the number on record: show
     * [SmsChallenge.sentTo].
     */
    suspend fun startSmsBinding(profileId: String, citizenId: String?, phone: String?): SmsChallenge

    /** The SMS challenge started for [profileId] that has not expired, if any (a code may arrive after a restart). */
    suspend fun pendingChallenge(profileId: String): SmsChallenge?

    /** Sends the code for [challengeId]; throws [PersonException.WrongCode] with the attempts left. */
    suspend fun verifyCode(challengeId: String, code: String): Binding

    /** A code to show (as text and QR) to an officer or volunteer who checks the id card. */
    suspend fun startAttestation(profileId: String): AttestationCode

    /** Removes this phone's binding of [profileId] (and its kept pass). */
    suspend fun unbind(profileId: String)

    /** Removes another phone's binding to the person [profileId] is bound to. */
    suspend fun removeOtherDevice(profileId: String, device: String): BindingList

    /** The QR code of [text] as a PNG for the screen, [scale] pixels per module. */
    suspend fun qrPng(text: String, scale: Int): ByteArray
}

/** The real [PersonBindingRepository]: delegates to the Rust core's [Persons] object. */
class RustPersonBindingRepository(private val persons: Persons) : PersonBindingRepository, AutoCloseable {
    override suspend fun bindings(profileId: String?): BindingList = persons.bindings(profileId)

    override suspend fun keptBindings(profileId: String?): List<Binding> = persons.keptBindings(profileId)

    override suspend fun startSmsBinding(profileId: String, citizenId: String?, phone: String?): SmsChallenge =
        persons.startSmsBinding(profileId, citizenId, phone)

    override suspend fun pendingChallenge(profileId: String): SmsChallenge? = persons.pendingChallenge(profileId)

    override suspend fun verifyCode(challengeId: String, code: String): Binding = persons.verifyCode(challengeId, code)

    override suspend fun startAttestation(profileId: String): AttestationCode = persons.startAttestation(profileId)

    override suspend fun unbind(profileId: String) = persons.unbind(profileId)

    override suspend fun removeOtherDevice(profileId: String, device: String): BindingList =
        persons.removeOtherDevice(profileId, device)

    // Rendering is blocking native work: keep it off the caller's (main) thread.
    override suspend fun qrPng(text: String, scale: Int): ByteArray =
        withContext(Dispatchers.Default) { org.healthbook.core.qrPng(text, scale.coerceAtLeast(1).toUInt()) }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = persons.close()
}
