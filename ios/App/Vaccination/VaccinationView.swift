import SwiftUI
import UIKit

/// A day as Vietnamese papers write it, in the phone's time zone.
func vaccinationDay(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.dateFormat = "dd/MM/yyyy"
    return formatter.string(from: date)
}

/// A time of day, 24-hour, in the phone's time zone.
func vaccinationTime(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.dateFormat = "HH:mm"
    return formatter.string(from: date)
}

/// One dose: number and date, product and lot, then how far it is confirmed in words with its own symbol. A
/// self-reported dose always reads "self-reported, not confirmed", whatever else it says.
struct DoseRowView: View {
    let dose: VaccinationDoseItem

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text("vaccination.doseLine \(String(dose.doseNumber)) \(vaccinationDay(dose.date))").font(.headline)
            HStack(spacing: 4) {
                Text(verbatim: dose.product)
                if let lot = dose.lot { Text(verbatim: "·"); Text("vaccination.lot \(lot)") }
            }
            .fixedSize(horizontal: false, vertical: true)
            if dose.selfReported {
                Label("vaccination.selfReported", systemImage: "exclamationmark.triangle.fill").font(.body.bold())
            } else if dose.confirmed {
                Label("vaccination.confirmed", systemImage: "checkmark.circle.fill")
            } else {
                Label("vaccination.awaiting", systemImage: "questionmark.circle")
            }
        }
        .accessibilityElement(children: .combine)
    }
}

/// The citizen's vaccination screen: invitations first (time and place in local time, answer-by, confirm or
/// decline, "answer waiting to send" while offline), then each profile's record: registered or not (with the
/// register form), the next dose due and every dose with how far it is confirmed. `wallet` opens the
/// certificate wallet.
struct VaccinationView: View {
    @ObservedObject var viewModel: VaccinationViewModel
    var wallet: CertificateWalletViewModel?

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                switch failure {
                case let .key(key): ErrorBanner(message: LocalizedStringKey(key)) { viewModel.dismissFailure() }
                case let .refused(words): ErrorBanner(message: "vaccination.refused \(words)") { viewModel.dismissFailure() }
                }
            }
            if let record = viewModel.registeringRecord {
                RegisterSection(viewModel: viewModel, record: record)
            } else if viewModel.loading {
                ProgressView()
            } else {
                Section {
                    if let last = viewModel.records.compactMap(\.refreshedAt).max() {
                        Text("vaccination.lastRefreshed \(vaccinationDay(last)) \(vaccinationTime(last))")
                    } else {
                        Text("vaccination.neverRefreshed")
                    }
                    Button(viewModel.refreshing ? "vaccination.refreshing" : "vaccination.refresh") { Task { await viewModel.refresh() } }
                        .frame(minHeight: 44)
                        .disabled(viewModel.refreshing)
                    if let wallet {
                        NavigationLink { CertificateWalletView(viewModel: wallet) } label: { Label("vaccination.walletOpen", systemImage: "wallet.pass") }
                            .frame(minHeight: 44)
                    }
                }
                if !viewModel.invitations.isEmpty {
                    Section("vaccination.invitations") {
                        // Those still to answer first, then the rest.
                        let open = viewModel.invitations.filter { $0.state == .pending || $0.answerPending }
                        let rest = viewModel.invitations.filter { !($0.state == .pending || $0.answerPending) }
                        ForEach(open + rest) { invitation in
                            InvitationCardView(invitation: invitation, answering: viewModel.answering.contains(invitation.invitationId)) { confirm in
                                viewModel.answer(invitationId: invitation.invitationId, confirm: confirm)
                            }
                        }
                    }
                }
                if viewModel.records.isEmpty {
                    Text("vaccination.noProfiles").fixedSize(horizontal: false, vertical: true)
                }
                ForEach(viewModel.records) { record in
                    RecordSection(record: record, busy: viewModel.busy) { viewModel.registering = record.profileId }
                }
            }
        }
        .navigationTitle(Text("vaccination.title"))
    }
}

/// An invitation: for whom, when, where, which vaccine and dose, the answer-by time and its state in words;
/// while it waits for an answer, the two answers as full-width buttons.
struct InvitationCardView: View {
    let invitation: VaccinationInvitationItem
    let answering: Bool
    let answer: (Bool) -> Void

    private var status: (StatusBadge.Kind, LocalizedStringKey) {
        // An answer not yet sent is said first: the person must know the site has not heard it.
        if invitation.answerPending { return (.caution, "invitation.answerWaiting") }
        switch invitation.state {
        case .pending: return (.caution, "invitation.pending")
        case .confirmed: return (.good, "invitation.confirmed")
        case .declined: return (.unknown, "invitation.declined")
        case .expired: return (.unknown, "invitation.expired")
        case .attended: return (.good, "invitation.attended")
        }
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            StatusBadge(kind: status.0, words: status.1)
            labelled("invitation.for", invitation.profileName)
            labelled("invitation.when", "\(vaccinationTime(invitation.startsAt))–\(vaccinationTime(invitation.endsAt)), \(vaccinationDay(invitation.startsAt))")
            labelled("invitation.where", "\(invitation.siteName), \(invitation.siteAddress)")
            VStack(alignment: .leading, spacing: 2) {
                Text("invitation.vaccine").font(.subheadline).foregroundColor(.secondary)
                Text("invitation.doseOf \(invitation.product) \(String(invitation.doseNumber))").font(.headline)
            }
            if invitation.answerPending {
                VStack(alignment: .leading, spacing: 2) {
                    Text("invitation.yourAnswer").font(.subheadline).foregroundColor(.secondary)
                    Text(invitation.state == .declined ? "invitation.decline" : "invitation.confirm").font(.headline)
                }
            }
            if invitation.state == .pending && !invitation.answerPending {
                labelled("invitation.answerBy", "\(vaccinationTime(invitation.answerBy)), \(vaccinationDay(invitation.answerBy))")
                if answering {
                    HStack(spacing: 12) { ProgressView(); Text("invitation.sending") }
                } else {
                    Button { answer(true) } label: { Text("invitation.confirm").frame(maxWidth: .infinity, minHeight: 44) }
                        .buttonStyle(.borderedProminent)
                    Button { answer(false) } label: { Text("invitation.decline").frame(maxWidth: .infinity, minHeight: 44) }
                        .buttonStyle(.bordered)
                }
            }
        }
        .padding(.vertical, 4)
    }

    /// A label over its value (never side by side, so long values and large type wrap).
    private func labelled(_ label: LocalizedStringKey, _ value: String) -> some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(label).font(.subheadline).foregroundColor(.secondary)
            Text(verbatim: value).font(.headline).fixedSize(horizontal: false, vertical: true)
        }
        .accessibilityElement(children: .combine)
    }
}

private struct RecordSection: View {
    let record: VaccinationRecordItem
    let busy: Bool
    let register: () -> Void

    var body: some View {
        Section {
            if record.registered {
                if let group = record.priorityGroup {
                    StatusBadge(kind: .good, words: "vaccination.registeredGroup \(String(group))")
                } else {
                    StatusBadge(kind: .good, words: "vaccination.registered")
                }
            } else {
                StatusBadge(kind: .unknown, words: "vaccination.notRegistered")
                Button("vaccination.register", action: register).frame(minHeight: 44).disabled(busy)
            }
            if let due = record.nextDue {
                if due <= Date() {
                    StatusBadge(kind: .caution, words: "vaccination.dueNow \(vaccinationDay(due))")
                } else {
                    Text("vaccination.nextDue \(vaccinationDay(due))").font(.headline)
                }
            } else {
                Label("vaccination.noNextDue", systemImage: "info.circle")
            }
            if record.doses.isEmpty { Text("vaccination.noDoses") }
            ForEach(record.doses.sorted { $0.doseNumber < $1.doseNumber }) { DoseRowView(dose: $0) }
        } header: {
            Text(verbatim: record.profileName).font(.title3.bold())
        }
    }
}

private struct RegisterSection: View {
    @ObservedObject var viewModel: VaccinationViewModel
    let record: VaccinationRecordItem
    @State private var ward = ""

    var body: some View {
        Section {
            Button("common.back") { viewModel.registering = nil }.frame(minHeight: 44)
            Text(verbatim: record.profileName).font(.title2.bold())
            Text("vaccination.registerHint").fixedSize(horizontal: false, vertical: true)
            TextField("vaccination.wardCode", text: $ward)
                .keyboardType(.numberPad)
                .frame(minHeight: 44)
                .onChange(of: ward) { _ in viewModel.wardEdited() }
            if viewModel.wardInvalid {
                Text("vaccination.errorWard").font(.callout).foregroundColor(.red).fixedSize(horizontal: false, vertical: true)
            }
            Button(viewModel.busy ? "vaccination.registering" : "vaccination.registerSend") { viewModel.register(profileId: record.profileId, wardCode: ward) }
                .frame(minHeight: 44)
                .disabled(viewModel.busy)
        } header: {
            Text("vaccination.register")
        }
    }
}

struct VaccinationView_Previews: PreviewProvider {
    static var previews: some View {
        let service = PreviewVaccinationService()
        NavigationStack {
            VaccinationView(
                viewModel: VaccinationViewModel(service: service),
                wallet: CertificateWalletViewModel(service: service) { _ in nil }
            )
        }
    }
}
