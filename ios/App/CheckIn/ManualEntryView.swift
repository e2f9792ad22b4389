import HealthbookCore
import SwiftUI

/// A visit to a place without a poster, typed by hand: whose, where, and when (date and time pickers; the end
/// may be left open while the person is still there). Each field's problem shows under it; the core's refusal
/// above the save button.
struct ManualEntryView: View {
    @ObservedObject var viewModel: CheckInViewModel
    let profiles: [Profile]
    let done: () -> Void
    @State private var profileId: String?
    @State private var place = ""
    @State private var from = Date()
    @State private var hasEnd = false
    @State private var to = Date()

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
            }
            if let saved = viewModel.manualSaved {
                StatusBadge(kind: .good, words: "checkin.manualSaved")
                Text(verbatim: saved.venueName)
                Button("checkin.done") {
                    viewModel.dismissManual()
                    done()
                }
                .frame(maxWidth: .infinity, minHeight: 44)
            } else {
                if profiles.count > 1 {
                    Picker("checkin.who", selection: $profileId) {
                        ForEach(profiles, id: \.id) { profile in
                            Text(verbatim: profile.fullName).tag(Optional(profile.id))
                        }
                    }
                    .onChange(of: profileId) { _ in viewModel.manualEdited(.profile) }
                }
                problem(.profile)
                TextField("checkin.manualPlace", text: $place)
                    .accessibilityLabel(Text("checkin.manualPlace"))
                    .onChange(of: place) { _ in viewModel.manualEdited(.place) }
                problem(.place)
                DatePicker("checkin.manualFrom", selection: $from)
                    .onChange(of: from) { _ in viewModel.manualEdited(.from) }
                problem(.from)
                Toggle("checkin.manualHasEnd", isOn: $hasEnd)
                    .frame(minHeight: 44)
                    .onChange(of: hasEnd) { _ in viewModel.manualEdited(.to) }
                if hasEnd {
                    DatePicker("checkin.manualTo", selection: $to)
                        .onChange(of: to) { _ in viewModel.manualEdited(.to) }
                }
                problem(.to)
                if let refusal = viewModel.manualRefusal {
                    Text(verbatim: refusal).foregroundColor(.red).fixedSize(horizontal: false, vertical: true)
                }
                Button(viewModel.savingManual ? "checkin.saving" : "checkin.manualSave") {
                    viewModel.addManual(profileId: profileId ?? profiles.first?.id, place: place, from: from, to: hasEnd ? to : nil)
                }
                .frame(maxWidth: .infinity, minHeight: 44)
                .disabled(viewModel.savingManual)
            }
        }
        .navigationTitle(Text("checkin.manualTitle"))
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button("common.dismiss") {
                    viewModel.dismissManual()
                    done()
                }
            }
        }
    }

    @ViewBuilder
    private func problem(_ field: CheckInViewModel.ManualField) -> some View {
        if let key = viewModel.manualErrors[field] {
            Label(LocalizedStringKey(key), systemImage: "exclamationmark.circle")
                .foregroundColor(.red)
                .fixedSize(horizontal: false, vertical: true)
        }
    }
}
