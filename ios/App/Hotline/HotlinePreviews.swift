import SwiftUI

/// Made-up data for the hotline previews (the app uses the real service over the core).
enum HotlineSamples {
    static let now = Date()
    static let info = QaSetInfoItem(province: "79", version: 3, publishedAt: now.addingTimeInterval(-86_400), entryCount: 3, checkedAt: now.addingTimeInterval(-1_800))
    static let entries = [
        QaEntryItem(
            id: "e1", topic: .declarations, questionVi: "Làm sao để khai báo y tế cho con nhỏ?",
            answerVi: "Thêm hồ sơ của con trong mục Hồ sơ (quan hệ: Người nhà), rồi chọn hồ sơ đó khi khai báo.",
            questionEn: "How do I fill in a declaration for my child?",
            answerEn: "Add your child's profile under Profiles (relation: Family member), then choose it when you declare."
        ),
        QaEntryItem(
            id: "e2", topic: .pass, questionVi: "Vì sao thẻ của tôi màu vàng?", answerVi: "Thẻ vàng nghĩa là cần chú ý: xem lý do ghi dưới màu thẻ.",
            questionEn: "Why is my pass yellow?", answerEn: "Yellow means take care: the reasons are written under the colour."
        ),
        QaEntryItem(
            id: "e3", topic: .checkIn, questionVi: "Quét mã ở cửa hàng không được thì làm gì?",
            answerVi: "Nhập tay địa điểm, rồi gửi báo cáo về địa điểm đó qua mục Hỏi đáp.", questionEn: "", answerEn: ""
        ),
    ]
    static let questions = [
        CitizenQuestionItem(
            id: "q2", kind: .question, topic: .vaccination, text: "Tiêm mũi 3 ở đâu gần phường Bến Thành?", askedAt: now.addingTimeInterval(-172_800),
            state: .answered, answer: "Trạm y tế phường Bến Thành, 1 Lê Lợi, sáng thứ Bảy từ 7:30.", answeredAt: now.addingTimeInterval(-86_400)
        ),
        CitizenQuestionItem(
            id: "q1", kind: .report, topic: .checkIn, text: "Cửa hàng số 12 Pasteur không quét được mã.", askedAt: now.addingTimeInterval(-600),
            state: .sending, answer: nil, answeredAt: nil
        ),
        CitizenQuestionItem(
            id: "q3", kind: .question, topic: .vaccination, text: "Lịch tiêm mũi 3 ở phường tôi là khi nào?", askedAt: now.addingTimeInterval(-1_200),
            state: .refused, answer: nil, answeredAt: nil, refusedReason: "server said 422 invalid_request: ward is not in province 79"
        ),
    ]

    /// The preview's stand-in for the core's search: case and Vietnamese marks ignored, every word needed.
    static func fold(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "vi"))
            .replacingOccurrences(of: "đ", with: "d")
    }
}

/// An in-memory hotline service for previews: the sample set, questions taken at once.
final class PreviewHotlineService: HotlineServiceProxyProtocol {
    private var stored = HotlineSamples.questions

    func refreshQa(province: String) async throws -> QaSetInfoItem? { HotlineSamples.info }
    func qaInfo() async throws -> QaSetInfoItem? { HotlineSamples.info }

    func search(query: String, topic: HotlineTopic?) async throws -> [QaEntryItem] {
        let words = HotlineSamples.fold(query).split(separator: " ")
        return HotlineSamples.entries.filter { entry in
            let text = HotlineSamples.fold([entry.questionVi, entry.answerVi, entry.questionEn, entry.answerEn].joined(separator: " "))
            return (topic == nil || entry.topic == topic) && words.allSatisfy { text.contains($0) }
        }
    }

    func ask(_ question: NewQuestionItem) async throws -> CitizenQuestionItem {
        let asked = CitizenQuestionItem(
            id: UUID().uuidString, kind: question.kind, topic: question.topic, text: question.text, askedAt: Date(),
            state: .received, answer: nil, answeredAt: nil
        )
        stored.insert(asked, at: 0)
        return asked
    }

    func questions() async throws -> [CitizenQuestionItem] { stored }
    func refreshQuestions() async throws -> [CitizenQuestionItem] { stored }
}

struct HotlineView_Previews: PreviewProvider {
    static var previews: some View {
        NavigationStack { HotlineView(viewModel: HotlineViewModel(service: PreviewHotlineService()) { "79" }) }
        NavigationStack { HotlineView(viewModel: HotlineViewModel(service: PreviewHotlineService()) { "79" }) }
            .environment(\.locale, Locale(identifier: "en"))
    }
}
