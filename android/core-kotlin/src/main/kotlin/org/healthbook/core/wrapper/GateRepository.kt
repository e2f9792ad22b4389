package org.healthbook.core.wrapper

import java.time.Instant

/** Which way people pass the gate. */
enum class GateDirection { IN, OUT }

/** What the operator should do. */
enum class GateDecision { ADMIT, CHECK, REFUSE }

/** The gate this device is bound to. */
data class BoundGate(val gateId: String, val gateName: String, val venueName: String, val agencyName: String)

/** The outcome of one scan, in the app's language. */
data class GateScan(
    val decision: GateDecision,
    /** Large, simple words: "Mời vào" / "Admit", "Kiểm tra" / "Check", "Không cho vào" / "Refuse". */
    val headline: String,
    /** Why, in plain words (empty for an ordinary admit). */
    val reason: String,
    /** What the card says of its holder, to compare with an id card. */
    val holderName: String?,
    val birthYear: String?,
    /** "Personal pass", "EU DCC vaccination", ... in the app's language. */
    val cardLabel: String,
    val direction: GateDirection,
    val scannedAt: Instant,
    /** False when the same card was scanned the same way within the repeat window (not recorded twice). */
    val recorded: Boolean,
)

/** Passages waiting for upload. */
data class GateQueue(val pending: Int, val lastSyncAt: Instant?, val lastError: String?)

/** Why a gate action failed, in words for the operator. */
class GateException(message: String) : Exception(message)

/** The gate device's area as the view models see it. */
interface GateRepository {
    /** The gate this device is bound to, if any. */
    suspend fun boundGate(): BoundGate?
    /** Signs the operator in and binds this device to [gateId]; throws [GateException] (wrong password, not this agency's gate). */
    suspend fun bind(gateId: String, username: String, password: String): BoundGate
    /** Unbinds the device (refused while passages are waiting for upload). */
    suspend fun unbind()
    /** Verifies [qrText] offline and records the passage; never throws for a bad card (that is a REFUSE scan). */
    suspend fun scan(qrText: String, direction: GateDirection): GateScan
    /** The upload queue. */
    suspend fun queue(): GateQueue
    /** Uploads waiting passages in batches; returns the queue after it. */
    suspend fun sync(): GateQueue
}
