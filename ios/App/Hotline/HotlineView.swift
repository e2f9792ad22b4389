import SwiftUI

/// A day as Vietnamese papers write it, in the phone's time zone.
private func hotlineDay(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.dateFormat = "dd/MM/yyyy"
    return formatter.string(from: date)
}

/// A time and day, 24-hour, in the phone's time zone.
private func hotlineDateTime(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.dateFormat = "HH:mm, dd/MM/yyyy"
    return formatter.string(from: date)
}

/// Where a question is, as a badge kind and a catalog key (never colour alone).
private func standing(_ state: QuestionStanding) -> (StatusBadge.Kind, LocalizedStringKey) {
    switch state {
    // Not sent yet: the citizen must know the hotline has not heard it.
    case .sending: return (.caution, "hotline.stateSending")
    case .received: return (.unknown, "hotline.stateReceived")
    case .assigned: return (.unknown, "hotline.stateAssigned")
    case .answered: return (.good, "hotline.stateAnswered")
    case .closed: return (.unknown, "hotline.stateClosed")
    // Refused for good: it will never be sent, so it must not look like it is still on its way.
    case .refused: return (.bad, "hotline.stateRefused")
    }
}

/// A failure in words: a catalog key, or the core's refusal as it comes.
struct HotlineFailureBanner: View {
    let failure: HotlineViewModel.Failure
    let dismiss: () -> Void

    var body: some View {
        switch failure {
        case .key(let key):
            ErrorBanner(message: LocalizedStringKey(key), dismiss: dismiss)
        case .refused(let words):
            ErrorBanner(message: "hotline.refused \(words)", dismiss: dismiss)
        }
    }
}

/// The citizen's hotline: the Q&A (search as you type, topics, results, "ask" when nothing is found), one
/// entry, the ask form, or the phone's own questions, as the view model's page says.
struct HotlineView: View {
    @ObservedObject var viewModel: HotlineViewModel
    @Environment(\.locale) private var locale

    private var english: Bool { locale.identifier.hasPrefix("en") }

    var body: some View {
        Group {
            switch viewModel.page {
            case .qa: qaPage
            case .entry: entryPage
            case .ask: HotlineAskForm(viewModel: viewModel, english: english)
            case .myQuestions: myQuestionsPage
            }
        }
        .navigationTitle(Text("hotline.title"))
        .toolbar {
            if viewModel.page != .qa {
                ToolbarItem(placement: .navigationBarLeading) {
                    Button("common.back") { viewModel.back() }.frame(minWidth: 44, minHeight: 44)
                }
            }
        }
        .navigationBarBackButtonHidden(viewModel.page != .qa)
    }

    @ViewBuilder private var failureBanner: some View {
        if let failure = viewModel.failure {
            HotlineFailureBanner(failure: failure) { viewModel.dismissFailure() }
        }
    }

    private var qaPage: some View {
        List {
            failureBanner
            Section {
                if viewModel.province == nil {
                    Text("hotline.noProvince").fixedSize(horizontal: false, vertical: true)
                } else if let info = viewModel.info {
                    VStack(alignment: .leading, spacing: 4) {
                        Text("hotline.setVersion \(String(info.version)) \(hotlineDay(info.publishedAt))")
                        Text("hotline.checked \(hotlineDateTime(info.checkedAt))").font(.footnote).foregroundColor(.secondary)
                    }
                    .accessibilityElement(children: .combine)
                } else if !viewModel.loading {
                    Text("hotline.noSet").fixedSize(horizontal: false, vertical: true)
                }
                TextField("hotline.search", text: $viewModel.query)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                    .frame(minHeight: 44)
                TopicPicker(selection: $viewModel.topic, allowsAll: true)
            }
            Section {
                if viewModel.loading {
                    ProgressView()
                } else if viewModel.noResults {
                    VStack(alignment: .leading, spacing: 8) {
                        Text("hotline.noResults").font(.headline)
                        Text("hotline.noResultsAsk").fixedSize(horizontal: false, vertical: true)
                    }
                } else {
                    ForEach(viewModel.results) { entry in
                        Button { viewModel.openEntry(entry.id) } label: {
                            VStack(alignment: .leading, spacing: 4) {
                                Text(verbatim: entry.question(english: english)).font(.headline).fixedSize(horizontal: false, vertical: true)
                                Text(LocalizedStringKey(entry.topic.nameKey)).font(.footnote).foregroundColor(.secondary)
                            }
                            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                        }
                        .accessibilityElement(children: .combine)
                    }
                }
            }
            Section {
                Button("hotline.ask") { viewModel.openAsk() }.frame(minHeight: 44)
                Button { viewModel.openMyQuestions() } label: {
                    Text("hotline.myQuestions \(String(viewModel.questions.count))")
                }
                .frame(minHeight: 44)
                if viewModel.province != nil {
                    Button(viewModel.refreshingQa ? "hotline.refreshing" : "hotline.refresh") { Task { await viewModel.refresh() } }
                        .frame(minHeight: 44)
                        .disabled(viewModel.refreshingQa)
                }
            }
        }
    }

    private var entryPage: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                if let entry = viewModel.entry {
                    Text(LocalizedStringKey(entry.topic.nameKey)).font(.subheadline).foregroundColor(.secondary)
                    Text(verbatim: entry.question(english: english)).font(.title2.bold()).fixedSize(horizontal: false, vertical: true)
                        .accessibilityAddTraits(.isHeader)
                    Text(verbatim: entry.answer(english: english)).fixedSize(horizontal: false, vertical: true)
                    if let info = viewModel.info {
                        Text("hotline.setVersion \(String(info.version)) \(hotlineDay(info.publishedAt))").font(.footnote).foregroundColor(.secondary)
                    }
                    Button("hotline.notWhatYouNeed") { viewModel.openAsk() }
                        .buttonStyle(.bordered)
                        .frame(maxWidth: .infinity, minHeight: 44)
                }
            }
            .padding()
        }
    }

    private var myQuestionsPage: some View {
        List {
            failureBanner
            if let sent = viewModel.justSent {
                switch sent.state {
                case .sending: StatusBadge(kind: .caution, words: "hotline.sentQueued")
                case .refused: StatusBadge(kind: .bad, words: "hotline.sentRefused")
                default: StatusBadge(kind: .good, words: "hotline.sentDone")
                }
            }
            Button(viewModel.refreshingQuestions ? "hotline.refreshing" : "hotline.refresh") { Task { await viewModel.refresh() } }
                .frame(minHeight: 44)
                .disabled(viewModel.refreshingQuestions)
            if viewModel.questions.isEmpty {
                Text("hotline.noQuestions")
            }
            ForEach(viewModel.questions) { question in
                VStack(alignment: .leading, spacing: 8) {
                    let (kind, words) = standing(question.state)
                    StatusBadge(kind: kind, words: words)
                    HStack(spacing: 4) {
                        Text(question.kind == .report ? "hotline.kindReportShort" : "hotline.kindQuestionShort")
                        Text(verbatim: "·")
                        Text(LocalizedStringKey(question.topic.nameKey))
                    }
                    .font(.headline)
                    Text("hotline.askedAt \(hotlineDateTime(question.askedAt))").font(.footnote).foregroundColor(.secondary)
                    Text(verbatim: question.text).fixedSize(horizontal: false, vertical: true)
                    if question.state == .refused {
                        // What to do in plain words first; the core's reason (status and code) after it, small.
                        VStack(alignment: .leading, spacing: 4) {
                            Text("hotline.refusedWhat").fixedSize(horizontal: false, vertical: true)
                            if let reason = question.refusedReason, !reason.isEmpty {
                                Text("hotline.refusedDetail \(reason)").font(.footnote).foregroundColor(.secondary)
                                    .fixedSize(horizontal: false, vertical: true)
                            }
                        }
                        .padding(12)
                        .overlay(RoundedRectangle(cornerRadius: 8).stroke(kind.colour, lineWidth: 1))
                        .accessibilityElement(children: .combine)
                    }
                    if let answer = question.answer {
                        VStack(alignment: .leading, spacing: 4) {
                            Text("hotline.answer").font(.headline)
                            Text(verbatim: answer).fixedSize(horizontal: false, vertical: true)
                            if let at = question.answeredAt { Text(verbatim: hotlineDateTime(at)).font(.footnote).foregroundColor(.secondary) }
                        }
                        .padding(12)
                        .overlay(RoundedRectangle(cornerRadius: 8).stroke(kind.colour, lineWidth: 1))
                        .accessibilityElement(children: .combine)
                    }
                }
            }
            Button("hotline.ask") { viewModel.openAsk() }.frame(minHeight: 44)
        }
    }
}

/// The topics as a menu picker (one 44-point row), with "All" first when `allowsAll`.
struct TopicPicker: View {
    @SwiftUI.Binding var selection: HotlineTopic?
    let allowsAll: Bool

    var body: some View {
        Picker("hotline.topics", selection: $selection) {
            if allowsAll { Text("hotline.all").tag(HotlineTopic?.none) }
            ForEach(HotlineTopic.allCases) { topic in
                Text(LocalizedStringKey(topic.nameKey)).tag(HotlineTopic?.some(topic))
            }
        }
        .frame(minHeight: 44)
    }
}

/// The ask form: what is sent (only what is typed here), question or problem report, topic, the text with its
/// count, and the optional ward, venue (for a report) and call-back number; each problem under its field.
struct HotlineAskForm: View {
    @ObservedObject var viewModel: HotlineViewModel
    let english: Bool

    private var topic: SwiftUI.Binding<HotlineTopic?> {
        SwiftUI.Binding(get: { viewModel.draft.topic }, set: { if let t = $0 { viewModel.draft.topic = t } })
    }

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                HotlineFailureBanner(failure: failure) { viewModel.dismissFailure() }
            }
            Section {
                Label("hotline.whatIsSent", systemImage: "info.circle").fixedSize(horizontal: false, vertical: true)
                if viewModel.problems.contains(.noProvince) { problem("hotline.noProvince") }
            }
            Section("hotline.kindTitle") {
                Picker("hotline.kindTitle", selection: $viewModel.draft.kind) {
                    Text("hotline.kindQuestion").tag(AskKind.question)
                    Text("hotline.kindReport").tag(AskKind.report)
                }
                .pickerStyle(.inline)
                .labelsHidden()
                TopicPicker(selection: topic, allowsAll: false)
            }
            Section {
                TextField("hotline.text", text: $viewModel.draft.text, axis: .vertical)
                    .lineLimit(4...12)
                let count = viewModel.draft.text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.count
                Text(verbatim: "\(count)/\(HotlineViewModel.maxTextCharacters)").font(.footnote)
                    .foregroundColor(count > HotlineViewModel.maxTextCharacters ? .red : .secondary)
                if viewModel.problems.contains(.textEmpty) { problem("hotline.textEmpty") }
                if viewModel.problems.contains(.textTooLong) { problem("hotline.textTooLong") }
            }
            Section {
                TextField("hotline.ward", text: $viewModel.draft.ward).keyboardType(.numberPad).frame(minHeight: 44)
                Text("hotline.wardNote").font(.footnote).foregroundColor(.secondary).fixedSize(horizontal: false, vertical: true)
                if viewModel.problems.contains(.ward) { problem("hotline.wardInvalid") }
                if viewModel.draft.kind == .report {
                    TextField("hotline.venue", text: $viewModel.draft.venueId)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .frame(minHeight: 44)
                    if viewModel.problems.contains(.venue) { problem("hotline.venueInvalid") }
                }
                TextField("hotline.phone", text: $viewModel.draft.contactPhone).keyboardType(.phonePad).frame(minHeight: 44)
                Text("hotline.phoneNote").font(.footnote).foregroundColor(.secondary).fixedSize(horizontal: false, vertical: true)
                if viewModel.problems.contains(.phone) { problem("hotline.phoneInvalid") }
            }
            Section {
                Button(viewModel.sending ? "hotline.sending" : "hotline.send") { viewModel.send(english: english) }
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .disabled(viewModel.sending)
            }
        }
    }

    private func problem(_ key: LocalizedStringKey) -> some View {
        Label(key, systemImage: "exclamationmark.circle.fill")
            .foregroundColor(.red)
            .fixedSize(horizontal: false, vertical: true)
    }
}
