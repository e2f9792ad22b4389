//! The hotline server (issue 13), end to end over HTTP against SQLite and PostgreSQL: a province's Q&A draft
//! published as numbered versions (the latest 5 kept), the public set with 304; citizens' questions from phones
//! (a resend is the same receipt, another body 409, a rate limit per device), each phone seeing only its own;
//! the inbox by area (a ward-scoped officer sees neither another ward's question nor a ward-less one), paged by
//! cursor, with nothing about the device; assign, answer, a correction and close reaching the phone; the
//! retention purge with the manual clock; who may call every route; random and mutated bodies never a 5xx.

use chrono::Duration;
use healthbook_core::Clock;
use healthbook_core::client::ServerClient;
use healthbook_e2e::server::{TestBackend, TestServer, assert_http_error, assert_json_error, raw_request, test_config};
use healthbook_e2e::server_scenarios;
use healthbook_server::ServerConfig;
use healthbook_server::access::{AreaScope, Reach};
use healthbook_server::error::ApiError;
use healthbook_server::hotline;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

server_scenarios!(
    qa_sets_publish_and_questions_travel_from_phone_to_inbox_and_back,
    who_may_call_what_and_random_bodies_never_give_a_server_error,
);

const PROVINCE: &str = "79";
const OTHER_PROVINCE: &str = "01";
const WARD: &str = "26734";
const OTHER_WARD: &str = "26740";
const PASSWORD: &str = "staff-password";

/// Moving the clock by months must not end the signed-in sessions.
fn config() -> ServerConfig {
    ServerConfig { token_ttl: Duration::days(400), ..test_config() }
}

/// A staff account signed in, and its id.
async fn staff(server: &TestServer, admin: &ServerClient, role: &str, username: &str, area: Option<Value>) -> (ServerClient, String) {
    let mut body = json!({ "role": role, "username": username, "password": PASSWORD });
    if let Some(area) = area {
        body["area"] = area;
    }
    if role == "agency_admin" {
        let agency = admin.create_agency("Cảng Sài Gòn").await.unwrap();
        body["agency_id"] = json!(agency.id);
    }
    let account: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, PASSWORD).await.unwrap();
    (client, account["id"].as_str().unwrap().to_owned())
}

fn area(province: &str, wards: &[&str]) -> Option<Value> {
    Some(json!({ "province": province, "wards": wards }))
}

async fn phone(server: &TestServer) -> (ServerClient, String) {
    let client = server.client();
    let identity = client.register_device("android").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    (client, identity.device_id().to_owned())
}

fn entry(question: &str, answer: &str) -> Value {
    json!({ "category": "declarations", "question_vi": question, "answer_vi": answer, "question_en": "", "answer_en": "" })
}

fn question(server: &TestServer, id: &str, ward: Option<&str>, text: &str) -> Value {
    json!({
        "id": id, "kind": "question", "category": "pass", "province": PROVINCE, "ward": ward, "text": text,
        "contact_phone": "0912 345 678", "language": "vi", "asked_at": server.clock.now(),
    })
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn ids(page: &Value) -> Vec<String> {
    page["questions"].as_array().unwrap().iter().map(|q| q["id"].as_str().unwrap().to_owned()).collect()
}

async fn put(client: &ServerClient, province: &str, entry_id: &str, body: &Value) -> healthbook_core::client::DetailedAnswer {
    client.send_detailed(Method::PUT, &format!("/v1/hotline/qa/{province}/draft/{entry_id}"), Some(body)).await.unwrap()
}

async fn send(client: &ServerClient, method: Method, path: &str, body: Value) -> healthbook_core::client::DetailedAnswer {
    client.send_detailed(method, path, Some(&body)).await.unwrap()
}

async fn publish(client: &ServerClient, province: &str) -> healthbook_core::client::DetailedAnswer {
    send(client, Method::POST, &format!("/v1/hotline/qa/{province}/publish"), json!({})).await
}

fn assert_field(answer: &healthbook_core::client::DetailedAnswer, field: &str) {
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.body["error"]["fields"][0]["field"], field, "{}", answer.body);
}

async fn qa_sets_publish_and_questions_travel_from_phone_to_inbox_and_back(backend: TestBackend) {
    let server = TestServer::start_with(backend, config()).await;
    let admin = server.admin_client().await;
    let (officer, officer_id) = staff(&server, &admin, "health_officer", "hoa.province", area(PROVINCE, &[])).await;
    let (ward_officer, ward_officer_id) = staff(&server, &admin, "health_officer", "lan.ward", area(PROVINCE, &[WARD])).await;
    let (far_officer, far_officer_id) = staff(&server, &admin, "health_officer", "minh.hanoi", area(OTHER_PROVINCE, &[])).await;
    let (_, gone_officer_id) = staff(&server, &admin, "health_officer", "gone.officer", area(PROVINCE, &[])).await;
    let disabled: Value = admin.post_json(&format!("/v1/accounts/{gone_officer_id}/disable"), &json!({ "reason": "left" })).await.unwrap();
    assert_eq!(disabled["disabled"], true, "{disabled}");
    let raw = reqwest::Client::new();
    let public = |path: String| raw.get(format!("{}{path}", server.base_url));

    // ---- Q&A: draft, validation, publish, the public set and 304 ----
    let (a, b) = (uuid(), uuid());
    let saved = put(&officer, PROVINCE, &a, &entry("  Làm sao khai báo y tế?  ", "Mở ứng dụng, chọn Khai báo.")).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.body["question_vi"], "Làm sao khai báo y tế?");
    let mut with_en = entry("Thẻ xanh là gì?", "Thẻ xanh cho biết bạn đi lại được.");
    with_en["category"] = json!("pass");
    with_en["question_en"] = json!("What is the green pass?");
    with_en["answer_en"] = json!("It shows you may travel.");
    assert_eq!(put(&ward_officer, PROVINCE, &b, &with_en).await.status, 200);
    assert_field(&put(&officer, PROVINCE, &uuid(), &entry(" ", "x")).await, "question_vi");
    assert_field(&put(&officer, PROVINCE, &uuid(), &entry("q", &"x".repeat(2001))).await, "answer_vi");
    let mut half = entry("q", "a");
    half["question_en"] = json!("Only the question?");
    assert_field(&put(&officer, PROVINCE, &uuid(), &half).await, "answer_en");
    assert_field(&put(&officer, PROVINCE, "not-a-uuid", &entry("q", "a")).await, "entry_id");
    assert_field(&put(&admin, "00", &uuid(), &entry("q", "a")).await, "province");
    let draft: Value = officer.get_json(&format!("/v1/hotline/qa/{PROVINCE}/draft")).await.unwrap();
    assert_eq!((draft["published_version"].as_u64(), draft["unpublished_changes"].as_bool()), (Some(0), Some(true)));
    // By category (declarations before pass), then question.
    let order: Vec<&str> = draft["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(order, vec![a.as_str(), b.as_str()]);
    assert_eq!(raw_request(public(format!("/v1/hotline/qa/{PROVINCE}"))).await.0, 404);
    assert_eq!(raw_request(public("/v1/hotline/qa/00".into())).await.0, 422);
    let first = publish(&officer, PROVINCE).await;
    assert_eq!((first.status, first.body["version"].as_u64()), (200, Some(1)), "{}", first.body);
    assert_eq!(first.body["entries"], draft["entries"]);
    let again = publish(&officer, PROVINCE).await;
    assert_eq!((again.status, again.body["error"]["code"].as_str()), (409, Some("conflict")));
    let (status, _, body) = raw_request(public(format!("/v1/hotline/qa/{PROVINCE}"))).await;
    assert_eq!((status, body.as_ref().unwrap()["version"].as_u64()), (200, Some(1)));
    assert_eq!(body.unwrap()["entries"], draft["entries"]);
    let (status, _, body) = raw_request(public(format!("/v1/hotline/qa/{PROVINCE}?since_version=1"))).await;
    assert_eq!((status, body), (304, None));
    assert_eq!(raw_request(public(format!("/v1/hotline/qa/{PROVINCE}?since_version=0"))).await.0, 200);
    // Saving the same content again is no change; a real edit is, and the public set stays until published.
    assert_eq!(put(&officer, PROVINCE, &a, &entry("Làm sao khai báo y tế?", "Mở ứng dụng, chọn Khai báo.")).await.status, 200);
    let draft: Value = admin.get_json(&format!("/v1/hotline/qa/{PROVINCE}/draft")).await.unwrap();
    assert_eq!((draft["published_version"].as_u64(), draft["unpublished_changes"].as_bool()), (Some(1), Some(false)));
    // Versions 2..7, each after an edit: the latest 5 are kept, the public set is the latest.
    for version in 2..=7u64 {
        server.clock.advance(Duration::minutes(1));
        assert_eq!(put(&officer, PROVINCE, &a, &entry("Làm sao khai báo y tế?", &format!("Bản {version}."))).await.status, 200);
        let published = publish(if version % 2 == 0 { &ward_officer } else { &admin }, PROVINCE).await;
        assert_eq!(published.body["version"].as_u64(), Some(version), "{}", published.body);
    }
    let kept = rows(&server, "SELECT COUNT(*), MIN(version) FROM hotline_qa_versions WHERE province_code = '79'").await;
    assert_eq!(kept, (5, 3));
    assert_eq!(raw_request(public(format!("/v1/hotline/qa/{PROVINCE}?since_version=6"))).await.2.unwrap()["version"], 7);
    let removed = officer.send_detailed(Method::DELETE, &format!("/v1/hotline/qa/{PROVINCE}/draft/{b}"), None).await.unwrap();
    assert_eq!(removed.status, 200);
    let gone = officer.send_detailed(Method::DELETE, &format!("/v1/hotline/qa/{PROVINCE}/draft/{b}"), None).await.unwrap();
    assert_eq!(gone.status, 404);
    let draft: Value = officer.get_json(&format!("/v1/hotline/qa/{PROVINCE}/draft")).await.unwrap();
    assert_eq!((draft["entries"].as_array().unwrap().len(), draft["unpublished_changes"].as_bool()), (1, Some(true)));
    // Another province's officer: 404 on every draft route of this one, and the province's own set is separate.
    assert_http_error(far_officer.get_json::<Value>(&format!("/v1/hotline/qa/{PROVINCE}/draft")).await, 404, "not_found");
    assert_eq!(put(&far_officer, PROVINCE, &a, &entry("q", "a")).await.status, 404);
    assert_eq!(far_officer.send_detailed(Method::DELETE, &format!("/v1/hotline/qa/{PROVINCE}/draft/{a}"), None).await.unwrap().status, 404);
    assert_eq!(publish(&far_officer, PROVINCE).await.status, 404);
    let empty = publish(&far_officer, OTHER_PROVINCE).await;
    assert_eq!((empty.status, empty.body["error"]["code"].as_str()), (409, Some("conflict")));
    assert_eq!(raw_request(public(format!("/v1/hotline/qa/{OTHER_PROVINCE}"))).await.0, 404);

    // ---- questions from phones ----
    let (phone_a, device_a) = phone(&server).await;
    let (phone_b, device_b) = phone(&server).await;
    let (q_ward, q_none, q_other, q_b) = (uuid(), uuid(), uuid(), uuid());
    let body_ward = question(&server, &q_ward, Some(WARD), "  Quán cà phê không quét được mã.  ");
    let receipt: Value = phone_a.post_json("/v1/hotline/questions", &body_ward).await.unwrap();
    assert_eq!(receipt["id"], q_ward.as_str());
    for (id, ward, minutes) in [(&q_none, None, 1), (&q_other, Some(OTHER_WARD), 2)] {
        server.clock.advance(Duration::minutes(minutes));
        let _: Value = phone_a.post_json("/v1/hotline/questions", &question(&server, id, ward, "Thẻ của tôi màu vàng?")).await.unwrap();
    }
    server.clock.advance(Duration::minutes(1));
    let _: Value = phone_b.post_json("/v1/hotline/questions", &question(&server, &q_b, Some(WARD), "Tôi cần xét nghiệm ở đâu?")).await.unwrap();
    // The outbox's resend is the same receipt; another body, or the same id from another phone, is 409.
    let resent: Value = phone_a.post_json("/v1/hotline/questions", &body_ward).await.unwrap();
    assert_eq!(resent, receipt);
    let mut changed = body_ward.clone();
    changed["text"] = json!("Khác hẳn.");
    assert_http_error(phone_a.post_json::<_, Value>("/v1/hotline/questions", &changed).await, 409, "conflict");
    assert_http_error(phone_b.post_json::<_, Value>("/v1/hotline/questions", &body_ward).await, 409, "conflict");
    let mut bad = question(&server, &uuid(), Some(WARD), "x");
    bad["contact_phone"] = json!("024 3825 1234");
    assert_field(&send(&phone_a, Method::POST, "/v1/hotline/questions", bad).await, "contact_phone");
    let mine: Value = phone_a.get_json("/v1/hotline/questions").await.unwrap();
    assert_eq!(ids(&mine), vec![q_other.clone(), q_none.clone(), q_ward.clone()], "newest first");
    assert_eq!(mine["questions"][2]["text"], "Quán cà phê không quét được mã.");
    assert_eq!(mine["questions"][2]["state"], "received");
    let theirs: Value = phone_b.get_json("/v1/hotline/questions").await.unwrap();
    assert_eq!(ids(&theirs), vec![q_b.clone()]);

    // ---- the inbox by area, paged, without the device ----
    let full: Value = officer.get_json("/v1/hotline/inbox").await.unwrap();
    assert_eq!(ids(&full), vec![q_ward.clone(), q_none.clone(), q_other.clone(), q_b.clone()], "open ones oldest first");
    assert_eq!(full["questions"][0]["contact_phone"], "+84912345678");
    let text = full.to_string();
    assert!(!text.contains(&device_a) && !text.contains(&device_b), "no device in the inbox");
    let first_page: Value = officer.get_json("/v1/hotline/inbox?limit=3").await.unwrap();
    let next = first_page["next"].as_str().unwrap().to_owned();
    let second_page: Value = officer.get_json(&format!("/v1/hotline/inbox?limit=3&after={next}")).await.unwrap();
    assert_eq!([ids(&first_page), ids(&second_page)].concat(), ids(&full));
    assert!(second_page["next"].is_null());
    let ward_view: Value = ward_officer.get_json("/v1/hotline/inbox").await.unwrap();
    assert_eq!(ids(&ward_view), vec![q_ward.clone(), q_b.clone()], "neither another ward's question nor a ward-less one");
    for id in [&q_none, &q_other] {
        assert_http_error(ward_officer.get_json::<Value>(&format!("/v1/hotline/inbox/{id}")).await, 404, "not_found");
    }
    let far: Value = far_officer.get_json("/v1/hotline/inbox").await.unwrap();
    assert!(ids(&far).is_empty());
    assert_http_error(far_officer.get_json::<Value>(&format!("/v1/hotline/inbox?province={PROVINCE}")).await, 404, "not_found");
    assert_http_error(far_officer.get_json::<Value>(&format!("/v1/hotline/inbox/{q_ward}")).await, 404, "not_found");
    for action in ["assign", "answer", "close"] {
        let body = json!({ "assignee": far_officer_id, "answer": "x", "note": "x" });
        let refused = send(&far_officer, Method::POST, &format!("/v1/hotline/inbox/{q_ward}/{action}"), body).await;
        assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (404, Some("not_found")), "{action}");
    }
    let national: Value = admin.get_json(&format!("/v1/hotline/inbox?province={PROVINCE}")).await.unwrap();
    assert_eq!(ids(&national), ids(&full));
    let elsewhere: Value = admin.get_json(&format!("/v1/hotline/inbox?province={OTHER_PROVINCE}")).await.unwrap();
    assert!(ids(&elsewhere).is_empty());

    // ---- assign, answer, correct, close ----
    let assign = |id: &str, assignee: &str| (format!("/v1/hotline/inbox/{id}/assign"), json!({ "assignee": assignee }));
    let (path, body) = assign(&q_ward, &ward_officer_id);
    let assigned = send(&officer, Method::POST, &path, body).await;
    assert_eq!((assigned.status, assigned.body["state"].as_str()), (200, Some("assigned")), "{}", assigned.body);
    for (id, assignee) in [(&q_none, &ward_officer_id), (&q_ward, &far_officer_id), (&q_ward, &gone_officer_id), (&q_ward, &device_a)] {
        let (path, body) = assign(id, assignee);
        assert_field(&send(&officer, Method::POST, &path, body).await, "assignee");
    }
    // The console's list of assignees: enabled officers whose area includes the question, by username.
    let assignable = |reach: Reach, id: String| server.db.read(move |tx| hotline::assignable_officers(tx, &reach, &id));
    let named = |pairs: Vec<(String, String)>| pairs.into_iter().map(|(id, name)| format!("{name}={id}")).collect::<Vec<_>>();
    let expected = vec![format!("hoa.province={officer_id}"), format!("lan.ward={ward_officer_id}")];
    assert_eq!(named(assignable(Reach::National, q_ward.clone()).await.unwrap()), expected);
    assert_eq!(named(assignable(Reach::National, q_none.clone()).await.unwrap()), vec![format!("hoa.province={officer_id}")]);
    let far_reach = Reach::Area(AreaScope { province: OTHER_PROVINCE.into(), wards: vec![] });
    assert!(matches!(assignable(far_reach, q_ward.clone()).await, Err(ApiError::NotFound(_))));
    let mine_only: Value = officer.get_json(&format!("/v1/hotline/inbox?assignee={ward_officer_id}")).await.unwrap();
    assert_eq!(ids(&mine_only), vec![q_ward.clone()]);
    let answer_path = format!("/v1/hotline/inbox/{q_ward}/answer");
    let answered = send(&ward_officer, Method::POST, &answer_path, json!({ "answer": "Chúng tôi sẽ kiểm tra quán." })).await;
    assert_eq!((answered.status, answered.body["state"].as_str()), (200, Some("answered")), "{}", answered.body);
    assert_eq!(answered.body["answered_by"], ward_officer_id.as_str());
    let seen: Value = phone_a.get_json("/v1/hotline/questions").await.unwrap();
    let on_phone = seen["questions"].as_array().unwrap().iter().find(|q| q["id"] == q_ward.as_str()).unwrap().clone();
    assert_eq!((on_phone["state"].as_str(), on_phone["answer"].as_str()), (Some("answered"), Some("Chúng tôi sẽ kiểm tra quán.")));
    server.clock.advance(Duration::minutes(5));
    let corrected = send(&officer, Method::POST, &answer_path, json!({ "answer": "Đã kiểm tra: máy quét đã được thay." })).await;
    assert_eq!((corrected.status, corrected.body["answered_by"].as_str()), (200, Some(officer_id.as_str())));
    let seen: Value = phone_a.get_json("/v1/hotline/questions").await.unwrap();
    let on_phone_again = seen["questions"].as_array().unwrap().iter().find(|q| q["id"] == q_ward.as_str()).unwrap().clone();
    assert_eq!(on_phone_again["answer"], "Đã kiểm tra: máy quét đã được thay.");
    assert!(on_phone_again["answered_at"].as_str() > on_phone["answered_at"].as_str(), "the correction shows as new");
    server.clock.advance(Duration::minutes(1));
    let close_path = format!("/v1/hotline/inbox/{q_other}/close");
    let closed = send(&officer, Method::POST, &close_path, json!({ "note": "Trùng câu hỏi trước" })).await;
    assert_eq!((closed.status, closed.body["state"].as_str()), (200, Some("closed")), "{}", closed.body);
    let seen: Value = phone_a.get_json("/v1/hotline/questions").await.unwrap();
    assert!(!seen.to_string().contains("Trùng câu hỏi trước"), "the note stays with the officers");
    assert_eq!(seen["questions"][0]["state"], "closed");
    assert!(seen["questions"][0]["answer"].is_null());
    let late = send(&officer, Method::POST, &format!("/v1/hotline/inbox/{q_other}/answer"), json!({ "answer": "x" })).await;
    assert_eq!((late.status, late.body["error"]["code"].as_str()), (409, Some("conflict")));
    assert_eq!(send(&officer, Method::POST, &format!("/v1/hotline/inbox/{q_ward}/close"), json!({ "note": "" })).await.status, 409);
    assert_eq!(send(&ward_officer, Method::POST, &close_path, json!({ "note": "" })).await.status, 404, "another ward's question");
    assert_field(&send(&officer, Method::POST, &format!("/v1/hotline/inbox/{q_none}/answer"), json!({ "answer": "  " })).await, "answer");
    // Handled questions follow the open ones, latest handled first.
    let handled: Value = officer.get_json("/v1/hotline/inbox").await.unwrap();
    assert_eq!(ids(&handled), vec![q_none.clone(), q_b.clone(), q_other.clone(), q_ward.clone()]);
    let answered_only: Value = admin.get_json("/v1/hotline/inbox?state=answered").await.unwrap();
    assert_eq!(ids(&answered_only), vec![q_ward.clone()]);

    // ---- the rate limit per device: 20 new questions an hour ----
    let (phone_c, _) = phone(&server).await;
    for n in 0..hotline::QUESTIONS_PER_DEVICE_PER_HOUR {
        let _: Value = phone_c.post_json("/v1/hotline/questions", &question(&server, &uuid(), None, &format!("Câu {n}"))).await.unwrap();
    }
    let refused = send(&phone_c, Method::POST, "/v1/hotline/questions", question(&server, &uuid(), None, "Một câu nữa")).await;
    assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (429, Some("rate_limited")));
    assert!(refused.retry_after_secs.is_some());

    // ---- retention: 90 days after handling, 180 after arrival ----
    let now = server.clock.now();
    let purge = |at| hotline::purge_expired(&server.db, at);
    assert_eq!(purge(now + Duration::days(89)).await.unwrap(), 0);
    assert_eq!(purge(now + Duration::days(91)).await.unwrap(), 2, "the answered and the closed question");
    assert_eq!(purge(now + Duration::days(179)).await.unwrap(), 0);
    assert_eq!(purge(now + Duration::days(181)).await.unwrap(), 22, "the open ones");
    assert_eq!(server.count("hotline_questions").await, 0);
    server.stop().await;
}

async fn rows(server: &TestServer, sql: &'static str) -> (i64, i64) {
    server
        .db
        .read(move |tx| {
            let row = &tx.query(sql, &[])?[0];
            Ok::<_, healthbook_server::storage::StorageError>((row.int(0)?, row.int(1)?))
        })
        .await
        .unwrap()
}

async fn who_may_call_what_and_random_bodies_never_give_a_server_error(backend: TestBackend) {
    let server = TestServer::start_with(backend, config()).await;
    let admin = server.admin_client().await;
    let (officer, _) = staff(&server, &admin, "health_officer", "hoa.province", area(PROVINCE, &[])).await;
    let (volunteer, _) = staff(&server, &admin, "volunteer", "binh.volunteer", area(PROVINCE, &[])).await;
    let (agency_admin, _) = staff(&server, &admin, "agency_admin", "an.agency", None).await;
    let (device, _) = phone(&server).await;
    let entry_id = uuid();
    assert_eq!(put(&officer, PROVINCE, &entry_id, &entry("Khai báo ở đâu?", "Trong ứng dụng.")).await.status, 200);
    let question_id = uuid();
    let asked = question(&server, &question_id, Some(WARD), "Tôi hỏi một câu.");
    let _: Value = device.post_json("/v1/hotline/questions", &asked).await.unwrap();

    let staff_routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/hotline/qa/{PROVINCE}/draft"), None),
        (Method::PUT, format!("/v1/hotline/qa/{PROVINCE}/draft/{entry_id}"), Some(entry("q", "a"))),
        (Method::DELETE, format!("/v1/hotline/qa/{PROVINCE}/draft/{entry_id}"), None),
        (Method::POST, format!("/v1/hotline/qa/{PROVINCE}/publish"), Some(json!({}))),
        (Method::GET, "/v1/hotline/inbox".into(), None),
        (Method::GET, format!("/v1/hotline/inbox/{question_id}"), None),
        (Method::POST, format!("/v1/hotline/inbox/{question_id}/assign"), Some(json!({ "assignee": "x" }))),
        (Method::POST, format!("/v1/hotline/inbox/{question_id}/answer"), Some(json!({ "answer": "x" }))),
        (Method::POST, format!("/v1/hotline/inbox/{question_id}/close"), Some(json!({ "note": "x" }))),
    ];
    let device_routes: Vec<(Method, String, Option<Value>)> =
        vec![(Method::GET, "/v1/hotline/questions".into(), None), (Method::POST, "/v1/hotline/questions".into(), Some(asked.clone()))];
    // Wrong roles: 403, and nothing changes.
    for (method, path, body) in &staff_routes {
        for caller in [&device, &volunteer, &agency_admin] {
            let answer = caller.send_detailed(method.clone(), path, body.as_ref()).await.unwrap();
            assert_eq!((answer.status, answer.body["error"]["code"].as_str()), (403, Some("forbidden")), "{method} {path}");
        }
    }
    for (method, path, body) in &device_routes {
        for caller in [&officer, &admin, &volunteer, &agency_admin] {
            let answer = caller.send_detailed(method.clone(), path, body.as_ref()).await.unwrap();
            assert_eq!(answer.status, 403, "{method} {path}");
        }
    }
    // Anonymous: 401 on every route but the public set.
    let raw = reqwest::Client::new();
    for (method, path, body) in staff_routes.iter().chain(device_routes.iter()) {
        let mut request = raw.request(method.clone(), format!("{}{path}", server.base_url)).header("idempotency-key", uuid());
        if let Some(body) = body {
            request = request.json(body);
        }
        assert_eq!(raw_request(request).await.0, 401, "{method} {path}");
    }
    let draft: Value = officer.get_json(&format!("/v1/hotline/qa/{PROVINCE}/draft")).await.unwrap();
    assert_eq!(draft["entries"][0]["question_vi"], "Khai báo ở đâu?", "the refused calls changed nothing");
    let inbox: Value = officer.get_json("/v1/hotline/inbox").await.unwrap();
    assert_eq!(inbox["questions"][0]["state"], "received");

    // Random and mutated bodies of every writing route, and garbage queries: never a 5xx, always a JSON error.
    let officer_token = officer.session().unwrap().token;
    let device_token = device.session().unwrap().token;
    let targets = [
        (Method::POST, "/v1/hotline/questions".to_owned(), serde_json::to_string(&asked).unwrap(), &device_token),
        (Method::PUT, format!("/v1/hotline/qa/{PROVINCE}/draft/{entry_id}"), entry("Hỏi?", "Đáp.").to_string(), &officer_token),
        (Method::POST, format!("/v1/hotline/inbox/{question_id}/answer"), json!({ "answer": "Đáp." }).to_string(), &officer_token),
        (Method::POST, format!("/v1/hotline/inbox/{question_id}/close"), json!({ "note": "trùng" }).to_string(), &officer_token),
        (Method::POST, format!("/v1/hotline/inbox/{question_id}/assign"), json!({ "assignee": "abc" }).to_string(), &officer_token),
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    for round in 0..150 {
        let (method, path, body, token) = &targets[round % targets.len()];
        let mut bytes = body.clone().into_bytes();
        match round % 4 {
            0 => bytes = (0..rng.gen_range(0..200)).map(|_| rng.r#gen::<u8>()).collect(),
            1 => {
                for _ in 0..rng.gen_range(1..6) {
                    let at = rng.gen_range(0..bytes.len());
                    bytes[at] = rng.r#gen();
                }
            }
            2 => bytes.truncate(rng.gen_range(0..bytes.len())),
            _ => {
                // Valid JSON with one field swapped for another type or an odd string.
                let mut value: Value = serde_json::from_str(body).unwrap();
                let keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
                let key = &keys[rng.gen_range(0..keys.len())];
                let odd = [json!(null), json!(-1), json!(""), json!("\u{0}\u{202e}ꙮ"), json!("x".repeat(3000)), json!([1]), json!({ "a": 1 })];
                value[key] = odd[rng.gen_range(0..odd.len())].clone();
                bytes = value.to_string().into_bytes();
            }
        }
        let request = raw
            .request(method.clone(), format!("{}{path}", server.base_url))
            .bearer_auth(token)
            .header("idempotency-key", uuid())
            .header("content-type", "application/json")
            .body(bytes.clone());
        let (status, _, answer) = raw_request(request).await;
        assert!(status < 500, "round {round}: {status} for {:?}: {answer:?}", String::from_utf8_lossy(&bytes));
        if status >= 400 {
            assert!(answer.as_ref().is_some_and(|b| b["error"]["code"].is_string()), "round {round}: {answer:?}");
        }
    }
    // A body over the server's limit is refused as too large on every writing route, before it is read as JSON.
    // Just over the limit, so the server has read it all when it answers and closes (see vaccination_lists.rs).
    let oversized = format!("{{\"pad\": \"{}\"}}", "x".repeat(test_config().body_limit_bytes + 1024));
    for (method, path, _, token) in &targets {
        let request = raw
            .request(method.clone(), format!("{}{path}", server.base_url))
            .bearer_auth(token)
            .header("idempotency-key", uuid())
            .header("content-type", "application/json")
            .body(oversized.clone());
        assert_json_error(&raw_request(request).await, 413, "payload_too_large");
    }
    let odd_queries = ["after=garbage", "after=0.1.", "limit=0", "limit=201", "limit=x", "state=lost", "province=00", "province=79&after=1.-5"];
    for query in odd_queries {
        let (status, _, answer) = raw_request(raw.get(format!("{}/v1/hotline/inbox?{query}", server.base_url)).bearer_auth(&officer_token)).await;
        assert!((400..500).contains(&status), "{query}: {status} {answer:?}");
    }
    for query in ["since_version=-1", "since_version=x", "since_version=99999999999"] {
        let (status, _, _) = raw_request(raw.get(format!("{}/v1/hotline/qa/{PROVINCE}?{query}", server.base_url))).await;
        assert!((400..500).contains(&status), "{query}: {status}");
    }
    // Every route is documented.
    let (_, _, doc) = raw_request(raw.get(format!("{}/openapi.json", server.base_url))).await;
    let doc = doc.expect("OpenAPI document");
    for (path, method) in [
        ("/v1/hotline/qa/{province}", "get"),
        ("/v1/hotline/qa/{province}/draft", "get"),
        ("/v1/hotline/qa/{province}/draft/{entry_id}", "put"),
        ("/v1/hotline/qa/{province}/draft/{entry_id}", "delete"),
        ("/v1/hotline/qa/{province}/publish", "post"),
        ("/v1/hotline/questions", "post"),
        ("/v1/hotline/questions", "get"),
        ("/v1/hotline/inbox", "get"),
        ("/v1/hotline/inbox/{question_id}", "get"),
        ("/v1/hotline/inbox/{question_id}/assign", "post"),
        ("/v1/hotline/inbox/{question_id}/answer", "post"),
        ("/v1/hotline/inbox/{question_id}/close", "post"),
    ] {
        assert!(doc["paths"][path][method]["responses"].is_object(), "{method} {path} documented");
    }
    server.stop().await;
}
