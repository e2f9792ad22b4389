import SwiftUI
import UIKit

/// The vaccination site: choose a site, then scan. A scan (`scanner`, the camera the gate uses, or typed text)
/// shows the person found (name and birth year to compare with the ID card, today's invitation, doses with
/// self-reported ones marked) and the dose form prefilled from the stock; recording shows the new certificate.
struct VaccinationSiteView: View {
    @ObservedObject var viewModel: VaccinationSiteViewModel
    @State private var typed = ""

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                switch failure {
                case let .key(key): ErrorBanner(message: LocalizedStringKey(key)) { viewModel.dismissFailure() }
                case let .refused(words): ErrorBanner(message: "site.refused \(words)") { viewModel.dismissFailure() }
                }
            }
            if let site = viewModel.site {
                Section {
                    Text(verbatim: site.name).font(.title2.bold())
                    Text(verbatim: site.address)
                    if viewModel.sites.count > 1 { Button("site.change") { viewModel.changeSite() }.frame(minHeight: 44) }
                }
                if let recorded = viewModel.recorded, let candidate = viewModel.candidate {
                    ConfirmationSection(viewModel: viewModel, recorded: recorded, candidate: candidate)
                } else if let candidate = viewModel.candidate {
                    CandidateSection(candidate: candidate)
                    DoseFormSection(viewModel: viewModel)
                } else {
                    Section {
                        Text("site.scanHint").fixedSize(horizontal: false, vertical: true)
                        if viewModel.looking { HStack(spacing: 12) { ProgressView(); Text("site.looking") } }
                        TextField("site.scanInput", text: $typed)
                            .textInputAutocapitalization(.never)
                            .frame(minHeight: 44)
                        Button("site.scanButton") {
                            viewModel.scan(typed)
                            typed = ""
                        }
                        .frame(minHeight: 44)
                        .disabled(typed.trimmingCharacters(in: .whitespaces).isEmpty || viewModel.looking)
                    }
                }
                Section("site.stock") {
                    if viewModel.stock.isEmpty { Text("site.noStock") }
                    ForEach(viewModel.stock) { lot in
                        Text("site.lotLine \(lot.product) \(lot.lot) \(String(lot.remaining))")
                    }
                    Button("site.refreshStock") { Task { await viewModel.refreshStock() } }.frame(minHeight: 44)
                }
            } else {
                Section("site.choose") {
                    if viewModel.loading {
                        ProgressView()
                    } else if viewModel.sites.isEmpty {
                        Text("site.none").fixedSize(horizontal: false, vertical: true)
                    }
                    ForEach(viewModel.sites) { site in
                        Button { Task { await viewModel.pick(site.siteId) } } label: {
                            VStack(alignment: .leading, spacing: 2) {
                                Text(verbatim: site.name).font(.headline)
                                Text(verbatim: site.address).font(.subheadline)
                            }
                        }
                        .frame(minHeight: 44)
                    }
                }
            }
        }
        .navigationTitle(Text("site.title"))
    }
}

private struct CandidateSection: View {
    let candidate: DoseCandidateItem

    var body: some View {
        Section {
            Text(verbatim: candidate.fullName).font(.title.bold())
            Text("site.birthYear \(String(candidate.birthYear))").font(.title2)
            Text("site.compareId")
            if let invitation = candidate.invitation {
                StatusBadge(kind: .good, words: "site.invitedToday \(vaccinationTime(invitation.startsAt)) \(invitation.product)")
            } else {
                StatusBadge(kind: .unknown, words: "site.noInvitation")
            }
            if candidate.doses.isEmpty { Text("vaccination.noDoses") }
            ForEach(candidate.doses.sorted { $0.doseNumber < $1.doseNumber }) { DoseRowView(dose: $0) }
            if let due = candidate.nextDue { Text("vaccination.nextDue \(vaccinationDay(due))") }
        }
    }
}

private struct DoseFormSection: View {
    @ObservedObject var viewModel: VaccinationSiteViewModel

    var body: some View {
        Section {
            Picker("site.productLot", selection: $viewModel.lot) {
                ForEach(viewModel.stock.filter { $0.remaining > 0 }) { lot in
                    Text("site.lotLine \(lot.product) \(lot.lot) \(String(lot.remaining))").tag(StockLotItem?.some(lot))
                }
            }
            .pickerStyle(.inline)
            if viewModel.problems.contains(.lot) { Text("site.errorLot").font(.callout).foregroundColor(.red) }
            TextField("site.doseNumber", text: $viewModel.doseNumber)
                .keyboardType(.numberPad)
                .frame(minHeight: 44)
            if viewModel.problems.contains(.doseNumber) { Text("site.errorDoseNumber").font(.callout).foregroundColor(.red) }
            Button { viewModel.record() } label: {
                Text(viewModel.recording ? "site.recording" : "site.record").font(.title3.bold()).frame(maxWidth: .infinity, minHeight: 56)
            }
            .buttonStyle(.borderedProminent)
            .disabled(viewModel.recording)
            Button("site.nextPerson") { viewModel.next() }.frame(minHeight: 44).disabled(viewModel.recording)
        } header: {
            Text("site.productLot")
        }
    }
}

private struct ConfirmationSection: View {
    @ObservedObject var viewModel: VaccinationSiteViewModel
    let recorded: RecordedDoseItem
    let candidate: DoseCandidateItem

    var body: some View {
        Section {
            StatusBadge(kind: .good, words: "site.recorded")
            Text(verbatim: candidate.fullName).font(.title2.bold())
            DoseRowView(dose: recorded.dose)
            Text("site.newCertificate").font(.headline)
            if let png = viewModel.certificatePng, let image = UIImage(data: png) {
                Image(uiImage: image)
                    .interpolation(.none)
                    .resizable()
                    .scaledToFit()
                    .padding(8)
                    .background(Color.white)
                    .accessibilityLabel(Text("wallet.qr"))
            }
            Text("wallet.dose \(String(recorded.certificate.doseNumber)) \(String(recorded.certificate.seriesDoses))")
            Button { viewModel.next() } label: { Text("site.nextPerson").font(.title3.bold()).frame(maxWidth: .infinity, minHeight: 56) }
                .buttonStyle(.borderedProminent)
        }
    }
}

struct VaccinationSiteView_Previews: PreviewProvider {
    static var previews: some View {
        NavigationStack { VaccinationSiteView(viewModel: VaccinationSiteViewModel(service: PreviewVaccinationSiteService()) { _ in nil }) }
    }
}
