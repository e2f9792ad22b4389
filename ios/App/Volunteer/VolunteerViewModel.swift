import Foundation

/// View model of the volunteer screens; mirrors the Kotlin `VolunteerViewModel`: the people this volunteer
/// enrolled, the enrol form (checked field by field before anything is sent), consent, doses from paper and the
/// control card. Declaring on someone's behalf is the declaration screen with their profile. Failures are
/// catalog keys, or the core's words for a refusal; never the person's data.
@MainActor
final class VolunteerViewModel: ObservableObject {
    enum Page: Equatable {
        case people, enrol
        case person(String), consent(String), dose(String), card(String)
    }

    enum EnrolField: Hashable { case fullName, birthYear, citizenId, phone, province, ward }
    enum ConsentField: Hashable { case givenBy, method }
    enum DoseField: Hashable { case product, doseNumber, date }

    /// A failed action: a String Catalog key, or the core's words when it refused.
    enum Failure: Equatable {
        case key(String)
        case refused(String)
    }

    @Published private(set) var loading = true
    @Published private(set) var people: [EnrolledPerson] = []
    @Published var page: Page = .people {
        didSet {
            enrolErrors = []
            consentErrors = []
            doseErrors = []
            failure = nil
        }
    }
    @Published private(set) var busy = false
    @Published private(set) var enrolErrors: Set<EnrolField> = []
    @Published private(set) var consentErrors: Set<ConsentField> = []
    @Published private(set) var doseErrors: Set<DoseField> = []
    @Published private(set) var failure: Failure?
    @Published private(set) var cardPng: Data?

    private let service: VolunteerServiceProxyProtocol
    private let qrPng: (String) -> Data?
    private let today: () -> Date

    init(service: VolunteerServiceProxyProtocol, qrPng: @escaping (String) -> Data?, today: @escaping () -> Date = { Date() }) {
        self.service = service
        self.qrPng = qrPng
        self.today = today
        reload()
    }

    /// The person the page is about, if any.
    var person: EnrolledPerson? {
        switch page {
        case let .person(id), let .consent(id), let .dose(id), let .card(id): return people.first { $0.profileId == id }
        default: return nil
        }
    }

    func reload() {
        Task {
            do {
                people = try await service.people()
            } catch {
                failure = .key("volunteer.errorLoad")
            }
            loading = false
        }
    }

    func dismissFailure() { failure = nil }
    func enrolEdited(_ field: EnrolField) { enrolErrors.remove(field) }
    func consentEdited(_ field: ConsentField) { consentErrors.remove(field) }
    func doseEdited(_ field: DoseField) { doseErrors.remove(field) }

    func enrol(fullName: String, birthYear: String, citizenId: String, phone: String, provinceCode: String, wardCode: String) {
        let id = citizenId.filter { !$0.isWhitespace }
        let number = phone.filter { !$0.isWhitespace && $0 != "." && $0 != "-" }
        var problems: Set<EnrolField> = []
        if fullName.trimmingCharacters(in: .whitespaces).isEmpty { problems.insert(.fullName) }
        let year = Int(birthYear.trimmingCharacters(in: .whitespaces))
        let thisYear = Calendar(identifier: .gregorian).component(.year, from: today())
        if year == nil || year! < 1900 || year! > thisYear { problems.insert(.birthYear) }
        if !(id.count == 12 || id.count == 9) || !id.allSatisfy(\.isASCIIDigit) { problems.insert(.citizenId) }
        if !number.isEmpty && !Self.isPhone(number) { problems.insert(.phone) }
        if !Self.digits(provinceCode, 2) { problems.insert(.province) }
        if !Self.digits(wardCode, 5) { problems.insert(.ward) }
        enrolErrors = problems
        guard problems.isEmpty, let year else { return }
        act {
            let person = try await self.service.enrol(
                fullName: fullName.trimmingCharacters(in: .whitespaces), birthYear: year, citizenId: id,
                phone: number.isEmpty ? nil : number,
                provinceCode: provinceCode.trimmingCharacters(in: .whitespaces), wardCode: wardCode.trimmingCharacters(in: .whitespaces)
            )
            // Consent comes right after enrolling: nothing can be done for the person without it.
            return (person, .consent(person.profileId))
        }
    }

    func recordConsent(profileId: String, givenBy: String, method: ConsentWay?) {
        var problems: Set<ConsentField> = []
        if givenBy.trimmingCharacters(in: .whitespaces).isEmpty { problems.insert(.givenBy) }
        if method == nil { problems.insert(.method) }
        consentErrors = problems
        guard problems.isEmpty, let method else { return }
        act {
            let person = try await self.service.recordConsent(profileId: profileId, givenBy: givenBy.trimmingCharacters(in: .whitespaces), method: method)
            return (person, .person(person.profileId))
        }
    }

    /// `date` as on paper cards, `d/M/yyyy`.
    func recordDose(profileId: String, product: String, doseNumber: String, date: String, lot: String) {
        var problems: Set<DoseField> = []
        if product.trimmingCharacters(in: .whitespaces).isEmpty { problems.insert(.product) }
        let number = Int(doseNumber.trimmingCharacters(in: .whitespaces))
        if number == nil || !(1...9).contains(number!) { problems.insert(.doseNumber) }
        let parsed = Self.paperDate(date)
        if parsed == nil || parsed! > today() { problems.insert(.date) }
        doseErrors = problems
        guard problems.isEmpty, let number, let parsed else { return }
        let trimmedLot = lot.trimmingCharacters(in: .whitespaces)
        act {
            let person = try await self.service.recordDose(
                profileId: profileId, product: product.trimmingCharacters(in: .whitespaces), doseNumber: number, date: parsed,
                lot: trimmedLot.isEmpty ? nil : trimmedLot
            )
            return (person, .person(person.profileId))
        }
    }

    func controlCard(profileId: String) {
        act {
            let person = try await self.service.controlCard(profileId: profileId)
            self.cardPng = person.controlCard.flatMap(self.qrPng)
            return (person, .card(person.profileId))
        }
    }

    private func act(_ call: @escaping () async throws -> (EnrolledPerson, Page)) {
        busy = true
        failure = nil
        Task {
            do {
                let (person, next) = try await call()
                people = (people.filter { $0.profileId != person.profileId } + [person]).sorted { $0.fullName < $1.fullName }
                let png = cardPng
                page = next
                cardPng = png
            } catch let refusal as VolunteerRefusal {
                failure = .refused(refusal.message)
            } catch {
                failure = .key("volunteer.errorAction")
            }
            busy = false
        }
    }

    private static func digits(_ text: String, _ count: Int) -> Bool {
        let t = text.trimmingCharacters(in: .whitespaces)
        return t.count == count && t.allSatisfy(\.isASCIIDigit)
    }

    private static func isPhone(_ number: String) -> Bool {
        if number.hasPrefix("+84") { return digits(String(number.dropFirst(3)), 9) }
        if number.hasPrefix("0") { return digits(String(number.dropFirst()), 9) }
        return false
    }

    private static func paperDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        formatter.dateFormat = "d/M/yyyy"
        formatter.isLenient = false
        return formatter.date(from: text.trimmingCharacters(in: .whitespaces))
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
