import SwiftUI

/// A status shown in colour, with a distinct symbol and words together, so that it never relies on colour
/// alone; VoiceOver reads the words.
struct StatusBadge: View {
    enum Kind {
        case good, caution, bad, unknown
        /// Something needs the person's attention now (an unread exposure alert): red, with the warning shape.
        case alert

        var colour: Color {
            switch self {
            case .good: return Color(red: 0.11, green: 0.50, blue: 0.23)
            case .caution: return Color(red: 0.54, green: 0.38, blue: 0.0)
            case .bad, .alert: return Color(red: 0.70, green: 0.15, blue: 0.12)
            case .unknown: return Color(red: 0.37, green: 0.39, blue: 0.41)
            }
        }

        var symbol: String {
            switch self {
            case .good: return "checkmark.circle.fill"
            case .caution: return "exclamationmark.triangle.fill"
            case .bad: return "xmark.octagon.fill"
            case .unknown: return "questionmark.circle.fill"
            case .alert: return "exclamationmark.triangle.fill"
            }
        }
    }

    let kind: Kind
    let words: Text

    init(kind: Kind, words: LocalizedStringKey) {
        self.kind = kind
        self.words = Text(words)
    }

    /// A status in words the core already localised (a test result's headline), shown as they come.
    init(kind: Kind, verbatim: String) {
        self.kind = kind
        self.words = Text(verbatim: verbatim)
    }

    var body: some View {
        HStack(spacing: 12) {
            Image(systemName: kind.symbol).font(.largeTitle).accessibilityHidden(true)
            words.font(.title2.bold()).fixedSize(horizontal: false, vertical: true)
            Spacer(minLength: 0)
        }
        .foregroundColor(.white)
        .padding()
        .frame(maxWidth: .infinity, minHeight: 44)
        .background(kind.colour, in: RoundedRectangle(cornerRadius: 12))
        .accessibilityElement(children: .combine)
    }
}

/// An error banner with a symbol and words, and a dismiss button of at least 44 points.
struct ErrorBanner: View {
    let message: LocalizedStringKey
    let dismiss: (() -> Void)?

    var body: some View {
        HStack(alignment: .top, spacing: 12) {
            Image(systemName: "exclamationmark.triangle.fill").accessibilityHidden(true)
            Text(message).fixedSize(horizontal: false, vertical: true)
            Spacer(minLength: 0)
            if let dismiss {
                Button("common.dismiss", action: dismiss).frame(minWidth: 44, minHeight: 44)
            }
        }
        .padding()
        .background(Color.red.opacity(0.12), in: RoundedRectangle(cornerRadius: 8))
        .accessibilityElement(children: .combine)
    }
}

/// A duration in words, never negative, through the system formatter in the app's language.
func durationWords(seconds: TimeInterval, locale: Locale) -> String {
    let formatter = DateComponentsFormatter()
    formatter.allowedUnits = seconds >= 86_400 ? [.day, .hour] : [.hour, .minute]
    formatter.unitsStyle = .full
    formatter.maximumUnitCount = 2
    var calendar = Calendar.current
    calendar.locale = locale
    formatter.calendar = calendar
    return formatter.string(from: max(0, seconds)) ?? ""
}
