import Foundation
import HealthbookCore

/// One profile's pass as the pass screen shows it; mirrors `PassState.Ready` of the Kotlin wrapper.
struct PassPageState: Equatable {
    let profileId: String
    let name: String
    var pass: HealthPass?
    var qrPng: Data?
    /// The refresh could not reach the server: this is the kept copy.
    var shownOffline = false
    var refreshing = false
    var failure: String?
}

/// View model of the pass screen: every profile's pass, one swipe apart. The kept pass shows at once
/// (offline); a refresh replaces it, or marks it shown offline when the server can't be reached.
@MainActor
final class PassViewModel: ObservableObject {
    @Published private(set) var pages: [PassPageState]

    private let service: PassServiceProxyProtocol

    init(service: PassServiceProxyProtocol, profiles: [Profile]) {
        self.service = service
        pages = profiles.map { PassPageState(profileId: $0.id, name: $0.fullName) }
        for index in pages.indices { Task { await load(index) } }
    }

    func refresh(profileId: String) {
        guard let index = pages.firstIndex(where: { $0.profileId == profileId }) else { return }
        pages[index].refreshing = true
        Task {
            do {
                let pass = try await service.refresh(profileId: profileId)
                show(pass, at: index)
                pages[index].shownOffline = false
            } catch PassError.Unreachable {
                pages[index].shownOffline = pages[index].pass != nil
                if pages[index].pass == nil { pages[index].failure = "error.offline" }
            } catch PassError.NotBound {
                pages[index].failure = "error.notBound"
            } catch {
                pages[index].failure = "error.server"
            }
            pages[index].refreshing = false
        }
    }

    private func load(_ index: Int) async {
        if let kept = try? await service.kept(profileId: pages[index].profileId) {
            show(kept, at: index)
            if kept.expired { refresh(profileId: kept.profileId) }
        } else {
            refresh(profileId: pages[index].profileId)
        }
    }

    private func show(_ pass: HealthPass, at index: Int) {
        pages[index].pass = pass
        pages[index].qrPng = try? service.qrPng(text: pass.qr, scale: 8)
    }
}
