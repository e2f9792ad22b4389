import CoreBluetooth
import CoreLocation
import Foundation
import HealthbookCore
import NetworkExtension

/// One answer a sensor callback hands to the Rust thread blocked waiting for it. The core calls the sensors
/// synchronously on a worker thread of its own, while the platform answers through delegates and completion
/// handlers on other threads: the first delivery wins (the callback's or the timeout's), later ones are dropped.
final class SensorRendezvous<Value>: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var outcome: Result<Value, QuarantineSensorError>?

    /// Hands `result` over; false when an answer was already given.
    @discardableResult
    func deliver(_ result: Result<Value, QuarantineSensorError>) -> Bool {
        lock.lock()
        guard outcome == nil else {
            lock.unlock()
            return false
        }
        outcome = result
        lock.unlock()
        semaphore.signal()
        return true
    }

    /// Blocks the calling thread (never the main one) until an answer or `timeout`; the timeout is `TimedOut`
    /// unless an answer arrived at the same moment.
    func wait(timeout: TimeInterval) -> Result<Value, QuarantineSensorError> {
        if semaphore.wait(timeout: .now() + timeout) == .timedOut {
            deliver(.failure(QuarantineSensorError.TimedOut))
        }
        lock.lock()
        defer { lock.unlock() }
        return outcome ?? .failure(QuarantineSensorError.TimedOut)
    }
}

/// One location fix from Core Location, taken only when the core asks (inside a check-in): `requestLocation`
/// delivers one fix and stops by itself; never a subscription, never in the background. The permission is
/// when-in-use only, asked the first time a check-in (or the radio scan of an enrolment) needs it. The manager
/// lives on the main thread (its delegate needs a run loop) and the core blocks a thread of its own, so the two
/// meet through a ``SensorRendezvous`` with a timeout.
final class CoreLocationSource: NSObject, LocationSource, CLLocationManagerDelegate, @unchecked Sendable {
    /// The accuracy given for a fix without one: past any useful limit, so the server says "uncertain" (as on
    /// Android).
    static let noAccuracyM = 10_000.0
    /// The purpose key of `NSLocationTemporaryUsageDescriptionDictionary` (Info.plist), used when the person
    /// allowed only an approximate location.
    static let fullAccuracyPurpose = "QuarantineCheckIn"

    private let timeout: TimeInterval
    // Main thread only, from here on.
    private var manager: CLLocationManager?
    private var pendingFix: SensorRendezvous<QuarantineFix>?
    /// True once `requestLocation` was sent for `pendingFix`.
    private var requested = false
    private var permissionWaiters: [SensorRendezvous<Bool>] = []

    /// `timeout` bounds each call, the permission question included (as the Android fused source's 30 s).
    init(timeout: TimeInterval = 30) {
        self.timeout = timeout
        super.init()
    }

    func currentFix() throws -> QuarantineFix {
        // Blocking the main thread would also block the delegate that answers: refuse rather than hang.
        guard !Thread.isMainThread else { throw QuarantineSensorError.Unavailable }
        guard CLLocationManager.locationServicesEnabled() else { throw QuarantineSensorError.Unavailable }
        let rendezvous = SensorRendezvous<QuarantineFix>()
        DispatchQueue.main.async {
            // A request left over from a call that timed out gives way to this one.
            self.pendingFix?.deliver(.failure(QuarantineSensorError.TimedOut))
            self.pendingFix = rendezvous
            self.requested = false
            self.settle()
        }
        let result = rendezvous.wait(timeout: timeout)
        DispatchQueue.main.async {
            guard self.pendingFix === rendezvous else { return }
            self.pendingFix = nil
            // Cancels a `requestLocation` still running after a timeout.
            self.manager?.stopUpdatingLocation()
        }
        return try result.get()
    }

    /// Blocks until the when-in-use permission is known, asking the person if it never was; true when allowed.
    /// The radio scanner needs it for the Wi-Fi network's BSSID.
    func whenInUseAllowed() -> Bool {
        guard !Thread.isMainThread else { return false }
        let rendezvous = SensorRendezvous<Bool>()
        DispatchQueue.main.async {
            self.permissionWaiters.append(rendezvous)
            self.settle()
        }
        return (try? rendezvous.wait(timeout: timeout).get()) ?? false
    }

    /// Moves the waiting calls on from the permission the person has given (main thread).
    private func settle() {
        let manager = self.manager ?? makeManager()
        let status = manager.authorizationStatus
        if status == .notDetermined {
            // Asked once (a repeated call while the question shows does nothing); the delegate comes back here.
            if pendingFix != nil || !permissionWaiters.isEmpty { manager.requestWhenInUseAuthorization() }
            return
        }
        let allowed = status == .authorizedWhenInUse || status == .authorizedAlways
        for waiter in permissionWaiters { waiter.deliver(.success(allowed)) }
        permissionWaiters = []
        guard let pending = pendingFix, !requested else { return }
        guard allowed else {
            pending.deliver(.failure(QuarantineSensorError.PermissionDenied))
            pendingFix = nil
            return
        }
        requested = true
        if manager.accuracyAuthorization == .reducedAccuracy {
            // An approximate fix (kilometres wide) can't place anyone at home: ask for the precise location for
            // this check-in only; the fix is taken whatever the answer, and the server judges its accuracy.
            manager.requestTemporaryFullAccuracyAuthorization(withPurposeKey: Self.fullAccuracyPurpose) { _ in
                DispatchQueue.main.async {
                    if self.pendingFix === pending { manager.requestLocation() }
                }
            }
        } else {
            manager.requestLocation()
        }
    }

    private func makeManager() -> CLLocationManager {
        let manager = CLLocationManager()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
        self.manager = manager
        return manager
    }

    func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        settle()
    }

    func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let pending = pendingFix, let location = locations.last else { return }
        pending.deliver(.success(Self.fix(location)))
        pendingFix = nil
    }

    func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        guard let pending = pendingFix else { return }
        // `requestLocation` reports a fix it can't get (`locationUnknown`) here too, once and for all.
        let denied = (error as? CLError)?.code == .denied
        pending.deliver(.failure(denied ? QuarantineSensorError.PermissionDenied : QuarantineSensorError.Unavailable))
        pendingFix = nil
    }

    /// The core's form of a Core Location fix. Core Location blends satellites, Wi-Fi and cells, hence `fused`;
    /// `isSimulatedBySoftware` (iOS 15+, the app needs 16) is the platform's mock flag.
    static func fix(_ location: CLLocation) -> QuarantineFix {
        QuarantineFix(
            lat: location.coordinate.latitude,
            lon: location.coordinate.longitude,
            // A negative accuracy means the platform has none.
            accuracyM: location.horizontalAccuracy >= 0 ? location.horizontalAccuracy : noAccuracyM,
            source: QuarantineFixSource.fused,
            mock: location.sourceInformation?.isSimulatedBySoftware ?? false,
            takenAt: location.timestamp
        )
    }
}

/// One look at the home's radio surroundings, made only when the core asks (enrolment and check-ins). iOS gives
/// apps no Wi-Fi scan: the Wi-Fi part is the BSSID of the network the phone is joined to, from
/// `NEHotspotNetwork.fetchCurrent` (it needs the Access Wi-Fi Information entitlement and the when-in-use location
/// permission; nothing when not joined or not allowed), and the Bluetooth part is the LE peripherals heard for
/// `bluetoothSeconds` with `CBCentralManager`, named by the identifiers iOS gives this app (a UUID per peripheral,
/// stable on this phone; iOS never shows a device's address). The raw values go straight to the core, which
/// hashes them with the order id at once and never stores or sends them. Wi-Fi or Bluetooth off gives an empty
/// list (the server then sees a low similarity, which an officer reviews), not an error; Bluetooth refused is an
/// error the person can fix (as on Android).
final class IOSRadioScanner: NSObject, RadioScanner, CBCentralManagerDelegate, @unchecked Sendable {
    private let location: CoreLocationSource
    private let bluetoothSeconds: TimeInterval
    private let timeout: TimeInterval
    /// One scan at a time: the central and its results are shared.
    private let scanLock = NSLock()
    private let queue = DispatchQueue(label: "org.healthbook.quarantine.bluetooth")
    // `queue` only, from here on.
    private var central: CBCentralManager?
    private var stateWaiter: SensorRendezvous<Bool>?
    private var seen = Set<String>()

    /// `location` asks for the when-in-use permission the BSSID needs; `timeout` bounds each wait for the
    /// platform (the Bluetooth question included).
    init(location: CoreLocationSource, bluetoothSeconds: TimeInterval = 4, timeout: TimeInterval = 30) {
        self.location = location
        self.bluetoothSeconds = bluetoothSeconds
        self.timeout = timeout
        super.init()
    }

    func scan() throws -> QuarantineRadioScan {
        // The waits below would block the screens; the core never calls from the main thread.
        guard !Thread.isMainThread else { throw QuarantineSensorError.Unavailable }
        scanLock.lock()
        defer { scanLock.unlock() }
        if CBManager.authorization == .denied || CBManager.authorization == .restricted {
            throw QuarantineSensorError.PermissionDenied
        }
        let network = SensorRendezvous<[String]>()
        if location.whenInUseAllowed() {
            NEHotspotNetwork.fetchCurrent { current in
                network.deliver(.success(current.flatMap { Self.bssid($0.bssid) }.map { [$0] } ?? []))
            }
        } else {
            network.deliver(.success([]))
        }
        // The Wi-Fi answer comes while Bluetooth listens.
        let bluetooth = try peripherals()
        let wifi = (try? network.wait(timeout: timeout).get()) ?? []
        return QuarantineRadioScan(wifi: wifi, bluetooth: bluetooth)
    }

    /// `text` as six two-digit lowercase hex groups (iOS has been seen to drop leading zeros), or nil when it
    /// is no BSSID.
    static func bssid(_ text: String) -> String? {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 6, groups.allSatisfy({ (1...2).contains($0.count) && UInt8($0, radix: 16) != nil }) else { return nil }
        return groups.map { $0.count == 1 ? "0" + $0.lowercased() : $0.lowercased() }.joined(separator: ":")
    }

    /// The LE peripherals heard for `bluetoothSeconds`; empty when Bluetooth is off or absent.
    private func peripherals() throws -> [String] {
        let powered = SensorRendezvous<Bool>()
        queue.sync {
            stateWaiter = powered
            if let central {
                report(central.state)
            } else {
                // Made at the first scan, not before: making it asks the Bluetooth question. No power alert:
                // Bluetooth off is not the person's fault at a check-in.
                central = CBCentralManager(delegate: self, queue: queue, options: [CBCentralManagerOptionShowPowerAlertKey: false])
            }
        }
        guard try powered.wait(timeout: timeout).get() else { return [] }
        queue.sync {
            seen = []
            central?.scanForPeripherals(withServices: nil, options: [CBCentralManagerScanOptionAllowDuplicatesKey: false])
        }
        // A bounded wait on the core's worker thread, as the Android scanner's.
        Thread.sleep(forTimeInterval: bluetoothSeconds)
        return queue.sync { () -> [String] in
            central?.stopScan()
            let heard = seen.sorted()
            seen = []
            return heard
        }
    }

    /// Answers the waiting scan from the central's state (on `queue`); unknown and resetting wait for the next.
    private func report(_ state: CBManagerState) {
        guard let waiter = stateWaiter else { return }
        switch state {
        case .poweredOn: waiter.deliver(.success(true))
        case .poweredOff, .unsupported: waiter.deliver(.success(false))
        case .unauthorized: waiter.deliver(.failure(QuarantineSensorError.PermissionDenied))
        case .unknown, .resetting: return
        @unknown default: waiter.deliver(.success(false))
        }
        stateWaiter = nil
    }

    func centralManagerDidUpdateState(_ central: CBCentralManager) {
        report(central.state)
    }

    func centralManager(_ central: CBCentralManager, didDiscover peripheral: CBPeripheral, advertisementData: [String: Any], rssi RSSI: NSNumber) {
        seen.insert(peripheral.identifier.uuidString)
    }
}
