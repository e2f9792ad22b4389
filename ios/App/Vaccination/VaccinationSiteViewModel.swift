import Foundation

/// View model of the vaccination site; mirrors the Kotlin `VaccinationSiteViewModel`: pick a site, its stock,
/// scan a pass or control card, check the person and record the dose with product and lot from the stock and
/// the dose number prefilled; the new certificate shows as confirmation. Failures are catalog keys, or the
/// core's words for a refusal.
@MainActor
final class VaccinationSiteViewModel: ObservableObject {
    enum Field: Hashable { case lot, doseNumber }

    /// A failed action: a String Catalog key, or the core's words when it refused.
    enum Failure: Equatable {
        case key(String)
        case refused(String)
    }

    @Published private(set) var loading = true
    @Published private(set) var sites: [VaccinationSiteItem] = []
    @Published private(set) var site: VaccinationSiteItem?
    @Published private(set) var stock: [StockLotItem] = []
    @Published private(set) var looking = false
    @Published private(set) var candidate: DoseCandidateItem?
    @Published var lot: StockLotItem? {
        didSet { problems.remove(.lot) }
    }
    @Published var doseNumber = "" {
        didSet { problems.remove(.doseNumber) }
    }
    @Published private(set) var problems: Set<Field> = []
    @Published private(set) var recording = false
    @Published private(set) var recorded: RecordedDoseItem?
    @Published private(set) var certificatePng: Data?
    @Published private(set) var failure: Failure?

    private let service: VaccinationSiteServiceProxyProtocol
    private let qrPng: (String) -> Data?
    private let today: () -> Date

    init(service: VaccinationSiteServiceProxyProtocol, qrPng: @escaping (String) -> Data?, today: @escaping () -> Date = { Date() }) {
        self.service = service
        self.qrPng = qrPng
        self.today = today
        reload()
    }

    func dismissFailure() { failure = nil }

    func reload() {
        Task {
            do {
                sites = try await service.sites()
                // One site: no need to choose.
                if site == nil, sites.count == 1 { await pick(sites[0].siteId) }
            } catch {
                failure = .key("site.errorLoad")
            }
            loading = false
        }
    }

    func pick(_ siteId: String) async {
        guard let chosen = sites.first(where: { $0.siteId == siteId }) else { return }
        site = chosen
        next()
        await refreshStock()
    }

    func changeSite() {
        site = nil
        stock = []
        next()
    }

    func refreshStock() async {
        guard let site = site else { return }
        do {
            let lots = try await service.stock(siteId: site.siteId)
            stock = lots
            // The chosen lot keeps its place with the new figure; a lot that ran out is no longer chosen.
            let chosen = lot.flatMap { l in lots.first { $0.productCode == l.productCode && $0.lot == l.lot && $0.remaining > 0 } }
            lot = chosen ?? candidate.flatMap { Self.prefillLot($0, lots) }
        } catch let refusal as VaccinationRefusal {
            failure = .refused(refusal.message)
        } catch {
            failure = .key("site.errorStock")
        }
    }

    func scan(_ text: String) {
        guard let site = site else { return }
        looking = true
        failure = nil
        Task {
            do {
                let found = try await service.lookup(siteId: site.siteId, scanned: text.trimmingCharacters(in: .whitespaces))
                candidate = found
                lot = Self.prefillLot(found, stock)
                doseNumber = String(found.nextDoseNumber)
                recorded = nil
                certificatePng = nil
                problems = []
            } catch let refusal as VaccinationRefusal {
                failure = .refused(refusal.message)
            } catch {
                failure = .key("site.errorLookup")
            }
            looking = false
        }
    }

    func record() {
        guard !recording, recorded == nil, let site = site, let candidate = candidate else { return }
        var found: Set<Field> = []
        if lot == nil || lot!.remaining <= 0 { found.insert(.lot) }
        let number = Int(doseNumber.trimmingCharacters(in: .whitespaces))
        if number == nil || !(1...6).contains(number!) { found.insert(.doseNumber) }
        problems = found
        guard found.isEmpty, let lot = lot, let number = number else { return }
        recording = true
        failure = nil
        Task {
            do {
                let done = try await service.recordDose(
                    siteId: site.siteId, personId: candidate.personId, productCode: lot.productCode, lot: lot.lot, doseNumber: number,
                    date: today(), invitationId: candidate.invitation?.invitationId
                )
                recorded = done
                certificatePng = qrPng(done.certificate.qr)
                // The stock went down by the dose just given: show the server's figure.
                await refreshStock()
            } catch let refusal as VaccinationRefusal {
                failure = .refused(refusal.message)
            } catch {
                failure = .key("site.errorRecord")
            }
            recording = false
        }
    }

    /// Clears the person and the confirmation: the next person steps up.
    func next() {
        candidate = nil
        lot = nil
        doseNumber = ""
        problems = []
        recorded = nil
        certificatePng = nil
    }

    /// The lot to prefill, as in Kotlin `prefillLot`: the invited product, else the last dose's product, else the
    /// only product in stock; among lots of one product, the one with the fewest doses left.
    static func prefillLot(_ candidate: DoseCandidateItem, _ stock: [StockLotItem]) -> StockLotItem? {
        let available = stock.filter { $0.remaining > 0 }
        func of(_ product: String?) -> StockLotItem? {
            guard let product else { return nil }
            return available.filter { $0.product.caseInsensitiveCompare(product) == .orderedSame }.min { $0.remaining < $1.remaining }
        }
        if let l = of(candidate.invitation?.product) { return l }
        if let l = of(candidate.doses.max(by: { $0.doseNumber < $1.doseNumber })?.product) { return l }
        return Set(available.map(\.productCode)).count == 1 ? available.min { $0.remaining < $1.remaining } : nil
    }
}
