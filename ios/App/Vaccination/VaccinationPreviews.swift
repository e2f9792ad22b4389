import Foundation

/// Made-up data for the vaccination previews (the app uses the real services over the core).
enum VaccinationSamples {
    static let now = Date()
    static func day(_ offset: Int) -> Date { Calendar.current.startOfDay(for: now.addingTimeInterval(Double(offset) * 86_400)) }

    static let current = VaccinationCertificateItem(
        uvci: "URN:UVCI:01:VN:HCM/26734/00002#K", qr: "HC1:PREVIEW-ONLY", doseNumber: 2, seriesDoses: 2, product: "Comirnaty",
        date: day(-9), issuedAt: day(-9), expiresAt: day(261), replacedAt: nil
    )
    static let replaced = VaccinationCertificateItem(
        uvci: "URN:UVCI:01:VN:HCM/26734/00001#K", qr: "HC1:PREVIEW-OLD", doseNumber: 1, seriesDoses: 2, product: "Comirnaty",
        date: day(-40), issuedAt: day(-40), expiresAt: day(230), replacedAt: day(-9)
    )
    static let records = [
        VaccinationRecordItem(
            profileId: "p1", profileName: "Nguyễn Văn An", registered: true, priorityGroup: 4,
            doses: [
                VaccinationDoseItem(doseNumber: 1, date: day(-40), product: "Comirnaty", lot: "FF0001", selfReported: false, confirmed: true),
                VaccinationDoseItem(doseNumber: 2, date: day(-9), product: "Comirnaty", lot: "FF9999", selfReported: false, confirmed: true),
            ],
            nextDue: day(170), certificate: current, history: [replaced], refreshedAt: now.addingTimeInterval(-5_400)
        ),
        VaccinationRecordItem(
            profileId: "p2", profileName: "Trần Thị Bích Ngọc", registered: true, priorityGroup: 1,
            doses: [VaccinationDoseItem(doseNumber: 1, date: day(-1_600), product: "Vaxzevria", lot: nil, selfReported: true, confirmed: false)],
            nextDue: day(0), certificate: nil, history: [], refreshedAt: now.addingTimeInterval(-5_400)
        ),
        VaccinationRecordItem(profileId: "p3", profileName: "Lê Minh Đức", registered: false, priorityGroup: nil, doses: [], nextDue: nil, certificate: nil, history: [], refreshedAt: nil),
    ]
    static let invitation = VaccinationInvitationItem(
        invitationId: "i1", profileId: "p2", profileName: "Trần Thị Bích Ngọc", siteName: "Trạm y tế phường Bến Thành",
        siteAddress: "1 Lê Lợi, Phường Bến Thành", startsAt: day(1).addingTimeInterval(9 * 3_600), endsAt: day(1).addingTimeInterval(9.5 * 3_600),
        product: "AstraZeneca (Vaxzevria)", doseNumber: 2, state: .pending, answerBy: day(0).addingTimeInterval(22 * 3_600), answerPending: false
    )
    static let site = VaccinationSiteItem(siteId: "s-1", name: "Trạm y tế phường Bến Thành", address: "1 Lê Lợi, Phường Bến Thành")
    static let stock = [
        StockLotItem(product: "Comirnaty", productCode: "EU/1/20/1528", lot: "FF1234", remaining: 3),
        StockLotItem(product: "Comirnaty", productCode: "EU/1/20/1528", lot: "FF9999", remaining: 80),
    ]
}

/// An in-memory citizen service for previews: answers are taken at once, registration always succeeds.
final class PreviewVaccinationService: VaccinationServiceProxyProtocol {
    private var stored = VaccinationSamples.records
    private var invites = [VaccinationSamples.invitation]

    func records() async throws -> [VaccinationRecordItem] { stored }
    func refresh() async throws -> [VaccinationRecordItem] { stored }
    func invitations() async throws -> [VaccinationInvitationItem] { invites }

    func register(profileId: String, wardCode: String) async throws -> VaccinationRecordItem {
        guard let index = stored.firstIndex(where: { $0.profileId == profileId }) else { throw VaccinationRefusal(message: "Không tìm thấy hồ sơ.") }
        let r = stored[index]
        let registered = VaccinationRecordItem(
            profileId: r.profileId, profileName: r.profileName, registered: true, priorityGroup: r.priorityGroup, doses: r.doses,
            nextDue: r.nextDue, certificate: r.certificate, history: r.history, refreshedAt: Date()
        )
        stored[index] = registered
        return registered
    }

    func answer(invitationId: String, confirm: Bool) async throws -> VaccinationInvitationItem {
        guard let index = invites.firstIndex(where: { $0.invitationId == invitationId }) else { throw VaccinationRefusal(message: "Lời mời đã đóng.") }
        let i = invites[index]
        let answered = VaccinationInvitationItem(
            invitationId: i.invitationId, profileId: i.profileId, profileName: i.profileName, siteName: i.siteName, siteAddress: i.siteAddress,
            startsAt: i.startsAt, endsAt: i.endsAt, product: i.product, doseNumber: i.doseNumber, state: confirm ? .confirmed : .declined,
            answerBy: i.answerBy, answerPending: false
        )
        invites[index] = answered
        return answered
    }
}

/// An in-memory site service for previews: one site, one person behind any `HB1:`/`HK1:` code.
final class PreviewVaccinationSiteService: VaccinationSiteServiceProxyProtocol {
    private var lots = VaccinationSamples.stock

    func sites() async throws -> [VaccinationSiteItem] { [VaccinationSamples.site] }
    func stock(siteId: String) async throws -> [StockLotItem] { lots }

    func lookup(siteId: String, scanned: String) async throws -> DoseCandidateItem {
        guard scanned.hasPrefix("HB1:") || scanned.hasPrefix("HK1:") else { throw VaccinationRefusal(message: "Đây không phải thẻ thông hành hay thẻ kiểm soát.") }
        let record = VaccinationSamples.records[1]
        return DoseCandidateItem(personId: "person-2", fullName: record.profileName, birthYear: 1962, doses: record.doses, nextDoseNumber: 2, nextDue: record.nextDue, invitation: VaccinationSamples.invitation)
    }

    func recordDose(siteId: String, personId: String, productCode: String, lot: String, doseNumber: Int, date: Date, invitationId: String?) async throws -> RecordedDoseItem {
        guard let index = lots.firstIndex(where: { $0.productCode == productCode && $0.lot == lot }), lots[index].remaining > 0 else {
            throw VaccinationRefusal(message: "Lô này đã hết.")
        }
        let l = lots[index]
        lots[index] = StockLotItem(product: l.product, productCode: l.productCode, lot: l.lot, remaining: l.remaining - 1)
        let dose = VaccinationDoseItem(doseNumber: doseNumber, date: date, product: l.product, lot: lot, selfReported: false, confirmed: true)
        let certificate = VaccinationCertificateItem(
            uvci: "URN:UVCI:01:VN:PREVIEW#\(doseNumber)", qr: "HC1:PREVIEW-NEW", doseNumber: doseNumber, seriesDoses: max(2, doseNumber),
            product: l.product, date: date, issuedAt: Date(), expiresAt: date.addingTimeInterval(270 * 86_400), replacedAt: nil
        )
        return RecordedDoseItem(dose: dose, certificate: certificate)
    }
}
