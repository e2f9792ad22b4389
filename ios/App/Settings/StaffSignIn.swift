import SwiftUI

/// View model of a staff sign-in in front of the volunteer's or the vaccination site's tools: the core keeps the
/// session, this only asks for the user name and password once and opens the tools when a session is held. The
/// password is never kept here after the call.
@MainActor
final class StaffSignInViewModel: ObservableObject {
    /// A failed sign-in: a String Catalog key, or the core's words when it refused.
    enum Failure: Equatable {
        case key(String)
        case refused(String)
    }

    @Published private(set) var signedIn = false
    @Published private(set) var busy = false
    @Published private(set) var failure: Failure?

    /// The catalog key of the form's title ("volunteer.title", "settings.vaccinationSite").
    let title: String
    private let isSignedIn: () async -> Bool
    private let call: (String, String) async throws -> Void
    private let opened: @MainActor () -> Void

    /// `signIn` throws the service's refusal (its message is shown); `opened` runs after each successful sign-in
    /// so that the tools reload what the missing session hid.
    init(
        title: String,
        signedIn: @escaping () async -> Bool,
        signIn: @escaping (String, String) async throws -> Void,
        opened: @escaping @MainActor () -> Void
    ) {
        self.title = title
        self.isSignedIn = signedIn
        self.call = signIn
        self.opened = opened
        Task { self.signedIn = await self.isSignedIn() }
    }

    func dismissFailure() { failure = nil }

    func signIn(username: String, password: String) {
        let username = username.trimmingCharacters(in: .whitespaces)
        guard !username.isEmpty, !password.isEmpty else {
            failure = .key("staff.required")
            return
        }
        busy = true
        failure = nil
        Task {
            do {
                try await call(username, password)
                signedIn = await isSignedIn()
                opened()
            } catch let refusal as VaccinationRefusal {
                failure = .refused(refusal.message)
            } catch let refusal as VolunteerRefusal {
                failure = .refused(refusal.message)
            } catch {
                failure = .key("staff.failed")
            }
            busy = false
        }
    }
}

/// The sign-in form until the core holds a session, then `content` (the tools).
struct StaffSignInView<Content: View>: View {
    @ObservedObject var viewModel: StaffSignInViewModel
    @ViewBuilder var content: () -> Content
    @State private var username = ""
    @State private var password = ""

    var body: some View {
        if viewModel.signedIn {
            content()
        } else {
            Form {
                if let failure = viewModel.failure {
                    switch failure {
                    case let .key(key): ErrorBanner(message: LocalizedStringKey(key)) { viewModel.dismissFailure() }
                    case let .refused(words): ErrorBanner(message: "staff.refused \(words)") { viewModel.dismissFailure() }
                    }
                }
                Section {
                    TextField("gate.username", text: $username)
                        .textContentType(.username)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                    SecureField("gate.password", text: $password)
                        .textContentType(.password)
                    Button(viewModel.busy ? "staff.signingIn" : "staff.signIn") {
                        viewModel.signIn(username: username, password: password)
                        password = ""
                    }
                    .frame(minHeight: 44)
                    .disabled(viewModel.busy)
                } footer: {
                    Text("staff.hint").fixedSize(horizontal: false, vertical: true)
                }
            }
            .navigationTitle(Text(LocalizedStringKey(viewModel.title)))
        }
    }
}
