import Foundation

/// View model of the test-results screens (list, register, detail); mirrors the Kotlin `TestResultsViewModel`:
/// the kept samples show at once, then a poll; a mistyped code is shown at the field; failures are catalog
/// keys without personal data (never the code or the certificate).
@MainActor
final class TestResultsViewModel: ObservableObject {
    @Published private(set) var samples: [FollowedSample] = []
    @Published private(set) var loading = true
    @Published private(set) var refreshing = false
    @Published private(set) var registering = false
    /// The core's words for a mistyped code, shown at the code field.
    @Published private(set) var codeError: String?
    /// The outcome of the last registration (it may be "registered on another phone") until `dismissRegistered`.
    @Published private(set) var registered: FollowedSample?
    @Published private(set) var openSampleId: String?
    @Published private(set) var certificateQrPng: Data?
    @Published private(set) var certificateQrFailed = false
    /// Samples whose certificate the person chose to keep in this session.
    @Published private(set) var kept: Set<String> = []
    /// The last failed action as a String Catalog key.
    @Published private(set) var failure: String?

    private let service: TestResultsServiceProxyProtocol

    init(service: TestResultsServiceProxyProtocol) {
        self.service = service
        Task {
            do {
                samples = try await service.samples()
            } catch {
                failure = "results.errorLoad"
            }
            loading = false
            refresh()
        }
    }

    /// The sample whose detail is open, as last read.
    var openSample: FollowedSample? { samples.first { $0.sampleId == openSampleId } }

    func refresh() {
        guard !refreshing else { return }
        refreshing = true
        Task {
            do {
                samples = try await service.refresh()
                drawCertificate()
            } catch {
                failure = "results.errorRefresh"
            }
            refreshing = false
        }
    }

    func register(profileId: String, code: String) {
        guard !registering else { return }
        registering = true
        codeError = nil
        registered = nil
        Task {
            do {
                let item = try await service.register(profileId: profileId, code: code)
                samples = [item] + samples.filter { $0.sampleId != item.sampleId }
                registered = item
            } catch let error as SampleCodeError {
                codeError = error.message
            } catch {
                failure = "results.errorRegister"
            }
            registering = false
        }
    }

    /// The code field changed: the error shown at it no longer applies.
    func codeEdited() { codeError = nil }

    func open(sampleId: String) {
        openSampleId = sampleId
        certificateQrPng = nil
        certificateQrFailed = false
        drawCertificate()
    }

    func close() {
        openSampleId = nil
        certificateQrPng = nil
        certificateQrFailed = false
    }

    func keepCertificate(sampleId: String) {
        Task {
            do {
                try await service.keepCertificate(sampleId: sampleId)
                kept.insert(sampleId)
            } catch {
                failure = "results.errorKeep"
            }
        }
    }

    func dismissRegistered() { registered = nil }

    func dismissFailure() { failure = nil }

    /// Draws the open sample's certificate, once it has one.
    private func drawCertificate() {
        guard let certificate = openSample?.certificate, certificateQrPng == nil else { return }
        certificateQrPng = try? service.qrPng(text: certificate, scale: 8)
        certificateQrFailed = certificateQrPng == nil
    }

    /// The status kind of a state: waiting is neutral, asking the person to act is a caution, and only the
    /// two lab results are green or red.
    static func kind(_ state: FollowedSampleState) -> StatusBadge.Kind {
        switch state {
        case .negative: return .good
        case .positive: return .bad
        case .registering, .unknownToLab, .pending: return .unknown
        case .registeredElsewhere, .invalid, .retestRequired, .expired: return .caution
        }
    }
}
