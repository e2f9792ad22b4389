package org.healthbook.core.wrapper

import java.time.LocalDate

/**
 * An in-memory [VaccinationSiteRepository]: [people] by the scanned text, [stock] per site, doses recorded once
 * per person and dose number (a second recording returns the first), stock going down by each dose.
 */
class FakeVaccinationSiteRepository : VaccinationSiteRepository {
    val sites = mutableListOf<VaccinationSiteInfo>()
    val stock = mutableMapOf<String, MutableList<StockLot>>()
    val people = mutableMapOf<String, DoseCandidate>()
    val recorded = linkedMapOf<Pair<String, Int>, RecordedDose>()
    val calls = mutableListOf<String>()
    /** When set, the next call throws it (once). */
    var failNext: Exception? = null

    private fun maybeFail() {
        failNext?.let {
            failNext = null
            throw it
        }
    }

    override suspend fun sites(): List<VaccinationSiteInfo> {
        calls += "sites"
        maybeFail()
        return sites.toList()
    }

    override suspend fun stock(siteId: String): List<StockLot> {
        calls += "stock"
        maybeFail()
        return stock[siteId].orEmpty().toList()
    }

    override suspend fun lookup(siteId: String, scanned: String): DoseCandidate {
        calls += "lookup"
        maybeFail()
        if (!scanned.startsWith("HB1:") && !scanned.startsWith("HK1:")) throw VaccinationException("Đây không phải thẻ thông hành hay thẻ kiểm soát.")
        return people[scanned] ?: throw VaccinationException("Không tìm thấy người đăng ký với thẻ này.")
    }

    override suspend fun recordDose(
        siteId: String, personId: String, productCode: String, lot: String, doseNumber: Int, date: LocalDate, invitationId: String?,
    ): RecordedDose {
        calls += "record:$productCode:$lot:$doseNumber:$date:$invitationId"
        maybeFail()
        recorded[personId to doseNumber]?.let { return it }
        val lots = stock[siteId] ?: throw VaccinationException("Điểm tiêm không có lô này.")
        val index = lots.indexOfFirst { it.productCode == productCode && it.lot == lot }
        if (index < 0) throw VaccinationException("Điểm tiêm không có lô này.")
        val stockLot = lots[index]
        if (stockLot.remaining <= 0) throw VaccinationException("Lô này đã hết.")
        lots[index] = stockLot.copy(remaining = stockLot.remaining - 1)
        val dose = VaccinationDose(doseNumber, date, stockLot.product, lot, selfReported = false, confirmed = true)
        val certificate = FakeVaccinationRepository.certificate(doseNumber, 2.coerceAtLeast(doseNumber), date, product = stockLot.product)
        return RecordedDose(dose, certificate).also { recorded[personId to doseNumber] = it }
    }
}
