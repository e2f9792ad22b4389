import Foundation

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
