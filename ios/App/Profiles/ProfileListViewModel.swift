import Foundation
import HealthbookCore

/// Errors the profile list can act on; mirrors `ProfileListError` of the Kotlin wrapper.
enum ProfileListError: Equatable {
    case invalidField(ProfileField, reason: String)
    case notFound(id: String)
    case duplicateCitizenId
    case selfProfileExists
    /// Storage, an unreadable stored profile, a core that failed to open, or anything unexpected.
    case unavailable(reason: String)

    init(_ error: Error) {
        switch error {
        case let ProfileError.InvalidField(field, reason): self = .invalidField(field, reason: reason)
        case let ProfileError.NotFound(id): self = .notFound(id: id)
        case ProfileError.DuplicateCitizenId: self = .duplicateCitizenId
        case ProfileError.SelfProfileExists: self = .selfProfileExists
        case let ProfileError.Storage(reason): self = .unavailable(reason: reason)
        case let ProfileError.Corrupt(_, reason): self = .unavailable(reason: reason)
        default: self = .unavailable(reason: String(describing: error))
        }
    }
}

/// What the profile list shows; mirrors `ProfileListState` of the Kotlin wrapper.
enum ProfileListState: Equatable {
    /// First load in progress.
    case loading
    /// The profiles; `busy` while an action runs, `error` from the last failed action until dismissed.
    case loaded(profiles: [Profile], busy: Bool = false, error: ProfileListError? = nil)
    /// The list could not be loaded; `.refresh` retries.
    case failed(ProfileListError)
}

/// What the user can do; mirrors `ProfileListEvent` of the Kotlin wrapper.
enum ProfileListAction {
    case refresh
    case add(ProfileInput)
    case update(id: String, ProfileInput)
    case remove(id: String)
    case dismissError
}

/// View model of the profile list: the same state machine as the Kotlin `ProfileListViewModel`.
/// Actions run one at a time, in the order they were sent; the first load starts at init.
@MainActor
final class ProfileListViewModel: ObservableObject {
    @Published private(set) var state: ProfileListState = .loading

    private let service: ProfileServiceProxyProtocol
    private var tail: Task<Void, Never>?

    init(service: ProfileServiceProxyProtocol) {
        self.service = service
        send(.refresh)
    }

    func send(_ action: ProfileListAction) {
        if case .dismissError = action {
            if case let .loaded(profiles, busy, _) = state { state = .loaded(profiles: profiles, busy: busy) }
            return
        }
        let previous = tail
        tail = Task { [weak self] in
            await previous?.value
            await self?.handle(action)
        }
    }

    private func handle(_ action: ProfileListAction) async {
        switch action {
        case .refresh: await reload()
        case let .add(input): await mutate { _ = try await self.service.add(input) }
        case let .update(id, input): await mutate { _ = try await self.service.update(id: id, with: input) }
        case let .remove(id): await mutate { try await self.service.remove(id: id) }
        case .dismissError: break
        }
    }

    private func mutate(_ action: () async throws -> Void) async {
        setBusy()
        do {
            try await action()
        } catch {
            show(ProfileListError(error))
            return
        }
        await reload()
    }

    private func reload() async {
        setBusy()
        do {
            state = .loaded(profiles: try await service.list())
        } catch {
            show(ProfileListError(error))
        }
    }

    private func setBusy() {
        switch state {
        case let .loaded(profiles, _, _): state = .loaded(profiles: profiles, busy: true)
        case .failed: state = .loading
        case .loading: break
        }
    }

    private func show(_ error: ProfileListError) {
        if case let .loaded(profiles, _, _) = state {
            state = .loaded(profiles: profiles, busy: false, error: error)
        } else {
            state = .failed(error)
        }
    }
}
