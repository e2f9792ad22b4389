package org.healthbook.core

import java.time.Instant
import java.util.concurrent.atomic.AtomicInteger

/** A location source that always gives [fix] and counts how often it was asked. */
class FixedFixSource(private val fix: QuarantineFix) : LocationSource {
    /** How many fixes were taken. */
    val calls = AtomicInteger()

    override fun currentFix(): QuarantineFix {
        calls.incrementAndGet()
        return fix
    }

    companion object {
        /** A good fused fix at the centre of a home in Ho Chi Minh City. */
        fun atHome(at: Instant = Instant.now()) =
            FixedFixSource(QuarantineFix(10.7769, 106.7009, 12.0, QuarantineFixSource.FUSED, false, at))
    }
}

/** A radio scanner backed by lists, counting its scans. */
class ListRadioScanner(private val wifi: List<String>, private val bluetooth: List<String> = emptyList()) : RadioScanner {
    /** How many scans were made. */
    val calls = AtomicInteger()

    override fun scan(): QuarantineRadioScan {
        calls.incrementAndGet()
        return QuarantineRadioScan(wifi, bluetooth)
    }
}

/** A location source that fails as a phone without the permission (or with location off) does. */
class FailingLocationSource(private val error: QuarantineSensorException = QuarantineSensorException.PermissionDenied()) : LocationSource {
    /** How many fixes were asked for. */
    val calls = AtomicInteger()

    override fun currentFix(): QuarantineFix {
        calls.incrementAndGet()
        throw error
    }
}
