import HealthbookCore
import SwiftUI

/// Renders ``ProfileListState`` and sends ``ProfileListAction``s; no logic of its own.
struct ProfileListView: View {
    @ObservedObject var viewModel: ProfileListViewModel
    @State private var adding = false

    var body: some View {
        NavigationStack {
            content
                .navigationTitle("Profiles")
                .toolbar {
                    if case .loaded = viewModel.state {
                        Button { adding = true } label: { Image(systemName: "plus") }
                            .accessibilityLabel("Add profile")
                    }
                }
                .sheet(isPresented: $adding) {
                    AddProfileForm { input in
                        adding = false
                        viewModel.send(.add(input))
                    }
                }
                .alert(
                    errorText(currentError) ?? "",
                    isPresented: Binding(
                        get: { currentError != nil },
                        set: { if !$0 { viewModel.send(.dismissError) } }
                    )
                ) {
                    Button("OK", role: .cancel) { viewModel.send(.dismissError) }
                }
        }
    }

    @ViewBuilder private var content: some View {
        switch viewModel.state {
        case .loading:
            ProgressView()
        case let .failed(error):
            VStack(spacing: 12) {
                Text(errorText(error) ?? "")
                Button("Retry") { viewModel.send(.refresh) }
            }
            .padding()
        case let .loaded(profiles, busy, _):
            List {
                if profiles.isEmpty {
                    Text("No profiles yet. Add yourself and your family.")
                }
                ForEach(profiles, id: \.id) { profile in
                    VStack(alignment: .leading) {
                        Text(profile.fullName).font(.headline)
                        Text([relationLabel(profile.relation), String(profile.birth.year), profile.phone]
                            .compactMap { $0 }.joined(separator: " · "))
                            .font(.subheadline)
                            .foregroundStyle(.secondary)
                    }
                }
                .onDelete { offsets in
                    offsets.map { profiles[$0].id }.forEach { viewModel.send(.remove(id: $0)) }
                }
            }
            .overlay(alignment: .top) { if busy { ProgressView() } }
        }
    }

    private var currentError: ProfileListError? {
        if case let .loaded(_, _, error) = viewModel.state { return error }
        return nil
    }

    private func errorText(_ error: ProfileListError?) -> String? {
        switch error {
        case nil: return nil
        case let .invalidField(field, _): return "Please check: \(fieldLabel(field))"
        case .notFound: return "That profile no longer exists."
        case .duplicateCitizenId: return "Another profile already has this citizen ID."
        case .selfProfileExists: return "This phone already has your own profile."
        case .unavailable: return "Your data could not be read or saved. Please try again."
        }
    }

    private func fieldLabel(_ field: ProfileField) -> String {
        switch field {
        case .fullName: return "Full name"
        case .birthDate: return "Birth date"
        case .phone: return "Phone"
        case .citizenId: return "Citizen ID"
        case .address: return "Address"
        case .relation: return "Relation"
        }
    }

    private func relationLabel(_ relation: ProfileRelation) -> String {
        switch relation {
        case .myself: return "Me"
        case .familyMember: return "Family member"
        case .managedByVolunteer: return "Managed by volunteer"
        }
    }
}

/// A minimal form; validation is the core's job, and its field errors come back through the state.
private struct AddProfileForm: View {
    let onAdd: (ProfileInput) -> Void
    @State private var name = ""
    @State private var year = ""
    @State private var phone = ""
    @State private var citizenId = ""

    var body: some View {
        NavigationStack {
            Form {
                TextField("Full name", text: $name)
                TextField("Year of birth", text: $year).keyboardType(.numberPad)
                TextField("Phone", text: $phone).keyboardType(.phonePad)
                TextField("Citizen ID (CCCD/CMND)", text: $citizenId).keyboardType(.numberPad)
            }
            .navigationTitle("Add profile")
            .toolbar {
                Button("Save") {
                    onAdd(ProfileInput(
                        relation: .familyMember,
                        fullName: name,
                        // 0 is out of range, so an empty year comes back as a birth-date field error.
                        birth: BirthDate(year: UInt16(year) ?? 0, month: nil, day: nil),
                        phone: phone.isEmpty ? nil : phone,
                        citizenId: citizenId.isEmpty ? nil : citizenId,
                        address: nil
                    ))
                }
            }
        }
    }
}
