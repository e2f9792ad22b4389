import SwiftUI
import UIKit

/// A part of a role's guide: the guide (`citizen`, the file stem under docs/guides) and a section anchor.
struct HelpTopic: Hashable {
    let guide: String
    let anchor: String
}

/// The guide section explaining each screen, by the screen's name in the screenshot catalogue (the names the
/// guides' pictures carry); the same table as android/ui's `HelpTopics`.
enum HelpTopics {
    static let byScreen: [String: HelpTopic] = [
        "first-start": HelpTopic(guide: "citizen", anchor: "install"),
        "profiles": HelpTopic(guide: "citizen", anchor: "family"),
        "declaration": HelpTopic(guide: "citizen", anchor: "declare"),
        "outbox": HelpTopic(guide: "citizen", anchor: "declare"),
        "pass-green": HelpTopic(guide: "citizen", anchor: "pass"),
        "diary": HelpTopic(guide: "citizen", anchor: "check-in"),
        "results-list": HelpTopic(guide: "citizen", anchor: "test-result"),
        "vaccination": HelpTopic(guide: "citizen", anchor: "vaccination"),
        "vaccination-wallet": HelpTopic(guide: "citizen", anchor: "certificate"),
        "quarantine-countdown": HelpTopic(guide: "citizen", anchor: "home-quarantine"),
        "hotline-qa": HelpTopic(guide: "citizen", anchor: "hotline"),
        "checkpoint-scan": HelpTopic(guide: "gate-operator", anchor: "checkpoint"),
        "gate-ready": HelpTopic(guide: "gate-operator", anchor: "scan"),
        "setup-check": HelpTopic(guide: "volunteer", anchor: "setup-check"),
        "volunteer-people": HelpTopic(guide: "volunteer", anchor: "enrol"),
        "vaccination-site-scan": HelpTopic(guide: "health-officer", anchor: "vaccination-site"),
        "settings": HelpTopic(guide: "citizen", anchor: "troubleshooting"),
    ]

    /// The topic of `screen`, or the citizen guide's troubleshooting for a screen without its own.
    static func of(_ screen: String) -> HelpTopic {
        byScreen[screen] ?? HelpTopic(guide: "citizen", anchor: "troubleshooting")
    }
}

/// One block of a guide section, as the help view draws it.
enum GuideBlock: Hashable {
    case heading(level: Int, text: String)
    case paragraph(String)
    case item(marker: String, text: String)
    case image(alt: String, path: String)
    case code(String)
    case row([String])
}

/// The guides bundled with the app: project.yml copies docs/guides into the bundle as the folder `guides`, so
/// the help opens offline and never drifts from the docs.
enum Guides {
    /// The Markdown of `guide` in the app's language, or nil when it is not bundled.
    static func load(_ guide: String, english: Bool) -> String? {
        let name = "\(guide).\(english ? "en" : "vi")"
        guard let url = Bundle.main.url(forResource: name, withExtension: "md", subdirectory: "guides") else { return nil }
        return try? String(contentsOf: url, encoding: .utf8)
    }

    /// A picture a guide links to (`images/x.png`), or nil when it is not bundled.
    static func image(_ path: String) -> UIImage? {
        guard !path.contains("..") else { return nil }
        let url = Bundle.main.bundleURL.appendingPathComponent("guides").appendingPathComponent(path)
        return UIImage(contentsOfFile: url.path)
    }

    /// The lines of the section opened by `<a id="anchor"></a>`, up to the next anchor.
    static func section(_ markdown: String, anchor: String) -> String? {
        let lines = markdown.components(separatedBy: "\n")
        let marker = "<a id=\"\(anchor)\"></a>"
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == marker }) else { return nil }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("<a id=\"") }) ?? lines.endIndex
        return lines[(start + 1)..<end].joined(separator: "\n")
    }

    /// The blocks of `markdown`: headings, paragraphs, list items, pictures, code and table rows.
    static func parse(_ markdown: String) -> [GuideBlock] {
        var blocks: [GuideBlock] = []
        var paragraph: [String] = []
        var code: [String]?
        func flush() {
            if !paragraph.isEmpty { blocks.append(.paragraph(paragraph.joined(separator: " "))) }
            paragraph = []
        }
        for raw in markdown.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                flush()
                if let lines = code { blocks.append(.code(lines.joined(separator: "\n"))); code = nil } else { code = [] }
                continue
            }
            if code != nil { code?.append(raw); continue }
            if line.isEmpty || line.hasPrefix("<!--") || line.hasPrefix("<a id=") {
                flush()
            } else if line.hasPrefix("#") {
                flush()
                let level = line.prefix(while: { $0 == "#" }).count
                blocks.append(.heading(level: level, text: String(line.dropFirst(level)).trimmingCharacters(in: .whitespaces)))
            } else if line.hasPrefix("![") {
                flush()
                for part in line.components(separatedBy: "![").dropFirst() {
                    let pieces = part.components(separatedBy: "](")
                    if pieces.count == 2, let close = pieces[1].firstIndex(of: ")") {
                        blocks.append(.image(alt: pieces[0], path: String(pieces[1][..<close])))
                    }
                }
            } else if line.hasPrefix("|") {
                flush()
                let cells = line.trimmingCharacters(in: CharacterSet(charactersIn: "|")).components(separatedBy: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                // The |---|---| line under a header only draws the rule.
                if !cells.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 == "-" || $0 == ":" } }) { blocks.append(.row(cells)) }
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                flush()
                blocks.append(.item(marker: "•", text: String(line.dropFirst(2))))
            } else if let dot = line.firstIndex(of: "."), line[..<dot].allSatisfy(\.isNumber), !line[..<dot].isEmpty, line[dot...].hasPrefix(". ") {
                flush()
                blocks.append(.item(marker: String(line[...dot]), text: String(line[line.index(dot, offsetBy: 2)...])))
            } else if raw.hasPrefix("   "), paragraph.isEmpty, case let .item(marker, text)? = blocks.last {
                // A continuation of the list item above (indented) joins it.
                blocks[blocks.count - 1] = .item(marker: marker, text: text + " " + line)
            } else {
                paragraph.append(line.hasPrefix(">") ? String(line.dropFirst()).trimmingCharacters(in: .whitespaces) : line)
            }
        }
        flush()
        return blocks
    }
}

/// The help entry of a screen: a toolbar button opening its guide section.
struct HelpEntry: ViewModifier {
    let screen: String

    func body(content: Content) -> some View {
        content.toolbar {
            ToolbarItem(placement: .navigationBarTrailing) {
                NavigationLink {
                    HelpView(topic: HelpTopics.of(screen))
                } label: {
                    Label("help.title", systemImage: "questionmark.circle")
                }
            }
        }
    }
}

extension View {
    /// Adds the help entry opening the guide section of `screen` (a name of the screenshot catalogue).
    func helpEntry(_ screen: String) -> some View { modifier(HelpEntry(screen: screen)) }
}

/// A guide section rendered from the bundled Markdown (inline marks through `AttributedString`), offline.
struct HelpView: View {
    let topic: HelpTopic
    @Environment(\.locale) private var locale

    private var blocks: [GuideBlock]? {
        let english = locale.identifier.hasPrefix("en")
        return Guides.load(topic.guide, english: english).flatMap { Guides.section($0, anchor: topic.anchor) }.map(Guides.parse)
    }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 10) {
                if let blocks {
                    ForEach(Array(blocks.enumerated()), id: \.offset) { _, block in
                        view(of: block)
                    }
                } else {
                    ErrorBanner(message: "help.missing", dismiss: nil)
                }
            }
            .padding()
        }
        .navigationTitle(Text("help.title"))
    }

    private func inline(_ text: String) -> Text {
        if let attributed = try? AttributedString(markdown: text) { return Text(attributed) }
        return Text(verbatim: text)
    }

    @ViewBuilder
    private func view(of block: GuideBlock) -> some View {
        switch block {
        case let .heading(level, text):
            inline(text).font(level <= 2 ? .title2 : .title3).bold().accessibilityAddTraits(.isHeader)
        case let .paragraph(text):
            inline(text).font(.body)
        case let .item(marker, text):
            HStack(alignment: .firstTextBaseline, spacing: 8) {
                Text(verbatim: marker).bold()
                inline(text)
            }
        case let .image(alt, path):
            // A picture that isn't bundled is left out.
            if let image = Guides.image(path) {
                Image(uiImage: image).resizable().scaledToFit().frame(maxWidth: 280).accessibilityLabel(Text(verbatim: alt))
            }
        case let .code(text):
            ScrollView(.horizontal) {
                Text(verbatim: text).font(.system(.callout, design: .monospaced)).padding(8)
            }
            .background(Color.secondary.opacity(0.12))
        case let .row(cells):
            inline(cells.joined(separator: " — ")).font(.callout)
        }
    }
}
