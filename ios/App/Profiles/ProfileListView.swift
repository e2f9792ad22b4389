import HealthbookCore
import SwiftUI

/// Renders ``ProfileListState`` and sends ``ProfileListAction``s; no logic of its own.
struct ProfileListView: View {
    @ObservedObject var viewModel: ProfileListViewModel
    @State private var editing: ProfileEditState?

    var body: some View {
        content
            .navigationTitle(Text("profiles.title"))
            .toolbar {
                if case .loaded = viewModel.state {
                    Button { editing = ProfileEditState() } label: { Image(systemName: "plus") }
                        .accessibilityLabel(Text("profiles.add"))
                }
            }
            .sheet(item: $editing) { state in
                NavigationStack {
                    ProfileEditView(state: state, fieldError: fieldError) { id, input in
                        editing = nil
                        viewModel.send(id == nil ? .add(input) : .update(id: id!, input))
                    }
                }
            }
    }

    @ViewBuilder private var content: some View {
        switch viewModel.state {
        case .loading:
            ProgressView()
        case let .failed(error):
            VStack(spacing: 12) {
                ErrorBanner(message: errorKey(error), dismiss: nil)
                Button("common.retry") { viewModel.send(.refresh) }.frame(minHeight: 44)
            }
            .padding()
        case let .loaded(profiles, busy, error):
            List {
                if let error {
                    ErrorBanner(message: errorKey(error)) { viewModel.send(.dismissError) }
                }
                if profiles.isEmpty {
                    Text("profiles.empty")
                }
                ForEach(profiles, id: \.id) { profile in
                    Button { editing = ProfileEditState(profile) } label: {
                        VStack(alignment: .leading) {
                            Text(verbatim: profile.fullName).font(.headline)
                            Text(relationKey(profile.relation)) + Text(verbatim: " · \(profile.birth.year)")
                        }
                        .frame(minHeight: 44)
                    }
                    .accessibilityHint(Text("profiles.edit"))
                }
                .onDelete { offsets in
                    offsets.map { profiles[$0].id }.forEach { viewModel.send(.remove(id: $0)) }
                }
            }
            .overlay(alignment: .top) { if busy { ProgressView() } }
        }
    }

    private var fieldError: (ProfileField, String)? {
        if case let .loaded(_, _, .invalidField(field, reason)) = viewModel.state { return (field, reason) }
        return nil
    }

    private func errorKey(_ error: ProfileListError) -> LocalizedStringKey {
        switch error {
        case .invalidField: return "error.invalidField"
        case .notFound: return "error.notFound"
        case .duplicateCitizenId: return "error.duplicateCitizenId"
        case .selfProfileExists: return "error.selfExists"
        case .unavailable: return "error.unavailable"
        }
    }
}

/// A relation in words.
func relationKey(_ relation: ProfileRelation) -> LocalizedStringKey {
    switch relation {
    case .myself: return "relation.myself"
    case .familyMember: return "relation.family"
    case .managedByVolunteer: return "relation.managed"
    }
}
