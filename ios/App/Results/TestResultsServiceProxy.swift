import Foundation
import HealthbookCore

/// Where a followed sample stands; mirrors `SampleState` of the Kotlin wrapper. Named apart from the generated
/// bindings' types so that the app's model and the core's never collide in one module.
enum FollowedSampleState: Equatable {
    case registering, registeredElsewhere, unknownToLab, pending, negative, positive, invalid, retestRequired, expired
}

/// A followed sample with its explanation in the app's language (the core's words); mirrors `SampleItem`.
struct FollowedSample: Equatable, Identifiable {
    let sampleId: String
    let profileId: String
    let profileName: String
    let state: FollowedSampleState
    let headline: String
    let reason: String
    let nextStep: String
    let sampledAt: Date?
    let resultAt: Date?
    let nextCheckAt: Date?
    let certificate: String?

    var id: String { sampleId }
}

/// Why a code was refused before anything was sent, in the core's words (shown at the code field).
struct SampleCodeError: Error, Equatable {
    let message: String
}

/// The test-results area as the view model sees it; mirrors the Kotlin `TestResultsRepository`. The real
/// service wraps the generated results object of the bindings; tests and previews use a fake.
protocol TestResultsServiceProxyProtocol: AnyObject {
    /// Every followed sample, newest first.
    func samples() async throws -> [FollowedSample]
    /// Registers `code` (scanned or typed) for `profileId`; throws `SampleCodeError` for a mistyped code.
    func register(profileId: String, code: String) async throws -> FollowedSample
    /// Polls what is due and returns every sample.
    func refresh() async throws -> [FollowedSample]
    /// Keeps the certificate of `sampleId` past the retention period.
    func keepCertificate(sampleId: String) async throws
    /// The QR code of `text` as a PNG, `scale` pixels per module.
    func qrPng(text: String, scale: UInt32) throws -> Data
}

/// The real ``TestResultsServiceProxyProtocol`` over the core's `Results`: names each sample's profile from the
/// profiles service and explains each state in the app's language with the core's words (the ones the CLI and
/// the Kotlin `CoreTestResultsRepository` show).
final class TestResultsServiceProxy: TestResultsServiceProxyProtocol, @unchecked Sendable {
    private let results: Results
    private let profiles: ProfileServiceProxyProtocol
    private let settings: SettingsServiceProxyProtocol

    init(results: Results, profiles: ProfileServiceProxyProtocol, settings: SettingsServiceProxyProtocol) {
        self.results = results
        self.profiles = profiles
        self.settings = settings
    }

    func samples() async throws -> [FollowedSample] {
        try await items(try await results.samples())
    }

    func register(profileId: String, code: String) async throws -> FollowedSample {
        do {
            return try await items([try await results.register(profileId: profileId, code: code)])[0]
        } catch let error as ResultsError {
            switch error {
            case .EmptyCode, .WrongLength, .BadCharacter, .BadCheckCharacter:
                // Refused before anything was sent: the core's "wrong code" words, in the app's language.
                let language = await appLanguage()
                let words = HealthbookCore.explainSample(state: .registering, reason: .wrongCode, language: language)
                throw SampleCodeError(message: "\(words.reason) \(words.nextStep)")
            default:
                throw error
            }
        }
    }

    func refresh() async throws -> [FollowedSample] {
        _ = try await results.pollDue(listener: nil)
        return try await samples()
    }

    func keepCertificate(sampleId: String) async throws {
        _ = try await results.keepCertificate(sampleId: sampleId)
    }

    func qrPng(text: String, scale: UInt32) throws -> Data {
        try HealthbookCore.qrPng(text: text, scale: scale)
    }

    // An unreadable setting falls back to the app's default language rather than hiding the results.
    private func appLanguage() async -> Language {
        (try? await settings.language()) ?? .vi
    }

    private func items(_ samples: [Sample]) async throws -> [FollowedSample] {
        let language = await appLanguage()
        var names: [String: String] = [:]
        for profile in try await profiles.list() { names[profile.id] = profile.fullName }
        return samples.map { sample in
            let words = HealthbookCore.explainSample(state: sample.state, reason: sample.reason, language: language)
            return FollowedSample(
                sampleId: sample.sampleId,
                profileId: sample.profileId,
                profileName: names[sample.profileId] ?? "",
                state: Self.screenState(sample.state),
                headline: words.headline,
                reason: words.reason,
                nextStep: words.nextStep,
                sampledAt: sample.sampledAt,
                resultAt: sample.resultAt,
                nextCheckAt: sample.nextCheckAt,
                certificate: sample.certificate
            )
        }
    }

    /// The screens' state for the core's.
    static func screenState(_ state: SampleState) -> FollowedSampleState {
        switch state {
        case .registering: return .registering
        case .registeredElsewhere: return .registeredElsewhere
        case .unknownToLab: return .unknownToLab
        case .pending: return .pending
        case .negative: return .negative
        case .positive: return .positive
        case .invalid: return .invalid
        case .retestRequired: return .retestRequired
        case .expired: return .expired
        }
    }
}
