import HealthbookCore
import SwiftUI
import UIKit

/// Every profile's health pass, one swipe apart: large QR, status in colour, symbol and words, reasons,
/// the time left, and "shown offline" for the kept copy.
struct PassView: View {
    @ObservedObject var viewModel: PassViewModel

    var body: some View {
        TabView {
            ForEach(viewModel.pages, id: \.profileId) { page in
                ScrollView {
                    PassPageView(page: page) { viewModel.refresh(profileId: page.profileId) }.padding()
                }
            }
        }
        .tabViewStyle(.page(indexDisplayMode: .always))
        .indexViewStyle(.page(backgroundDisplayMode: .always))
    }
}

private struct PassPageView: View {
    let page: PassPageState
    let refresh: () -> Void
    @Environment(\.locale) private var locale

    var body: some View {
        VStack(spacing: 16) {
            Text(verbatim: page.name).font(.title).frame(maxWidth: .infinity, alignment: .leading)
            if let failure = page.failure {
                ErrorBanner(message: LocalizedStringKey(failure), dismiss: nil)
            }
            if let pass = page.pass {
                status(pass)
                if page.shownOffline {
                    Label("pass.shownOffline", systemImage: "icloud.slash")
                }
                if let png = page.qrPng, let image = UIImage(data: png) {
                    // Nearest-neighbour scaling keeps the modules sharp, so any camera reads it.
                    Image(uiImage: image)
                        .interpolation(.none)
                        .resizable()
                        .scaledToFit()
                        .padding(8)
                        .background(Color.white)
                        .accessibilityLabel(Text("pass.qr"))
                }
                if !pass.expired {
                    Text("pass.validFor \(durationWords(seconds: pass.expiresAt.timeIntervalSinceNow, locale: locale))").font(.headline)
                }
                if !pass.reasons.isEmpty {
                    Text("pass.reasons \(pass.reasons.joined(separator: ", "))")
                }
            } else if page.failure == nil {
                Text("pass.none")
            }
            Button(page.refreshing ? "pass.refreshing" : "pass.refresh", action: refresh)
                .frame(maxWidth: .infinity, minHeight: 44)
                .disabled(page.refreshing)
        }
    }

    @ViewBuilder private func status(_ pass: HealthPass) -> some View {
        if pass.expired {
            StatusBadge(kind: .unknown, words: "pass.expired")
        } else {
            switch pass.status {
            case "green": StatusBadge(kind: .good, words: "pass.green")
            case "yellow": StatusBadge(kind: .caution, words: "pass.yellow")
            case "red": StatusBadge(kind: .bad, words: "pass.red")
            default: StatusBadge(kind: .unknown, words: "pass.unknown")
            }
        }
    }
}
