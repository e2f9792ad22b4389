//! Reference server, end to end: the signed trust list and revocation list. Verified against the pinned root,
//! cached, revalidated with ETags, used offline, and refused when tampered with, signed by another root, or
//! rolled back.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use healthbook_core::Clock;
use healthbook_core::client::{
    ClientError, FileTrustCache, MemoryTrustCache, NewIssuerKey, NewRevocation, TrustCache, TrustDocumentKind,
    TrustSource, cached_trust_list,
};
use healthbook_core::trust::{IssuerRefusal, IssuerRole, RevocationKind, SigningKey, TrustError};
use healthbook_e2e::server::{TestBackend, TestServer, assert_http_error, raw_request};
use healthbook_e2e::server_scenarios;
use healthbook_server::storage::{StorageError, Value};

server_scenarios!(
    trust_list_is_signed_verified_cached_and_revalidated,
    tampered_foreign_or_rolled_back_trust_list_is_refused,
    offline_client_uses_the_cached_trust_list,
    malformed_key_id_revocation_is_refused_and_never_stored,
    issuer_key_scopes_must_say_where_the_key_signs,
    trust_documents_name_their_next_update,
    quiet_days_still_get_freshly_signed_trust_documents,
);

fn agency_key(server: &TestServer, name: &str) -> (SigningKey, NewIssuerKey) {
    let (key, _) = SigningKey::generate().unwrap();
    let entry = NewIssuerKey {
        role: IssuerRole::Agency,
        scope: "agency-1".into(),
        name: name.into(),
        public_key: key.verifying_key().spki_base64(),
        not_before: server.clock.now(),
        not_after: server.clock.now() + Duration::days(365),
    };
    (key, entry)
}

async fn trust_list_is_signed_verified_cached_and_revalidated(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let phone = server.client();
    let cache = MemoryTrustCache::default();

    let first = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap();
    // The first list already names the server's own signing services (declaration receipts, health passes, test
    // certificates, venue posters, control cards).
    assert_eq!(
        (first.source, first.document.version, first.document.keys.len()),
        (TrustSource::Server, 1, healthbook_server::trust::SERVICE_KEYS.len())
    );
    let mut scopes: Vec<&str> = first.document.keys.iter().map(|k| k.scope.as_str()).collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["control-cards", "declaration-receipts", "health-pass", "lab-results", "venue-posters"]);
    let again = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap();
    assert_eq!(again.source, TrustSource::NotModified);
    assert_eq!(again.document, first.document);

    // Only the authority adds issuer keys; each addition is signed into a new version.
    let (issuer, entry) = agency_key(&server, "Chợ Bến Thành");
    assert_http_error(phone.add_issuer_key(&entry).await, 401, "unauthenticated");
    let admin = server.admin_client().await;
    let added = admin.add_issuer_key(&entry).await.unwrap();
    assert_eq!(added.kid, issuer.kid());
    assert_http_error(admin.add_issuer_key(&entry).await, 409, "issuer_key_exists");
    let mut bad = entry.clone();
    bad.not_after = bad.not_before;
    assert_http_error(admin.add_issuer_key(&bad).await, 422, "invalid_request");

    let updated = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap();
    assert_eq!((updated.source, updated.document.version), (TrustSource::Server, 2));
    let now = server.clock.now();
    assert_eq!(updated.document.issuer_valid_at(issuer.kid(), now, None).unwrap().name, "Chợ Bến Thành");

    // Revocation list: separate document, same root.
    let revocations = phone.fetch_revocations(&server.root_key, &cache).await.unwrap();
    assert!(revocations.document.entries.is_empty());
    admin
        .add_revocation(&NewRevocation {
            kind: RevocationKind::IssuerKey,
            id: issuer.kid().to_owned(),
            reason: "key lost".into(),
        })
        .await
        .unwrap();
    let revocations = phone.fetch_revocations(&server.root_key, &cache).await.unwrap();
    assert_eq!(revocations.document.version, 2);
    assert_eq!(
        updated.document.issuer_valid_at(issuer.kid(), now, Some(&revocations.document)),
        Err(IssuerRefusal::Revoked)
    );

    // ETags on the wire: a matching If-None-Match (strong, weak or in a list) gets 304 and no body.
    let raw = reqwest::Client::new();
    let url = format!("{}/v1/trust-list", server.base_url);
    let full = raw.get(&url).send().await.unwrap();
    assert_eq!(full.headers()["content-type"], "application/jose");
    let etag = full.headers()["etag"].to_str().unwrap().to_owned();
    for header in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}")] {
        let answer = raw.get(&url).header("If-None-Match", header).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 304);
        assert_eq!(answer.headers()["etag"].to_str().unwrap(), etag);
        assert!(answer.bytes().await.unwrap().is_empty());
    }
    let (status, _, _) = raw_request(raw.get(&url).header("If-None-Match", "\"stale\"")).await;
    assert_eq!(status, 200);
    server.stop().await;
}

/// Flips one character inside the payload of a compact JWS.
fn flip_payload_byte(jws: &str) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut payload = URL_SAFE_NO_PAD.decode(&parts[1]).unwrap();
    let i = payload.len() / 2;
    payload[i] ^= 0x01;
    parts[1] = URL_SAFE_NO_PAD.encode(payload);
    parts.join(".")
}

async fn tampered_foreign_or_rolled_back_trust_list_is_refused(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let (_, entry) = agency_key(&server, "Nhà máy");
    admin.add_issuer_key(&entry).await.unwrap();
    let phone = server.client();
    let cache = MemoryTrustCache::default();
    let good = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap();
    assert_eq!(good.document.version, 2);

    // A phone pinned to another root refuses the genuine list.
    let (other_root, _) = SigningKey::generate().unwrap();
    let foreign = server.client().fetch_trust_list(other_root.verifying_key(), &MemoryTrustCache::default()).await;
    assert_eq!(foreign.unwrap_err(), ClientError::TrustList(TrustError::WrongKeyId));

    // Someone with write access to the server's database flips one byte of the payload.
    let current: String = server
        .db
        .read(|tx| {
            tx.query("SELECT jws FROM signed_documents WHERE kind = 'trust_list' AND version = 2", &[])?[0].text(0)
        })
        .await
        .map_err(|e: StorageError| e)
        .unwrap();
    let tampered = flip_payload_byte(&current);
    server
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE signed_documents SET jws = $1, etag = $2 WHERE kind = 'trust_list' AND version = 2",
                &[Value::Text(tampered), "\"tampered\"".into()],
            )
        })
        .await
        .map_err(|e: StorageError| e)
        .unwrap();
    let refused = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap_err();
    assert_eq!(refused, ClientError::TrustList(TrustError::BadSignature));
    // The good copy stays in the cache, usable.
    let kept = cached_trust_list(&server.root_key, &cache).unwrap().unwrap();
    assert_eq!(kept.document, good.document);

    // A server that goes back to an older (genuinely signed) version is refused too.
    server.execute_sql("DELETE FROM signed_documents WHERE kind = 'trust_list' AND version = 2").await;
    let rollback = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap_err();
    assert_eq!(rollback, ClientError::TrustList(TrustError::Rollback { offered: 1, accepted: 2 }));

    // A cached copy that was tampered with on the phone is ignored, as if there were none.
    let mut stored = cache.load(TrustDocumentKind::TrustList).unwrap().unwrap();
    stored.jws = flip_payload_byte(&stored.jws);
    cache.store(TrustDocumentKind::TrustList, &stored).unwrap();
    assert!(cached_trust_list(&server.root_key, &cache).unwrap().is_none());
    let fresh = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap();
    assert_eq!((fresh.source, fresh.document.version), (TrustSource::Server, 1));
    server.stop().await;
}

async fn offline_client_uses_the_cached_trust_list(backend: TestBackend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let (issuer, entry) = agency_key(&server, "Trạm kiểm soát");
    admin.add_issuer_key(&entry).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = FileTrustCache::new(dir.path().join("trust"));
    let phone = server.client();
    let online = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap();
    phone.fetch_revocations(&server.root_key, &cache).await.unwrap();
    let fetched_at = online.fetched_at;

    server.stop_http().await;
    server.clock.advance(Duration::hours(6));
    let offline = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap();
    assert_eq!(offline.source, TrustSource::Cache);
    assert_eq!(offline.document, online.document);
    assert_eq!(offline.fetched_at, fetched_at, "the app can show how old its list is");
    assert!(offline.document.issuer_valid_at(issuer.kid(), server.clock.now(), None).is_ok());

    // After an app restart: a new client, the same cache on disk.
    let restarted = server.client();
    let offline = restarted.fetch_revocations(&server.root_key, &cache).await.unwrap();
    assert_eq!(offline.source, TrustSource::Cache);

    // Offline with nothing cached: the network error, not an empty list.
    let empty = FileTrustCache::new(dir.path().join("empty"));
    let err = restarted.fetch_trust_list(&server.root_key, &empty).await.unwrap_err();
    assert!(matches!(err, ClientError::Network(_)), "{err:?}");
    server.stop().await;
}

async fn malformed_key_id_revocation_is_refused_and_never_stored(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let http = reqwest::Client::new();
    let (_, _, body) = raw_request(
        http.post(format!("{}/v1/auth/login", server.base_url))
            .json(&serde_json::json!({"username": healthbook_e2e::server::ADMIN_USERNAME, "password": healthbook_e2e::server::ADMIN_PASSWORD})),
    )
    .await;
    let token = body.unwrap()["token"].as_str().unwrap().to_owned();
    let before = server.count("revocations").await;
    // Not base64, base64 of 7 and 9 bytes, URL-safe alphabet, padding missing: none is a key id.
    for (n, id) in ["not a kid!", "AAAAAAAAAA==", "AAAAAAAAAAAA", "-_-_-_-_-_-=", "AAAAAAAAAAA"].iter().enumerate() {
        let (status, _, body) = raw_request(
            http.post(format!("{}/v1/revocations", server.base_url))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("bad-kid-{n}"))
                .json(&serde_json::json!({"kind": "issuer_key", "id": id, "reason": "lost"})),
        )
        .await;
        let body = body.unwrap();
        assert_eq!(status, 422, "{id}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request");
        assert_eq!(body["error"]["fields"][0]["field"], "id");
        assert_eq!(body["error"]["fields"][0]["code"], "invalid_key_id");
        assert!(!body.to_string().contains(id), "the refusal does not echo the value");
    }
    assert_eq!(server.count("revocations").await, before, "nothing stored");
    // A well-formed key id and a credential id (any text) still go through.
    let admin = server.admin_client().await;
    let (key, _) = SigningKey::generate().unwrap();
    admin
        .add_revocation(&NewRevocation { kind: RevocationKind::IssuerKey, id: key.kid().to_owned(), reason: "lost".into() })
        .await
        .unwrap();
    admin
        .add_revocation(&NewRevocation { kind: RevocationKind::Credential, id: "not-a-kid".into(), reason: "lost".into() })
        .await
        .unwrap();
    assert_eq!(server.count("revocations").await, before + 2);
    server.stop().await;
}

async fn trust_documents_name_their_next_update(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let phone = server.client();
    let cache = MemoryTrustCache::default();
    let list = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap().document;
    let revocations = phone.fetch_revocations(&server.root_key, &cache).await.unwrap().document;
    assert_eq!(list.next_update, Some(list.issued_at + Duration::hours(24)));
    assert_eq!(revocations.next_update, Some(revocations.issued_at + Duration::hours(24)));
    server.stop().await;
}

/// With nothing changing, the server still signs its documents again before their `next_update`, so a
/// checkpoint that refreshes never holds a list past its maximum age just because the week was quiet.
async fn quiet_days_still_get_freshly_signed_trust_documents(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let resign = |server: &TestServer| {
        let now = server.clock.now();
        let db = server.db.clone();
        async move { db.write(move |tx| healthbook_server::trust::resign_if_due(tx, now)).await.unwrap() }
    };
    let phone = server.client();
    let cache = MemoryTrustCache::default();
    let first = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap().document;
    // Freshly signed at start-up: nothing is due.
    server.clock.advance(Duration::hours(1));
    assert_eq!(resign(&server).await, 0);
    // Past half the update interval both documents are signed again, once.
    server.clock.advance(Duration::hours(12));
    assert_eq!(resign(&server).await, 2);
    assert_eq!(resign(&server).await, 0, "a second check right after signs nothing");
    let second = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap().document;
    assert_eq!(second.version, first.version + 1);
    assert_eq!(second.keys, first.keys, "the same keys, signed again");
    assert!(second.next_update.unwrap() > server.clock.now() + Duration::hours(23));
    // A week of quiet days with a check every 12 hours: the list a phone fetches is never past its next_update.
    for _ in 0..14 {
        server.clock.advance(Duration::hours(12));
        resign(&server).await;
        let list = phone.fetch_trust_list(&server.root_key, &cache).await.unwrap().document;
        assert!(list.next_update.unwrap() > server.clock.now(), "list past its next_update after a quiet day");
    }
    server.stop().await;
}

/// An issuer key's scope is checked when it is added: what the verifier will read from it is what the authority
/// meant, and nothing is listed otherwise.
async fn issuer_key_scopes_must_say_where_the_key_signs(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let before = server.count("issuer_keys").await;
    let refused = [
        (IssuerRole::Agency, "*", "scope_required"),
        (IssuerRole::Lab, "*", "scope_required"),
        (IssuerRole::Agency, "agency:", "scope_required"),
        (IssuerRole::VaccinationSite, "province:99", "unknown_province"),
        (IssuerRole::Agency, "lab:hcdc", "scope_of_another_role"),
        (IssuerRole::Lab, "site:tram-y-te-1", "scope_of_another_role"),
    ];
    let http = reqwest::Client::new();
    let (_, _, body) = raw_request(
        http.post(format!("{}/v1/auth/login", server.base_url))
            .json(&serde_json::json!({"username": healthbook_e2e::server::ADMIN_USERNAME, "password": healthbook_e2e::server::ADMIN_PASSWORD})),
    )
    .await;
    let token = body.unwrap()["token"].as_str().unwrap().to_owned();
    for (n, (role, scope, code)) in refused.into_iter().enumerate() {
        let (_, mut entry) = agency_key(&server, "Trạm xét nghiệm");
        entry.role = role;
        entry.scope = scope.into();
        let (status, _, body) = raw_request(
            http.post(format!("{}/v1/trust-list/keys", server.base_url))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("bad-scope-{n}"))
                .json(&entry),
        )
        .await;
        let body = body.unwrap();
        assert_eq!(status, 422, "{role:?} {scope:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request");
        assert_eq!(body["error"]["fields"][0]["field"], "scope", "{role:?} {scope:?}");
        assert_eq!(body["error"]["fields"][0]["code"], code, "{role:?} {scope:?}");
    }
    assert_eq!(server.count("issuer_keys").await, before, "no refused key is listed");
    // Each role with its own scope, and any role scoped to a real province, is listed.
    for (role, scope) in [
        (IssuerRole::Agency, "agency:cho-ben-thanh"),
        (IssuerRole::Agency, "legacy-agency-name"),
        (IssuerRole::Lab, "lab:hcdc"),
        (IssuerRole::VaccinationSite, "province:79"),
    ] {
        let (_, mut entry) = agency_key(&server, "Khoa xét nghiệm");
        entry.role = role;
        entry.scope = scope.into();
        let added = admin.add_issuer_key(&entry).await.unwrap();
        assert_eq!(added.scope, scope);
    }
    assert_eq!(server.count("issuer_keys").await, before + 4);
    server.stop().await;
}
