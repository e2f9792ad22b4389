import SwiftUI
import UIKit

/// The volunteer's screens, one page at a time as the view model says: the people they enrolled, the enrol
/// form, a person (consent, doses from paper, declaring on their behalf, the control card), the consent and
/// dose forms, and the control card shown large for printing. `declare` opens the declaration screen with the
/// person's profile. Field problems show under their field.
struct VolunteerView: View {
    @ObservedObject var viewModel: VolunteerViewModel
    var declare: (String) -> Void

    var body: some View {
        Form {
            if let failure = viewModel.failure {
                switch failure {
                case let .key(key): ErrorBanner(message: LocalizedStringKey(key)) { viewModel.dismissFailure() }
                case let .refused(words): ErrorBanner(message: "volunteer.refused \(words)") { viewModel.dismissFailure() }
                }
            }
            if viewModel.page != .people {
                Button("common.back") { viewModel.page = back(of: viewModel.page) }.frame(minHeight: 44)
            }
            switch viewModel.page {
            case .people: PeopleSection(viewModel: viewModel)
            case .enrol: EnrolSection(viewModel: viewModel)
            case .person: if let person = viewModel.person { PersonSection(viewModel: viewModel, person: person, declare: declare) }
            case .consent: if let person = viewModel.person { ConsentSection(viewModel: viewModel, person: person) }
            case .dose: if let person = viewModel.person { DoseSection(viewModel: viewModel, person: person) }
            case .card: if let person = viewModel.person { CardSection(viewModel: viewModel, person: person) }
            }
            if viewModel.busy {
                HStack(spacing: 12) { ProgressView(); Text("volunteer.working") }
            }
        }
        .navigationTitle(Text("volunteer.title"))
    }

    private func back(of page: VolunteerViewModel.Page) -> VolunteerViewModel.Page {
        switch page {
        case let .consent(id), let .dose(id), let .card(id): return .person(id)
        default: return .people
        }
    }
}

/// A text field with its problem under it, announced with the field.
private struct CheckedField: View {
    let label: LocalizedStringKey
    @SwiftUI.Binding var text: String
    let problem: LocalizedStringKey?
    var keyboard: UIKeyboardType = .default
    let edited: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            TextField(label, text: $text)
                .keyboardType(keyboard)
                .frame(minHeight: 44)
                .onChange(of: text) { _ in edited() }
            if let problem {
                Text(problem).font(.callout).foregroundColor(.red).fixedSize(horizontal: false, vertical: true)
            }
        }
    }
}

private struct PeopleSection: View {
    @ObservedObject var viewModel: VolunteerViewModel

    var body: some View {
        Section("volunteer.people") {
            Button("volunteer.enrol") { viewModel.page = .enrol }.frame(minHeight: 44)
            if viewModel.loading {
                ProgressView()
            } else if viewModel.people.isEmpty {
                Text("volunteer.noPeople").fixedSize(horizontal: false, vertical: true)
            }
            ForEach(viewModel.people) { person in
                Button { viewModel.page = .person(person.profileId) } label: {
                    VStack(alignment: .leading, spacing: 4) {
                        Text(verbatim: person.fullName).font(.headline)
                        Text("volunteer.born \(person.birthYear)")
                        Text(person.consentAt == nil ? "volunteer.consentMissing" : "volunteer.consentGiven").font(.subheadline)
                    }
                }
                .frame(minHeight: 44)
            }
        }
    }
}

private struct EnrolSection: View {
    @ObservedObject var viewModel: VolunteerViewModel
    @State private var fullName = ""
    @State private var birthYear = ""
    @State private var citizenId = ""
    @State private var phone = ""
    @State private var province = ""
    @State private var ward = ""

    var body: some View {
        Section {
            Text("volunteer.enrolHint").fixedSize(horizontal: false, vertical: true)
            CheckedField(label: "volunteer.fullName", text: $fullName, problem: problem(.fullName, "volunteer.errorFullName")) { viewModel.enrolEdited(.fullName) }
            CheckedField(label: "volunteer.birthYear", text: $birthYear, problem: problem(.birthYear, "volunteer.errorBirthYear"), keyboard: .numberPad) { viewModel.enrolEdited(.birthYear) }
            CheckedField(label: "volunteer.citizenId", text: $citizenId, problem: problem(.citizenId, "volunteer.errorCitizenId"), keyboard: .numberPad) { viewModel.enrolEdited(.citizenId) }
            CheckedField(label: "volunteer.phone", text: $phone, problem: problem(.phone, "volunteer.errorPhone"), keyboard: .phonePad) { viewModel.enrolEdited(.phone) }
            CheckedField(label: "volunteer.provinceCode", text: $province, problem: problem(.province, "volunteer.errorProvince"), keyboard: .numberPad) { viewModel.enrolEdited(.province) }
            CheckedField(label: "volunteer.wardCode", text: $ward, problem: problem(.ward, "volunteer.errorWard"), keyboard: .numberPad) { viewModel.enrolEdited(.ward) }
            Button(viewModel.busy ? "volunteer.enrolling" : "volunteer.enrol") {
                viewModel.enrol(fullName: fullName, birthYear: birthYear, citizenId: citizenId, phone: phone, provinceCode: province, wardCode: ward)
            }
            .frame(minHeight: 44)
            .disabled(viewModel.busy)
        } header: {
            Text("volunteer.enrolTitle")
        }
    }

    private func problem(_ field: VolunteerViewModel.EnrolField, _ key: LocalizedStringKey) -> LocalizedStringKey? {
        viewModel.enrolErrors.contains(field) ? key : nil
    }
}

private struct PersonSection: View {
    @ObservedObject var viewModel: VolunteerViewModel
    let person: EnrolledPerson
    let declare: (String) -> Void

    var body: some View {
        Section {
            Text(verbatim: person.fullName).font(.title2.bold())
            Text("volunteer.born \(person.birthYear)")
            StatusBadge(kind: person.bound ? .good : .caution, words: person.bound ? "volunteer.bound" : "volunteer.notBound")
            StatusBadge(kind: person.consentAt != nil ? .good : .bad, words: person.consentAt != nil ? "volunteer.consentGiven" : "volunteer.consentMissing")
            Text("volunteer.doses \(person.selfReportedDoses)")
            Button("volunteer.consentTitle") { viewModel.page = .consent(person.profileId) }.frame(minHeight: 44)
            Group {
                Button("volunteer.declare") { declare(person.profileId) }.frame(minHeight: 44)
                Button("volunteer.dose") { viewModel.page = .dose(person.profileId) }.frame(minHeight: 44)
                Button("volunteer.printCard") { viewModel.controlCard(profileId: person.profileId) }.frame(minHeight: 44)
            }
            .disabled(person.consentAt == nil || viewModel.busy)
        }
    }
}

private struct ConsentSection: View {
    @ObservedObject var viewModel: VolunteerViewModel
    let person: EnrolledPerson
    @State private var givenBy: String
    @State private var method: ConsentWay?

    init(viewModel: VolunteerViewModel, person: EnrolledPerson) {
        self.viewModel = viewModel
        self.person = person
        _givenBy = State(initialValue: person.fullName)
    }

    var body: some View {
        Section {
            Text("volunteer.consentHint").fixedSize(horizontal: false, vertical: true)
            CheckedField(label: "volunteer.givenBy", text: $givenBy, problem: viewModel.consentErrors.contains(.givenBy) ? "volunteer.errorGivenBy" : nil) {
                viewModel.consentEdited(.givenBy)
            }
            Picker("volunteer.method", selection: $method) {
                Text("volunteer.consentSpoken").tag(ConsentWay?.some(.spoken))
                Text("volunteer.consentSignedPaper").tag(ConsentWay?.some(.signedPaper))
                Text("volunteer.consentThumbprint").tag(ConsentWay?.some(.thumbprint))
            }
            .pickerStyle(.inline)
            .onChange(of: method) { _ in viewModel.consentEdited(.method) }
            if viewModel.consentErrors.contains(.method) {
                Text("volunteer.errorMethod").font(.callout).foregroundColor(.red)
            }
            Button("volunteer.recordConsent") { viewModel.recordConsent(profileId: person.profileId, givenBy: givenBy, method: method) }
                .frame(minHeight: 44)
                .disabled(viewModel.busy)
        } header: {
            Text("volunteer.consentTitle")
        }
    }
}

private struct DoseSection: View {
    @ObservedObject var viewModel: VolunteerViewModel
    let person: EnrolledPerson
    @State private var product = ""
    @State private var doseNumber = ""
    @State private var date = ""
    @State private var lot = ""

    var body: some View {
        Section {
            Text(verbatim: person.fullName).font(.headline)
            Text("volunteer.doseHint").fixedSize(horizontal: false, vertical: true)
            CheckedField(label: "volunteer.product", text: $product, problem: viewModel.doseErrors.contains(.product) ? "volunteer.errorProduct" : nil) { viewModel.doseEdited(.product) }
            CheckedField(label: "volunteer.doseNumber", text: $doseNumber, problem: viewModel.doseErrors.contains(.doseNumber) ? "volunteer.errorDoseNumber" : nil, keyboard: .numberPad) {
                viewModel.doseEdited(.doseNumber)
            }
            CheckedField(label: "volunteer.doseDate", text: $date, problem: viewModel.doseErrors.contains(.date) ? "volunteer.errorDoseDate" : nil) { viewModel.doseEdited(.date) }
            CheckedField(label: "volunteer.lot", text: $lot, problem: nil) {}
            Button("volunteer.recordDose") {
                viewModel.recordDose(profileId: person.profileId, product: product, doseNumber: doseNumber, date: date, lot: lot)
            }
            .frame(minHeight: 44)
            .disabled(viewModel.busy)
        } header: {
            Text("volunteer.dose")
        }
    }
}

private struct CardSection: View {
    @ObservedObject var viewModel: VolunteerViewModel
    let person: EnrolledPerson

    var body: some View {
        Section {
            // Name and birth year large: what staff compare with the id card, as on the printed card.
            Text(verbatim: person.fullName).font(.title.bold())
            Text("volunteer.born \(person.birthYear)").font(.title2)
            if let png = viewModel.cardPng, let image = UIImage(data: png) {
                // Nearest-neighbour scaling keeps the modules sharp once printed.
                Image(uiImage: image)
                    .interpolation(.none)
                    .resizable()
                    .scaledToFit()
                    .padding(16)
                    .background(Color.white)
                    .accessibilityLabel(Text("volunteer.cardQr"))
            } else {
                ErrorBanner(message: "volunteer.cardNotDrawn", dismiss: nil)
            }
            Text("volunteer.cardHint").fixedSize(horizontal: false, vertical: true)
            Button("volunteer.printCard") { viewModel.controlCard(profileId: person.profileId) }
                .frame(minHeight: 44)
                .disabled(viewModel.busy)
        } header: {
            Text("volunteer.card")
        }
    }
}
