package org.healthbook.core.wrapper

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.healthbook.core.HealthPass
import org.healthbook.core.PassException
import org.healthbook.core.Passes

/**
 * Personal health passes as the pass screen sees them: a plain interface, so the pass view model can be
 * tested with a fake (the Element X "wrapper" pattern, like [ProfileRepository]).
 *
 * Every call may throw [PassException].
 */
interface PassRepository {
    /** The pass kept on this phone for [profileId], without touching the network; null when none was fetched yet. */
    suspend fun kept(profileId: String): HealthPass?

    /**
     * Gets a fresh pass from the server, checks it against the trust list and keeps it. Throws
     * [PassException.Unreachable] when the server can't be reached (the kept pass stays), [PassException.NoServer]
     * when no server is configured, [PassException.Untrusted] when the server's pass does not verify.
     */
    suspend fun refresh(profileId: String): HealthPass

    /** The QR code of [text] as a PNG for the screen, [scale] pixels per module; throws [PassException.Render]. */
    suspend fun qrPng(text: String, scale: Int): ByteArray
}

/** The real [PassRepository]: delegates to the Rust core's [Passes] object and its QR renderer. */
class RustPassRepository(private val passes: Passes) : PassRepository, AutoCloseable {
    override suspend fun kept(profileId: String): HealthPass? = passes.kept(profileId)

    override suspend fun refresh(profileId: String): HealthPass = passes.refresh(profileId)

    /** The pass to show, refreshed by the core first when it is past half its life and the server answers. */
    suspend fun current(profileId: String): HealthPass? = passes.current(profileId)

    // Rendering is blocking native work: keep it off the caller's (main) thread.
    override suspend fun qrPng(text: String, scale: Int): ByteArray =
        withContext(Dispatchers.Default) { org.healthbook.core.qrPng(text, scale.coerceAtLeast(1).toUInt()) }

    /** The QR code of [text] as an SVG document for print, [sizeMm] millimetres wide. */
    suspend fun qrSvg(text: String, sizeMm: Int): String =
        withContext(Dispatchers.Default) { org.healthbook.core.qrSvg(text, sizeMm.coerceAtLeast(1).toUInt()) }

    /** Releases the Rust object now instead of waiting for the garbage collector. */
    override fun close() = passes.close()
}
