import AVFoundation
import CoreLocation
import Foundation
import HealthbookCore
import UserNotifications

/// How one set-up step stands; mirrors `SetupState` of the Kotlin wrapper. Named apart from the generated type.
enum SetupStepState: Equatable {
    case ok, warning, problem, notChecked
}

/// One step of the set-up check in the app's language (the core's words); mirrors `SetupStep`.
struct SetupCheckStep: Equatable, Identifiable {
    /// Stable id: `camera`, `notifications`, `location`, `server`, `trust_list`, `profiles_bound`, `pass_fresh`, `outbox_empty`.
    let id: String
    let title: String
    let state: SetupStepState
    /// What was found.
    let detail: String
    /// What to do about it (empty when fine).
    let action: String
}

/// What only iOS knows; `nil` when it could not tell (or the app never asked). Mirrors `PlatformFacts`.
struct DeviceFacts: Equatable {
    let cameraAllowed: Bool?
    let notificationsAllowed: Bool?
    let locationAllowed: Bool?

    /// The permissions as they stand now; asked at every check, since the person may have changed them in Settings.
    static func current() async -> DeviceFacts {
        let camera: Bool?
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized: camera = true
        case .denied, .restricted: camera = false
        default: camera = nil
        }
        let notifications: Bool?
        switch await UNUserNotificationCenter.current().notificationSettings().authorizationStatus {
        case .authorized, .provisional, .ephemeral: notifications = true
        case .denied: notifications = false
        default: notifications = nil
        }
        let location: Bool?
        switch CLLocationManager().authorizationStatus {
        case .authorizedAlways, .authorizedWhenInUse: location = true
        case .denied, .restricted: location = false
        default: location = nil
        }
        return DeviceFacts(cameraAllowed: camera, notificationsAllowed: notifications, locationAllowed: location)
    }
}

/// The set-up check as the view model sees it; mirrors the Kotlin `SetupCheckRepository`. The real service,
/// ``SetupCheckServiceProxy``, wraps the generated `SetupCheck`; tests and previews use a fake.
protocol SetupCheckServiceProxyProtocol: AnyObject {
    /// Runs every step (the server step reaches the server with a short timeout) and returns them in order.
    func check(facts: DeviceFacts) async throws -> [SetupCheckStep]
}

/// The real ``SetupCheckServiceProxyProtocol`` over the core's `SetupCheck`, which words every step in the
/// app's language; mirrors the Kotlin `CoreSetupCheckRepository`.
final class SetupCheckServiceProxy: SetupCheckServiceProxyProtocol, @unchecked Sendable {
    private let setupCheck: SetupCheck

    init(setupCheck: SetupCheck) {
        self.setupCheck = setupCheck
    }

    func check(facts: DeviceFacts) async throws -> [SetupCheckStep] {
        let steps = await setupCheck.check(facts: PlatformFacts(
            cameraAllowed: facts.cameraAllowed,
            notificationsAllowed: facts.notificationsAllowed,
            locationAllowed: facts.locationAllowed
        ))
        return steps.map { step in
            let state: SetupStepState
            switch step.state {
            case .ok: state = .ok
            case .warning: state = .warning
            case .problem: state = .problem
            case .notChecked: state = .notChecked
            }
            return SetupCheckStep(id: step.id, title: step.title, state: state, detail: step.detail, action: step.action)
        }
    }
}
