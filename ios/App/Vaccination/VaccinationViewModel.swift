import Foundation

/// View model of the citizen's vaccination screen; mirrors the Kotlin `VaccinationViewModel`: each profile's
/// record (doses, next dose due), registering a profile in its commune (ward code checked as 5 digits first),
/// and invitations with confirm or decline. Reads the phone's store first (works offline), then refreshes.
/// Failures are catalog keys, or the core's words for a refusal; never personal data.
@MainActor
final class VaccinationViewModel: ObservableObject {
    /// A failed action: a String Catalog key, or the core's words when it refused.
    enum Failure: Equatable {
        case key(String)
        case refused(String)
    }

    @Published private(set) var loading = true
    @Published private(set) var refreshing = false
    @Published private(set) var records: [VaccinationRecordItem] = []
    @Published private(set) var invitations: [VaccinationInvitationItem] = []
    /// The profile whose registration form is open.
    @Published var registering: String? {
        didSet { wardInvalid = false }
    }
    @Published private(set) var wardInvalid = false
    @Published private(set) var busy = false
    @Published private(set) var answering: Set<String> = []
    @Published private(set) var failure: Failure?

    private let service: VaccinationServiceProxyProtocol

    init(service: VaccinationServiceProxyProtocol) {
        self.service = service
        Task {
            await load()
            await refresh()
        }
    }

    /// The record whose registration form is open.
    var registeringRecord: VaccinationRecordItem? { registering.flatMap { id in records.first { $0.profileId == id } } }

    /// True when `code` (spaces around it ignored) is a 5-digit ward code.
    static func isWardCode(_ code: String) -> Bool {
        let t = code.trimmingCharacters(in: .whitespaces)
        return t.count == 5 && t.allSatisfy { ("0"..."9").contains($0) }
    }

    func dismissFailure() { failure = nil }
    func wardEdited() { wardInvalid = false }

    func refresh() async {
        refreshing = true
        do {
            records = try await service.refresh()
            // The refresh stored the server's invitations; read them back from the phone's store.
            invitations = try await service.invitations()
        } catch let refusal as VaccinationRefusal {
            failure = .refused(refusal.message)
        } catch {
            failure = .key("vaccination.errorRefresh")
        }
        refreshing = false
    }

    func register(profileId: String, wardCode: String) {
        guard Self.isWardCode(wardCode) else {
            wardInvalid = true
            return
        }
        busy = true
        failure = nil
        Task {
            do {
                let record = try await service.register(profileId: profileId, wardCode: wardCode.trimmingCharacters(in: .whitespaces))
                if let index = records.firstIndex(where: { $0.profileId == record.profileId }) {
                    records[index] = record
                } else {
                    records.append(record)
                }
                registering = nil
            } catch let refusal as VaccinationRefusal {
                failure = .refused(refusal.message)
            } catch {
                failure = .key("vaccination.errorRegister")
            }
            busy = false
        }
    }

    func answer(invitationId: String, confirm: Bool) {
        answering.insert(invitationId)
        failure = nil
        Task {
            do {
                let answered = try await service.answer(invitationId: invitationId, confirm: confirm)
                invitations = invitations.map { $0.invitationId == answered.invitationId ? answered : $0 }
            } catch let refusal as VaccinationRefusal {
                failure = .refused(refusal.message)
            } catch {
                failure = .key("vaccination.errorAnswer")
            }
            answering.remove(invitationId)
        }
    }

    private func load() async {
        do {
            records = try await service.records()
            invitations = try await service.invitations()
        } catch {
            failure = .key("vaccination.errorLoad")
        }
        loading = false
    }
}

/// View model of the certificate wallet; mirrors the Kotlin `CertificateWalletViewModel`: every profile's
/// current certificate as a large QR, and the ones it replaced. Reads the phone's store only.
@MainActor
final class CertificateWalletViewModel: ObservableObject {
    @Published private(set) var loading = true
    @Published private(set) var loadFailed = false
    @Published private(set) var records: [VaccinationRecordItem] = []
    @Published private(set) var selected: String?
    @Published private(set) var qrPng: Data?

    private let service: VaccinationServiceProxyProtocol
    private let draw: (String) -> Data?

    init(service: VaccinationServiceProxyProtocol, qrPng: @escaping (String) -> Data?) {
        self.service = service
        self.draw = qrPng
        reload()
    }

    /// The profile shown.
    var record: VaccinationRecordItem? { selected.flatMap { id in records.first { $0.profileId == id } } }

    /// Reads the certificates again (after a refresh of the records).
    func reload() {
        Task {
            do {
                records = try await service.records()
                loadFailed = false
            } catch {
                loadFailed = true
            }
            loading = false
            // Keep the profile shown; else the first with a certificate, else the first.
            let keep = selected.flatMap { id in records.contains { $0.profileId == id } ? id : nil }
            select(keep ?? records.first { $0.certificate != nil }?.profileId ?? records.first?.profileId)
        }
    }

    func select(_ profileId: String?) {
        selected = profileId
        qrPng = record?.certificate.flatMap { draw($0.qr) }
    }
}
