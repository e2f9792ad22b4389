import SwiftUI

/// `date` as "08:30, 05/03/2026" in the IANA zone `zone` (the phone's own when the zone is unknown).
func quarantineDateTime(_ date: Date, zone: String) -> String {
    let formatter = DateFormatter()
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.timeZone = TimeZone(identifier: zone) ?? .current
    formatter.dateFormat = "HH:mm, dd/MM/yyyy"
    return formatter.string(from: date)
}

/// `date` as "08:30" in the IANA zone `zone`.
func quarantineTime(_ date: Date, zone: String) -> String {
    let formatter = DateFormatter()
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.timeZone = TimeZone(identifier: zone) ?? .current
    formatter.dateFormat = "HH:mm"
    return formatter.string(from: date)
}

/// Where an order stands, as a badge kind and a catalog key.
func quarantineOrderStatus(_ state: QuarantineOrderStanding) -> (StatusBadge.Kind, LocalizedStringKey) {
    switch state {
    case .awaitingCommitment: return (.caution, "quarantine.stateCommitment")
    case .awaitingEnrolment: return (.caution, "quarantine.stateEnrolment")
    case .active: return (.unknown, "quarantine.stateActive")
    case .ended: return (.good, "quarantine.stateEnded")
    case .cancelled: return (.unknown, "quarantine.stateCancelled")
    }
}

/// A verdict as a badge kind and a catalog key. Doubtful and missed are cautions, never red: nothing is held
/// against the person until an officer decides. Refused is a caution too (the person has something to do), and
/// never looks like it is still on its way.
func quarantineVerdictStatus(_ checkIn: QuarantineCheckInItem) -> (StatusBadge.Kind, LocalizedStringKey) {
    switch checkIn.verdict {
    case .pending: return (.unknown, "quarantine.verdictPending")
    case .ok: return (.good, checkIn.reasons.contains(.late) ? "quarantine.verdictOkLate" : "quarantine.verdictOk")
    case .needsReview: return (.caution, "quarantine.verdictReview")
    case .missed: return (.caution, "quarantine.verdictMissed")
    case .refused: return (.caution, "quarantine.verdictRefused")
    }
}

/// Why a refused check-in does not count and what to do, in plain words first; the server's reason (a status and
/// a code, meant for whoever helps the person) after it, small, only when there is one.
struct QuarantineRefusalNote: View {
    let checkIn: QuarantineCheckInItem

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text("quarantine.verdictRefusedWhat").fixedSize(horizontal: false, vertical: true)
            if let reason = checkIn.refusedReason, !reason.isEmpty {
                Text("quarantine.verdictRefusedDetail \(reason)").font(.footnote).foregroundColor(.secondary)
                    .fixedSize(horizontal: false, vertical: true)
            }
        }
        .padding(12)
        .overlay(RoundedRectangle(cornerRadius: 8).stroke(StatusBadge.Kind.caution.colour, lineWidth: 1))
        .accessibilityElement(children: .combine)
    }
}

/// A verdict reason's catalog key.
func quarantineReasonKey(_ reason: CheckInVerdictReason) -> LocalizedStringKey {
    switch reason {
    case .badSignature: return "quarantine.reasonBadSignature"
    case .wrongDeviceKey: return "quarantine.reasonWrongDeviceKey"
    case .replayed: return "quarantine.reasonReplayed"
    case .sequenceGap: return "quarantine.reasonSequenceGap"
    case .chainBroken: return "quarantine.reasonChainBroken"
    case .unknownNonce: return "quarantine.reasonUnknownNonce"
    case .staleNonce: return "quarantine.reasonStaleNonce"
    case .late: return "quarantine.reasonLate"
    case .outsideFence: return "quarantine.reasonOutsideFence"
    case .uncertainLocation: return "quarantine.reasonUncertainLocation"
    case .mockLocation: return "quarantine.reasonMockLocation"
    case .homeTokenMissing: return "quarantine.reasonHomeTokenMissing"
    case .radioUnlikeHome: return "quarantine.reasonRadioUnlikeHome"
    case .staleFix: return "quarantine.reasonStaleFix"
    case .noAnswer: return "quarantine.reasonNoAnswer"
    }
}

/// An explanation choice's catalog key.
func quarantineExplanationKey(_ choice: ExplanationChoice) -> LocalizedStringKey {
    switch choice {
    case .batteryDied: return "quarantine.explainBattery"
    case .asleep: return "quarantine.explainAsleep"
    case .hospitalVisit: return "quarantine.explainHospital"
    case .noSignal: return "quarantine.explainNoSignal"
    case .other: return "quarantine.explainOther"
    }
}

/// An officer's decision's catalog key.
func quarantineDecisionKey(_ decision: OfficerDecision) -> LocalizedStringKey {
    switch decision {
    case .dismissed: return "quarantine.decisionDismissed"
    case .warning: return "quarantine.decisionWarning"
    case .extension: return "quarantine.decisionExtension"
    case .referral: return "quarantine.decisionReferral"
    }
}

/// A case's standing as a catalog key.
func quarantineCaseKey(_ state: QuarantineCaseStanding) -> LocalizedStringKey {
    switch state {
    case .awaitingExplanation: return "quarantine.caseAwaitingExplanation"
    case .awaitingDecision: return "quarantine.caseAwaitingDecision"
    case .decided: return "quarantine.caseDecided"
    }
}

/// The person's home quarantine: the page the view model names (countdown, commitment, enrolment, check-in or
/// a case).
struct QuarantineView: View {
    @ObservedObject var viewModel: QuarantineViewModel

    var body: some View {
        Group {
            switch viewModel.page {
            case .countdown: QuarantineCountdownView(viewModel: viewModel)
            case .commitment: QuarantineCommitmentView(viewModel: viewModel)
            case .enrolment: QuarantineEnrolmentView(viewModel: viewModel)
            case .checkIn: QuarantineCheckInView(viewModel: viewModel)
            case .caseDetail: QuarantineCaseView(viewModel: viewModel)
            }
        }
        .navigationTitle(Text("quarantine.title"))
        .toolbar {
            if viewModel.page != .countdown {
                ToolbarItem(placement: .navigationBarLeading) {
                    Button("common.back") { viewModel.back() }.frame(minWidth: 44, minHeight: 44)
                }
            }
        }
    }
}

/// The failure banner of every page.
struct QuarantineFailure: View {
    @ObservedObject var viewModel: QuarantineViewModel

    var body: some View {
        switch viewModel.failure {
        case let .key(key)?: ErrorBanner(message: LocalizedStringKey(key)) { viewModel.dismissFailure() }
        case let .refused(words)?: ErrorBanner(message: "quarantine.refused \(words)") { viewModel.dismissFailure() }
        case nil: EmptyView()
        }
    }
}

/// The days left, very large, then the end in the home's local time and any extension.
struct QuarantineCountdownBlock: View {
    let order: QuarantineOrderItem

    var body: some View {
        VStack(spacing: 4) {
            Text(verbatim: String(order.daysLeft)).font(.system(size: 96, weight: .bold)).minimumScaleFactor(0.5)
            Text(order.daysLeft == 1 ? "quarantine.dayLeft" : "quarantine.daysLeft").font(.title2)
            Text("quarantine.endsAt \(quarantineDateTime(order.endsAt, zone: order.timeZone))").font(.headline)
                .fixedSize(horizontal: false, vertical: true)
            Text("quarantine.localTime \(order.timeZone)").font(.footnote)
            if order.extensionDays > 0 {
                Text("quarantine.extended \(order.extensionDays)")
            }
        }
        .frame(maxWidth: .infinity)
        .padding()
        .overlay(RoundedRectangle(cornerRadius: 16).stroke(Color.secondary, lineWidth: 2))
        .accessibilityElement(children: .combine)
    }
}

/// The orders (a choice when there are several), then the selected one: its state and next step, the
/// countdown, the open check-in or the next window, cases and check-ins.
struct QuarantineCountdownView: View {
    @ObservedObject var viewModel: QuarantineViewModel

    var body: some View {
        Form {
            QuarantineFailure(viewModel: viewModel)
            if viewModel.loading {
                ProgressView()
            } else if let order = viewModel.selected {
                if viewModel.orders.count > 1 {
                    Section {
                        ForEach(viewModel.orders) { item in
                            Button { viewModel.select(orderId: item.orderId) } label: {
                                Label {
                                    Text(verbatim: item.profileName)
                                } icon: {
                                    Image(systemName: item.orderId == order.orderId ? "largecircle.fill.circle" : "circle")
                                }
                            }
                            .frame(minHeight: 44)
                            .accessibilityAddTraits(item.orderId == order.orderId ? .isSelected : [])
                        }
                    }
                }
                Section {
                    Text(verbatim: order.profileName).font(.title2.bold())
                    Text(verbatim: order.homeAddress).fixedSize(horizontal: false, vertical: true)
                    let status = quarantineOrderStatus(order.state)
                    StatusBadge(kind: status.0, words: status.1)
                    switch order.state {
                    case .awaitingCommitment:
                        Button("quarantine.openCommitment") { viewModel.openCommitment() }
                            .buttonStyle(.borderedProminent).frame(maxWidth: .infinity, minHeight: 44)
                    case .awaitingEnrolment:
                        Button("quarantine.openEnrolment") { viewModel.openEnrolment() }
                            .buttonStyle(.borderedProminent).frame(maxWidth: .infinity, minHeight: 44)
                    case .active:
                        QuarantineCountdownBlock(order: order)
                        if let challenge = order.openChallenge, Date() < challenge.graceEndsAt {
                            StatusBadge(kind: .caution, words: "quarantine.challengeOpen")
                            Button("quarantine.openCheckIn") { viewModel.openCheckIn() }
                                .font(.title2).buttonStyle(.borderedProminent).frame(maxWidth: .infinity, minHeight: 64)
                        } else {
                            if let next = order.nextCheckInAt {
                                Text("quarantine.nextCheckIn \(quarantineDateTime(next, zone: order.timeZone))").fixedSize(horizontal: false, vertical: true)
                            }
                            Text("quarantine.randomNote").fixedSize(horizontal: false, vertical: true)
                        }
                    case .ended, .cancelled:
                        EmptyView()
                    }
                    if order.pendingCheckIns > 0 {
                        Text("quarantine.pendingCheckIns \(order.pendingCheckIns)").bold().fixedSize(horizontal: false, vertical: true)
                    }
                }
                if !viewModel.cases.isEmpty {
                    Section {
                        Text("quarantine.noPenalty").fixedSize(horizontal: false, vertical: true)
                        ForEach(viewModel.cases) { item in
                            Button { viewModel.openCase(item.caseId) } label: {
                                VStack(alignment: .leading, spacing: 4) {
                                    Text(quarantineCaseKey(item.state)).font(.headline)
                                    Text(quarantineVerdictStatus(item.checkIn).1)
                                    Text(verbatim: quarantineDateTime(item.openedAt, zone: order.timeZone)).font(.footnote)
                                }
                            }
                            .frame(minHeight: 44)
                        }
                    } header: {
                        Text("quarantine.cases")
                    }
                }
                Section {
                    if viewModel.checkIns.isEmpty { Text("quarantine.noCheckIns") }
                    ForEach(Array(viewModel.checkIns.enumerated()), id: \.offset) { _, checkIn in
                        VStack(alignment: .leading, spacing: 2) {
                            Text(verbatim: quarantineDateTime(checkIn.at, zone: order.timeZone)).font(.headline)
                            Text(quarantineVerdictStatus(checkIn).1)
                            if checkIn.verdict == .refused { QuarantineRefusalNote(checkIn: checkIn) }
                        }
                        .accessibilityElement(children: .combine)
                    }
                } header: {
                    Text("quarantine.history")
                }
            } else {
                Text("quarantine.none")
            }
            Button(viewModel.refreshing ? "quarantine.refreshing" : "quarantine.refresh") { Task { await viewModel.refresh() } }
                .frame(minHeight: 44)
                .disabled(viewModel.refreshing)
        }
    }
}

/// The commitment in the person's language; the sign button is enabled once its end scrolled into view (the
/// paragraphs are lazy, so the end marker appears only when reached).
struct QuarantineCommitmentView: View {
    @ObservedObject var viewModel: QuarantineViewModel
    @Environment(\.locale) private var locale

    var body: some View {
        ScrollView {
            LazyVStack(alignment: .leading, spacing: 12) {
                QuarantineFailure(viewModel: viewModel)
                Text("quarantine.commitmentTitle").font(.title.bold())
                if let commitment = viewModel.commitment {
                    Text("quarantine.commitmentVersion \(commitment.version)").font(.footnote)
                    Text("quarantine.commitmentReadAll").bold().fixedSize(horizontal: false, vertical: true)
                    let text = locale.identifier.hasPrefix("en") ? commitment.textEn : commitment.textVi
                    ForEach(Array(text.components(separatedBy: "\n\n").enumerated()), id: \.offset) { _, paragraph in
                        Text(verbatim: paragraph).fixedSize(horizontal: false, vertical: true)
                    }
                    Text("quarantine.commitmentEnd").font(.footnote)
                        .onAppear { viewModel.markReadToEnd() }
                    Label("quarantine.commitmentKeyNote", systemImage: "lock.fill").fixedSize(horizontal: false, vertical: true)
                    Button(viewModel.busy ? "quarantine.signing" : "quarantine.sign") { viewModel.sign() }
                        .buttonStyle(.borderedProminent)
                        .frame(maxWidth: .infinity, minHeight: 44)
                        .disabled(!viewModel.readToEnd || viewModel.busy)
                } else if viewModel.busy {
                    ProgressView()
                }
            }
            .padding()
        }
    }
}

/// Scanning the sticker inside the home: the camera scanner feeds the same call; pasted text works everywhere.
struct HomeTokenScanView: View {
    @ObservedObject var viewModel: QuarantineViewModel
    @State private var text = ""

    var body: some View {
        if viewModel.scannedToken != nil {
            Label("quarantine.scanned", systemImage: "checkmark.circle.fill").font(.headline)
        } else {
            TextField("quarantine.scanInput", text: $text)
                .accessibilityLabel(Text("quarantine.scanInput"))
            Button("quarantine.scanButton") {
                viewModel.scanned(text)
                text = ""
            }
            .frame(maxWidth: .infinity, minHeight: 44)
            .disabled(text.isEmpty)
        }
    }
}

/// Enrolment: what is recorded in plain words, the sticker's scan, then enrol.
struct QuarantineEnrolmentView: View {
    @ObservedObject var viewModel: QuarantineViewModel

    var body: some View {
        Form {
            QuarantineFailure(viewModel: viewModel)
            Section {
                Text("quarantine.enrolHowTo").fixedSize(horizontal: false, vertical: true)
            } header: {
                Text("quarantine.enrolTitle")
            }
            Section {
                Label("quarantine.enrolRadio", systemImage: "wifi").fixedSize(horizontal: false, vertical: true)
                Label("quarantine.enrolLocation", systemImage: "location").fixedSize(horizontal: false, vertical: true)
            } header: {
                Text("quarantine.enrolWhatRecorded")
            }
            Section {
                HomeTokenScanView(viewModel: viewModel)
                Button(viewModel.busy ? "quarantine.enrolling" : "quarantine.enrol") { viewModel.enrol() }
                    .buttonStyle(.borderedProminent)
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(viewModel.scannedToken == nil || viewModel.busy || viewModel.selected?.state != .awaitingEnrolment)
            }
        }
    }
}

/// The open challenge (late after its closing time, missed after its grace), the sticker's scan when asked, one
/// big check-in button; then the verdict with its reasons, never threatening.
struct QuarantineCheckInView: View {
    @ObservedObject var viewModel: QuarantineViewModel

    var body: some View {
        Form {
            QuarantineFailure(viewModel: viewModel)
            if let order = viewModel.selected {
                if let last = viewModel.lastCheckIn {
                    Section {
                        QuarantineVerdictView(checkIn: last)
                        if last.verdict == .needsReview || last.verdict == .missed {
                            Text("quarantine.verdictExplainNote").fixedSize(horizontal: false, vertical: true)
                            if let item = viewModel.cases.first(where: { $0.checkIn.challengeId == last.challengeId }) {
                                Button("quarantine.caseTitle") { viewModel.openCase(item.caseId) }
                                    .frame(maxWidth: .infinity, minHeight: 44)
                            }
                        }
                    }
                } else if let challenge = order.openChallenge, order.state == .active, Date() < challenge.graceEndsAt {
                    Section {
                        StatusBadge(kind: .unknown, words: challenge.random ? "quarantine.random" : "quarantine.daily")
                        Text("quarantine.lateAfter \(quarantineTime(challenge.closesAt, zone: order.timeZone))").font(.headline)
                        Text("quarantine.missedAfter \(quarantineTime(challenge.graceEndsAt, zone: order.timeZone))").font(.headline)
                        if challenge.homeTokenRequired {
                            Text("quarantine.tokenRequired").bold().fixedSize(horizontal: false, vertical: true)
                            HomeTokenScanView(viewModel: viewModel)
                        }
                        Button { viewModel.checkIn() } label: {
                            Text(viewModel.busy ? "quarantine.checkingIn" : "quarantine.checkInButton")
                                .font(.largeTitle.bold())
                                .frame(maxWidth: .infinity, minHeight: 96)
                        }
                        .buttonStyle(.borderedProminent)
                        .disabled(!viewModel.canCheckIn)
                        Label("quarantine.whatTaken", systemImage: "location").fixedSize(horizontal: false, vertical: true)
                    }
                } else {
                    Text("quarantine.noChallenge").fixedSize(horizontal: false, vertical: true)
                    if let next = order.nextCheckInAt {
                        Text("quarantine.nextCheckIn \(quarantineDateTime(next, zone: order.timeZone))")
                    }
                }
            }
        }
    }
}

/// A verdict on its badge, then each reason in words.
struct QuarantineVerdictView: View {
    let checkIn: QuarantineCheckInItem

    var body: some View {
        let status = quarantineVerdictStatus(checkIn)
        StatusBadge(kind: status.0, words: status.1)
        if !checkIn.reasons.isEmpty {
            Text("quarantine.why").font(.headline)
            ForEach(checkIn.reasons, id: \.self) { reason in
                Label(quarantineReasonKey(reason), systemImage: "info.circle").fixedSize(horizontal: false, vertical: true)
            }
        }
        if checkIn.verdict == .refused { QuarantineRefusalNote(checkIn: checkIn) }
    }
}

/// A case: what happened, "no penalty without an officer's decision", the explain-by time, the form (reasons as
/// choices, words required for another reason), what the person said, and the officer's decision and words.
struct QuarantineCaseView: View {
    @ObservedObject var viewModel: QuarantineViewModel

    var body: some View {
        Form {
            QuarantineFailure(viewModel: viewModel)
            if let item = viewModel.openCase {
                let zone = viewModel.orders.first { $0.orderId == item.orderId }?.timeZone ?? TimeZone.current.identifier
                Section {
                    StatusBadge(kind: item.state == .awaitingExplanation && item.explanation == nil ? .caution : .unknown, words: quarantineCaseKey(item.state))
                    Text("quarantine.noPenalty").bold().fixedSize(horizontal: false, vertical: true)
                    Text("quarantine.openedAt \(quarantineDateTime(item.openedAt, zone: zone))")
                    QuarantineVerdictView(checkIn: item.checkIn)
                }
                if let explanation = item.explanation {
                    Section {
                        Text(quarantineExplanationKey(explanation)).font(.headline)
                        if !item.explanationText.isEmpty { Text(verbatim: item.explanationText).fixedSize(horizontal: false, vertical: true) }
                        if item.explanationPending { StatusBadge(kind: .unknown, words: "quarantine.explanationPending") }
                    } header: {
                        Text("quarantine.yourExplanation")
                    }
                } else if viewModel.canExplain(item) {
                    Section {
                        Text("quarantine.explainBy \(quarantineDateTime(item.explainBy, zone: zone))").font(.headline)
                        Picker("quarantine.whatHappened", selection: $viewModel.reason) {
                            ForEach(ExplanationChoice.allCases) { choice in
                                Text(quarantineExplanationKey(choice)).tag(Optional(choice))
                            }
                        }
                        .pickerStyle(.inline)
                        if viewModel.reasonMissing { Text("quarantine.reasonMissing").foregroundColor(.red) }
                        TextField(viewModel.reason == .other ? "quarantine.text" : "quarantine.textOptional", text: $viewModel.explanationText, axis: .vertical)
                            .lineLimit(3...8)
                        if viewModel.textMissing { Text("quarantine.textMissing").foregroundColor(.red) }
                        Button(viewModel.busy ? "quarantine.sending" : "quarantine.send") { viewModel.sendExplanation() }
                            .buttonStyle(.borderedProminent)
                            .frame(maxWidth: .infinity, minHeight: 44)
                            .disabled(viewModel.busy)
                    } header: {
                        Text("quarantine.whatHappened")
                    }
                } else if item.decision == nil {
                    Text("quarantine.windowClosed")
                }
                if let decision = item.decision {
                    Section {
                        Text(quarantineDecisionKey(decision)).font(.title3.bold())
                        if let at = item.decidedAt { Text(verbatim: quarantineDateTime(at, zone: zone)).font(.footnote) }
                        if let note = item.decisionNote, !note.isEmpty {
                            Text("quarantine.officerNote").font(.footnote)
                            Text(verbatim: note).fixedSize(horizontal: false, vertical: true)
                        }
                    } header: {
                        Text("quarantine.decision")
                    }
                }
            }
        }
    }
}

/// The home card while an order runs: days left, the open check-in or the next window, and a button to open.
struct QuarantineHomeCard: View {
    let order: QuarantineOrderItem
    let open: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text("quarantine.title").font(.title3.bold())
            HStack(alignment: .lastTextBaseline, spacing: 8) {
                Text(verbatim: String(order.daysLeft)).font(.system(size: 56, weight: .bold))
                Text(order.daysLeft == 1 ? "quarantine.dayLeft" : "quarantine.daysLeft").font(.title3)
            }
            .accessibilityElement(children: .combine)
            if let challenge = order.openChallenge, Date() < challenge.graceEndsAt {
                StatusBadge(kind: .caution, words: "quarantine.challengeOpen")
                Text("quarantine.lateAfter \(quarantineTime(challenge.closesAt, zone: order.timeZone))")
            } else if let next = order.nextCheckInAt {
                Text("quarantine.nextCheckIn \(quarantineDateTime(next, zone: order.timeZone))").fixedSize(horizontal: false, vertical: true)
            }
            Button("quarantine.open", action: open)
                .buttonStyle(.borderedProminent)
                .frame(maxWidth: .infinity, minHeight: 44)
        }
        .padding()
        .overlay(RoundedRectangle(cornerRadius: 12).stroke(Color.secondary, lineWidth: 2))
    }
}
