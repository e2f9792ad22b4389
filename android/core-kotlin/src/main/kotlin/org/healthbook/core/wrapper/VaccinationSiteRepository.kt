package org.healthbook.core.wrapper

import java.time.LocalDate

/** A vaccination site the health officer works at. */
data class VaccinationSiteInfo(val siteId: String, val name: String, val address: String)

/** A lot in the site's stock. */
data class StockLot(val product: String, val productCode: String, val lot: String, val remaining: Int)

/** What the site staff see after scanning a pass or control card. */
data class DoseCandidate(
    val personId: String,
    val fullName: String,
    val birthYear: Int,
    /** Doses so far (self-reported ones marked). */
    val doses: List<VaccinationDose>,
    val nextDoseNumber: Int,
    val nextDue: LocalDate?,
    /** Today's invitation at this site, if any. */
    val invitation: VaccinationInvitation?,
)

/** A dose recorded at the site and its new certificate. */
data class RecordedDose(val dose: VaccinationDose, val certificate: VaccinationCertificate)

/** The vaccination site's side: scan, look up, record a dose. */
interface VaccinationSiteRepository {
    /** Sites in the officer's area. */
    suspend fun sites(): List<VaccinationSiteInfo>
    /** The site's remaining doses by product and lot. */
    suspend fun stock(siteId: String): List<StockLot>
    /** Looks up the person whose pass (`HB1:`) or control card (`HK1:`) was scanned. */
    suspend fun lookup(siteId: String, scanned: String): DoseCandidate
    /** Records a dose (`productCode` as in [StockLot.productCode]); recording the same dose twice stores it once. */
    suspend fun recordDose(siteId: String, personId: String, productCode: String, lot: String, doseNumber: Int, date: LocalDate, invitationId: String?): RecordedDose
}
