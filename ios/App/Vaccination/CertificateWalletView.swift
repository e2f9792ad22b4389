import SwiftUI
import UIKit

/// The certificate wallet: the profile chosen (a picker when the phone has several), its current EU DCC
/// vaccination certificate as a large QR (nearest-neighbour scaling keeps it decodable), product, dose n/N,
/// date and validity; then the certificates it replaced.
struct CertificateWalletView: View {
    @ObservedObject var viewModel: CertificateWalletViewModel

    var body: some View {
        Form {
            if viewModel.loadFailed { ErrorBanner(message: "wallet.loadFailed", dismiss: nil) }
            if viewModel.loading {
                ProgressView()
            } else {
                if viewModel.records.count > 1 {
                    Picker("wallet.profile", selection: SwiftUI.Binding(get: { viewModel.selected }, set: { viewModel.select($0) })) {
                        ForEach(viewModel.records) { Text(verbatim: $0.profileName).tag(String?.some($0.profileId)) }
                    }
                    .pickerStyle(.inline)
                }
                if let record = viewModel.record {
                    if let certificate = record.certificate {
                        CurrentSection(certificate: certificate, png: viewModel.qrPng)
                    } else {
                        Text("wallet.none").fixedSize(horizontal: false, vertical: true)
                    }
                    if !record.history.isEmpty {
                        Section("wallet.history") {
                            ForEach(record.history) { old in
                                VStack(alignment: .leading, spacing: 2) {
                                    Text("wallet.dose \(String(old.doseNumber)) \(String(old.seriesDoses))").font(.headline)
                                    Text(verbatim: "\(old.product) · \(vaccinationDay(old.date))")
                                    if let replaced = old.replacedAt { Text("wallet.replacedOn \(vaccinationDay(replaced))").font(.subheadline) }
                                }
                                .accessibilityElement(children: .combine)
                            }
                        }
                    }
                }
            }
        }
        .navigationTitle(Text("wallet.title"))
        .onAppear { viewModel.reload() }
    }
}

private struct CurrentSection: View {
    let certificate: VaccinationCertificateItem
    let png: Data?

    var body: some View {
        Section {
            if let png, let image = UIImage(data: png) {
                Image(uiImage: image)
                    .interpolation(.none)
                    .resizable()
                    .scaledToFit()
                    .padding(8)
                    .background(Color.white)
                    .accessibilityLabel(Text("wallet.qr"))
            } else {
                ErrorBanner(message: "wallet.notDrawn", dismiss: nil)
            }
            if certificate.expiresAt > Date() {
                StatusBadge(kind: .good, words: "wallet.validDose \(String(certificate.doseNumber)) \(String(certificate.seriesDoses))")
            } else {
                StatusBadge(kind: .bad, words: "wallet.expiredDose \(String(certificate.doseNumber)) \(String(certificate.seriesDoses))")
            }
            Text(verbatim: certificate.product).font(.title2.bold())
            Text("wallet.vaccinatedOn \(vaccinationDay(certificate.date))")
            Text("wallet.validUntil \(vaccinationDay(certificate.expiresAt))")
            Text("wallet.issued \(vaccinationDay(certificate.issuedAt))")
            VStack(alignment: .leading, spacing: 2) {
                Text("wallet.certificateId").font(.subheadline)
                Text(verbatim: certificate.uvci).font(.footnote).fixedSize(horizontal: false, vertical: true)
            }
            Text("wallet.showHint").fixedSize(horizontal: false, vertical: true)
        }
    }
}

struct CertificateWalletView_Previews: PreviewProvider {
    static var previews: some View {
        NavigationStack { CertificateWalletView(viewModel: CertificateWalletViewModel(service: PreviewVaccinationService()) { _ in nil }) }
    }
}
