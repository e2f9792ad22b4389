import HealthbookCore
import SwiftUI

/// A province or ward with its official code.
struct AdminUnitOption: Hashable {
    let code: String
    let name: String

    /// Whether `query` finds this unit by code or by name, ignoring case and diacritics.
    func matches(_ query: String) -> Bool {
        let q = query.trimmingCharacters(in: .whitespaces)
        if q.isEmpty { return true }
        return code.hasPrefix(q) || name.range(of: q, options: [.caseInsensitive, .diacriticInsensitive]) != nil
    }
}

/// The profile being added (no `id`) or edited, as typed.
struct ProfileEditState: Identifiable {
    var id: String { profileId ?? "new" }
    var profileId: String?
    var relation: ProfileRelation = .myself
    var fullName = ""
    var yearOnly = true
    var birthDate = Date()
    var year = ""
    var phone = ""
    var citizenId = ""
    var province: AdminUnitOption?
    var ward: AdminUnitOption?

    init() {}

    init(_ profile: Profile) {
        profileId = profile.id
        relation = profile.relation
        fullName = profile.fullName
        yearOnly = profile.birth.month == nil || profile.birth.day == nil
        year = String(profile.birth.year)
        if let month = profile.birth.month, let day = profile.birth.day,
           let date = Calendar(identifier: .gregorian).date(from: DateComponents(year: Int(profile.birth.year), month: Int(month), day: Int(day))) {
            birthDate = date
        }
        phone = profile.phone ?? ""
        citizenId = profile.citizenId ?? ""
        province = profile.address.flatMap { address in AdminUnits.provinces.first { $0.code == address.provinceCode } }
        ward = profile.address.flatMap { address in AdminUnits.wards(of: address.provinceCode).first { $0.code == address.wardCode } }
    }

    /// The input for the core; the core judges every field.
    var input: ProfileInput {
        let birth: BirthDate
        if yearOnly {
            // 0 is out of range, so an empty year comes back as a birth-date field error.
            birth = BirthDate(year: UInt16(year) ?? 0, month: nil, day: nil)
        } else {
            let parts = Calendar(identifier: .gregorian).dateComponents([.year, .month, .day], from: birthDate)
            birth = BirthDate(year: UInt16(parts.year ?? 0), month: parts.month.map { UInt8($0) }, day: parts.day.map { UInt8($0) })
        }
        let address = province.map { Address(provinceCode: $0.code, wardCode: ward?.code, street: nil) }
        return ProfileInput(
            relation: relation, fullName: fullName, birth: birth,
            phone: phone.isEmpty ? nil : phone, citizenId: citizenId.isEmpty ? nil : citizenId, address: address
        )
    }
}

/// The provinces and wards the app knows (official codes); the core validates codes but does not list them yet.
enum AdminUnits {
    static let provinces = [
        AdminUnitOption(code: "01", name: "Thành phố Hà Nội"),
        AdminUnitOption(code: "31", name: "Thành phố Hải Phòng"),
        AdminUnitOption(code: "48", name: "Thành phố Đà Nẵng"),
        AdminUnitOption(code: "79", name: "Thành phố Hồ Chí Minh"),
        AdminUnitOption(code: "92", name: "Thành phố Cần Thơ"),
    ]

    static func wards(of province: String?) -> [AdminUnitOption] {
        guard province == "01" else { return [] }
        return [
            AdminUnitOption(code: "00004", name: "Phường Ba Đình"),
            AdminUnitOption(code: "00008", name: "Phường Ngọc Hà"),
            AdminUnitOption(code: "00025", name: "Phường Giảng Võ"),
            AdminUnitOption(code: "00070", name: "Phường Hoàn Kiếm"),
        ]
    }
}

/// Add or edit one profile; the core's field error of the last save is shown at its field.
struct ProfileEditView: View {
    @State var state: ProfileEditState
    let fieldError: (ProfileField, String)?
    let onSave: (String?, ProfileInput) -> Void
    @State private var provinceQuery = ""
    @State private var wardQuery = ""

    var body: some View {
        Form {
            Section("profiles.relation") {
                Picker("profiles.relation", selection: $state.relation) {
                    Text("relation.myself").tag(ProfileRelation.myself)
                    Text("relation.family").tag(ProfileRelation.familyMember)
                    Text("relation.managed").tag(ProfileRelation.managedByVolunteer)
                }
                .pickerStyle(.inline)
                .labelsHidden()
            }
            Section {
                TextField("profiles.fullName", text: $state.fullName)
                error(.fullName)
                Toggle("profiles.yearOnly", isOn: $state.yearOnly).frame(minHeight: 44)
                if state.yearOnly {
                    TextField("profiles.birthYear", text: $state.year).keyboardType(.numberPad)
                } else {
                    DatePicker("profiles.birthDate", selection: $state.birthDate, displayedComponents: .date)
                }
                error(.birthDate)
                TextField("profiles.phone", text: $state.phone).keyboardType(.phonePad)
                error(.phone)
                TextField("profiles.citizenId", text: $state.citizenId).keyboardType(.numberPad)
                error(.citizenId)
            }
            Section("profiles.province") {
                unitPicker(selected: $state.province, query: $provinceQuery, units: AdminUnits.provinces)
            }
            if let province = state.province {
                Section("profiles.ward") {
                    unitPicker(selected: $state.ward, query: $wardQuery, units: AdminUnits.wards(of: province.code))
                }
            }
            error(.address)
        }
        .navigationTitle(Text(state.profileId == nil ? "profiles.add" : "profiles.edit"))
        .toolbar {
            Button("common.save") { onSave(state.profileId, state.input) }
        }
    }

    @ViewBuilder private func error(_ field: ProfileField) -> some View {
        if let (errorField, reason) = fieldError, errorField == field {
            Text(verbatim: reason).foregroundColor(.red)
        }
    }

    @ViewBuilder private func unitPicker(selected: SwiftUI.Binding<AdminUnitOption?>, query: SwiftUI.Binding<String>, units: [AdminUnitOption]) -> some View {
        if let unit = selected.wrappedValue {
            Button { selected.wrappedValue = nil } label: { Text(verbatim: "\(unit.name) (\(unit.code))") }
                .frame(minHeight: 44)
                .accessibilityHint(Text("profiles.searchHint"))
        } else {
            TextField("profiles.searchHint", text: query)
            ForEach(units.filter { $0.matches(query.wrappedValue) }.prefix(6), id: \.code) { unit in
                Button { selected.wrappedValue = unit } label: { Text(verbatim: "\(unit.name) (\(unit.code))") }
                    .frame(minHeight: 44)
            }
        }
    }
}
