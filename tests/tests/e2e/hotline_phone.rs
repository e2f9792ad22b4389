//! The hotline end to end between the citizen's phone core and the reference server (SQLite: the storage is the
//! server's own concern, tested on both backends in `hotline_server.rs`): an officer publishes the province's Q&A
//! set, the phone caches it and, with the server gone, still finds an entry typed without diacritics; a question
//! asked offline waits in the outbox and reaches the inbox once when the server is back; the officer's answer,
//! and then its correction, reach the phone.

use std::sync::Arc;

use healthbook_core::hotline::wire::{InboxQuestion, QaCategory, QaSet, QuestionKind};
use healthbook_core::hotline::{NewQuestion, QuestionStatus};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestServer};
use reqwest::Method;
use serde_json::{Value, json};

const QUESTION: &str = "Quán cà phê số 12 Lê Lợi không quét được mã, nhân viên không cho vào";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phone_searches_the_published_set_offline_and_gets_the_answer_to_its_question() {
    let mut server = TestServer::start(TestBackend::Sqlite).await;
    let admin = server.admin_client().await;
    let _: Value = admin
        .post_json(
            "/v1/accounts",
            &json!({ "role": "health_officer", "username": "tong-dai-1022", "password": "staff-password", "area": { "province": "79" } }),
        )
        .await
        .unwrap();
    let officer = server.client();
    officer.sign_in_staff("tong-dai-1022", "staff-password").await.unwrap();
    for (id, body) in [
        ("6f1c1a52-3a57-4b8e-9d55-0f1a2b3c4d01", json!({ "category": "declarations", "question_vi": "Làm sao để khai báo y tế cho con nhỏ?",
            "answer_vi": "Thêm hồ sơ của con trong mục Hồ sơ, rồi khai báo cho con.", "question_en": "How do I declare for my child?",
            "answer_en": "Add your child's profile, then declare for them." })),
        ("6f1c1a52-3a57-4b8e-9d55-0f1a2b3c4d02", json!({ "category": "check_in", "question_vi": "Địa điểm không quét được mã thì làm gì?",
            "answer_vi": "Gửi phản ánh trong mục Hỏi đáp, kèm mã địa điểm trên tấm áp phích." })),
    ] {
        let answer = officer.send_detailed(Method::PUT, &format!("/v1/hotline/qa/79/draft/{id}"), Some(&body)).await.unwrap();
        assert!(answer.is_success(), "{answer:?}");
    }
    let published: QaSet = officer.post_json("/v1/hotline/qa/79/publish", &json!({})).await.unwrap();
    assert_eq!((published.version, published.entries.len()), (1, 2));

    // The phone caches the set; nothing about it needs an account.
    let dir = tempfile::tempdir().unwrap();
    let phone = Healthbook::open(HealthbookConfig { data_dir: dir.path().into(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() }).unwrap();
    phone.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    let hotline = phone.hotline();
    let info = hotline.refresh_qa("79").await.unwrap().expect("published");
    assert_eq!((info.version, info.entry_count, info.published_at), (1, 2, published.published_at));
    assert_eq!(server.count("accounts").await, 2, "reading the public set registered no device (the admin and the officer only)");
    assert_eq!(hotline.refresh_qa("79").await.unwrap().unwrap().version, 1, "unchanged: 304");

    // Offline: the kept set is searched, typed without diacritics; a question waits in the outbox.
    server.stop_http().await;
    assert!(hotline.refresh_qa("79").await.unwrap_err().is_transient());
    let found = hotline.search("khai bao y te con nho", None).await.unwrap();
    assert_eq!(found.iter().map(|e| e.question_vi.as_str()).collect::<Vec<_>>(), ["Làm sao để khai báo y tế cho con nhỏ?"]);
    let by_answer = hotline.search("ap phich", None).await.unwrap();
    assert_eq!(by_answer.iter().map(|e| e.category).collect::<Vec<_>>(), [QaCategory::CheckIn]);
    let asked = hotline
        .ask(NewQuestion {
            kind: QuestionKind::Report,
            category: QaCategory::CheckIn,
            province: "79".into(),
            ward: Some("26734".into()),
            text: QUESTION.into(),
            venue_id: Some("venue-le-loi-12".into()),
            contact_phone: Some("0912 345 678".into()),
            language: "vi".into(),
        })
        .await
        .unwrap();
    assert_eq!(asked.status, QuestionStatus::Sending);
    assert!(hotline.refresh_questions().await.unwrap_err().is_transient());
    assert_eq!(phone.outbox().list().await.unwrap().len(), 1);

    // Back online: delivered once, whatever the number of refreshes.
    server.restart_http().await;
    let list = hotline.refresh_questions().await.unwrap();
    assert_eq!((list.len(), list[0].id.as_str(), list[0].status), (1, asked.id.as_str(), QuestionStatus::Received));
    hotline.refresh_questions().await.unwrap();
    assert_eq!(phone.outbox().list().await.unwrap().len(), 0);
    assert_eq!(server.count("hotline_questions").await, 1);

    // The officer sees only what the citizen typed and chose to add, and answers.
    let seen: InboxQuestion = officer.get_json(&format!("/v1/hotline/inbox/{}", asked.id)).await.unwrap();
    assert_eq!(
        (seen.text.as_str(), seen.ward.as_deref(), seen.venue_id.as_deref(), seen.contact_phone.as_deref()),
        (QUESTION, Some("26734"), Some("venue-le-loi-12"), Some("+84912345678"))
    );
    server.clock.advance(chrono::Duration::minutes(5));
    let _: InboxQuestion = officer
        .post_json(&format!("/v1/hotline/inbox/{}/answer", asked.id), &json!({ "answer": "Đã nhắc chủ quán; cảm ơn bạn." }))
        .await
        .unwrap();
    let answered = hotline.refresh_questions().await.unwrap().remove(0);
    assert_eq!((answered.status, answered.answer.as_deref()), (QuestionStatus::Answered, Some("Đã nhắc chủ quán; cảm ơn bạn.")));
    let first_answer_at = answered.answered_at.expect("answered at");

    // A correction replaces the answer and shows as new.
    server.clock.advance(chrono::Duration::minutes(5));
    let _: InboxQuestion = officer
        .post_json(&format!("/v1/hotline/inbox/{}/answer", asked.id), &json!({ "answer": "Đã xử lý: quán đã dán lại mã." }))
        .await
        .unwrap();
    let corrected = hotline.refresh_questions().await.unwrap().remove(0);
    assert_eq!(corrected.answer.as_deref(), Some("Đã xử lý: quán đã dán lại mã."));
    assert!(corrected.answered_at.unwrap() > first_answer_at);
    assert_eq!(server.count("hotline_questions").await, 1, "still one question on the server");
    server.stop().await;
}
