import HealthbookCore
import SwiftUI

/// The visit diary, newest first and grouped by day: where, when, still there (with a check-out button),
/// checked out automatically, or typed by hand. Unread exposure alerts head the screen in colour, symbol and
/// words. Buttons lead to scanning a poster, a manual entry and the alerts.
struct CheckInView: View {
    @ObservedObject var viewModel: CheckInViewModel
    let profiles: [Profile]
    @State private var scanning = false
    @State private var addingManual = false
    @Environment(\.locale) private var locale

    private var days: [(day: Date, visits: [DiaryVisit])] {
        let calendar = Calendar.current
        let grouped = Dictionary(grouping: viewModel.diary) { calendar.startOfDay(for: $0.checkedInAt) }
        return grouped.keys.sorted(by: >).map { ($0, grouped[$0] ?? []) }
    }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                if let failure = viewModel.failure {
                    ErrorBanner(message: LocalizedStringKey(failure)) { viewModel.dismissFailure() }
                }
                if viewModel.unseenAlerts > 0 {
                    NavigationLink(value: "alerts") {
                        StatusBadge(kind: .alert, words: "checkin.unseenAlerts \(viewModel.unseenAlerts)")
                    }
                    .buttonStyle(.plain)
                    .accessibilityHint(Text("checkin.openAlerts"))
                }
                Button("checkin.scanPoster") { scanning = true }
                    .buttonStyle(.borderedProminent)
                    .frame(maxWidth: .infinity, minHeight: 44)
                Button("checkin.manualAdd") { addingManual = true }
                    .frame(maxWidth: .infinity, minHeight: 44)
                if viewModel.unseenAlerts == 0 {
                    NavigationLink("checkin.alerts", value: "alerts").frame(maxWidth: .infinity, minHeight: 44)
                }
                Text("checkin.diaryHint").font(.footnote).fixedSize(horizontal: false, vertical: true)
                if viewModel.loading {
                    ProgressView()
                } else if viewModel.diary.isEmpty {
                    Text("checkin.diaryEmpty").fixedSize(horizontal: false, vertical: true)
                }
                ForEach(days, id: \.day) { group in
                    Text(group.day, format: .dateTime.weekday(.wide).day().month(.wide).year().locale(locale))
                        .font(.title3.bold())
                        .accessibilityAddTraits(.isHeader)
                    ForEach(group.visits) { visit in
                        VisitRow(visit: visit, whose: profiles.count > 1 ? profiles.first { $0.id == visit.profileId }?.fullName : nil,
                                 checkOut: { viewModel.checkOut(entryId: visit.entryId) },
                                 delete: { viewModel.delete(entryId: visit.entryId) })
                    }
                }
            }
            .padding()
        }
        .navigationTitle(Text("checkin.diary"))
        .navigationDestination(for: String.self) { _ in ExposureView(viewModel: viewModel) }
        .onAppear { viewModel.reload() }
        .sheet(isPresented: $scanning) {
            NavigationStack {
                CheckInScanView(viewModel: viewModel, profiles: profiles) { scanning = false }
            }
        }
        .sheet(isPresented: $addingManual) {
            NavigationStack {
                ManualEntryView(viewModel: viewModel, profiles: profiles) { addingManual = false }
            }
        }
    }
}

private struct VisitRow: View {
    let visit: DiaryVisit
    let whose: String?
    let checkOut: () -> Void
    let delete: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(verbatim: visit.venueName).font(.headline).fixedSize(horizontal: false, vertical: true)
            if !visit.venueKind.isEmpty { Text(verbatim: visit.venueKind).font(.subheadline) }
            if let whose { Text(verbatim: whose).font(.subheadline) }
            if let out = visit.checkedOutAt {
                Text("\(visit.checkedInAt, style: .time) – \(out, style: .time)")
            } else {
                Text(visit.checkedInAt, style: .time)
                StatusBadge(kind: .good, words: "checkin.stillHere")
                Button("checkin.checkOut", action: checkOut)
                    .buttonStyle(.borderedProminent)
                    .frame(maxWidth: .infinity, minHeight: 44)
            }
            if visit.autoCheckedOut {
                Label("checkin.autoCheckedOut", systemImage: "clock.arrow.circlepath").fixedSize(horizontal: false, vertical: true)
            }
            if visit.manual {
                Label("checkin.manualBadge", systemImage: "pencil")
            }
            Button("checkin.delete", role: .destructive, action: delete).frame(minWidth: 44, minHeight: 44)
        }
        .padding()
        .frame(maxWidth: .infinity, alignment: .leading)
        .overlay(RoundedRectangle(cornerRadius: 12).stroke(Color.secondary.opacity(0.4)))
    }
}
