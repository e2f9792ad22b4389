//! The citizen's check-in end to end: the phone pins the server's root, fetches the trust list the authority
//! keeps (an agency's poster key added, another agency's key revoked), and then checks posters offline: a genuine
//! poster checks in, while a forged poster, a poster from the revoked agency and a poster signed outside its key's
//! scope are refused, each with its reason, with the server stopped.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use healthbook_core::checkin::{CheckInError, PosterRefusal};
use healthbook_core::client::{NewIssuerKey, NewRevocation};
use healthbook_core::credentials::{CredentialSigner, OwnPayload, VenuePoster};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::trust::{IssuerRole, RevocationKind, kid_for_spki};
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestServer};
use healthbook_e2e::server_scenarios;

server_scenarios!(posters_are_checked_offline_against_the_servers_trust_list);

fn signer(name: &str) -> CredentialSigner {
    CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), name).unwrap()
}

fn key_entry(server: &TestServer, signer: &CredentialSigner, scope: &str) -> NewIssuerKey {
    NewIssuerKey {
        role: IssuerRole::Agency,
        scope: scope.into(),
        name: signer.issuer().into(),
        public_key: STANDARD.encode(signer.public_key_spki()),
        not_before: server.clock.now() - Duration::days(1),
        not_after: server.clock.now() + Duration::days(365),
    }
}

fn poster(server: &TestServer, by: &CredentialSigner, venue: &str, agency: &str) -> String {
    let payload = OwnPayload::VenuePoster(VenuePoster {
        venue_id: venue.into(),
        name: "Chợ Bà Chiểu".into(),
        agency_id: Some(agency.into()),
        stay_minutes: Some(90),
        ..VenuePoster::default()
    });
    let now = server.clock.now();
    by.issue(&payload, "poster", now - Duration::hours(1), now + Duration::days(365)).unwrap()
}

async fn posters_are_checked_offline_against_the_servers_trust_list(backend: TestBackend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let (market, closed, stranger) = (signer("Ban quản lý chợ"), signer("Công ty đã giải thể"), signer("Không rõ"));
    admin.add_issuer_key(&key_entry(&server, &market, "agency:cho-ba-chieu")).await.unwrap();
    admin.add_issuer_key(&key_entry(&server, &closed, "agency:da-giai-the")).await.unwrap();
    let revocation = NewRevocation {
        kind: RevocationKind::IssuerKey,
        id: kid_for_spki(&closed.public_key_spki()),
        reason: "agency dissolved".into(),
    };
    admin.add_revocation(&revocation).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let config = HealthbookConfig { data_dir: dir.path().into(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() };
    let phone = Healthbook::open(config).unwrap();
    phone.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    phone.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    phone.trust().refresh().await.unwrap();
    let profile = phone
        .profiles()
        .add(ProfileInput {
            relation: ProfileRelation::Myself,
            full_name: "Võ Thị Sáu".into(),
            birth: BirthDate { year: 1988, month: None, day: None },
            phone: None,
            citizen_id: None,
            address: None,
        })
        .await
        .unwrap()
        .id;

    // Offline from here on: the cached, verified lists decide.
    server.stop_http().await;
    let checkins = phone.checkins();
    let entry = checkins.check_in(&profile, &poster(&server, &market, "venue-bc", "cho-ba-chieu")).await.unwrap();
    assert_eq!((entry.venue_id.as_deref(), entry.stay_minutes), (Some("venue-bc"), 90));
    let refusal = |r: Result<_, CheckInError>| match r {
        Err(CheckInError::Refused(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(refusal(checkins.check_in(&profile, &poster(&server, &stranger, "venue-bc", "cho-ba-chieu")).await), PosterRefusal::UnknownKey);
    assert_eq!(refusal(checkins.check_in(&profile, &poster(&server, &closed, "venue-x", "da-giai-the")).await), PosterRefusal::Revoked);
    assert_eq!(refusal(checkins.check_in(&profile, &poster(&server, &market, "venue-y", "cho-khac")).await), PosterRefusal::OutOfScope);
    assert_eq!(checkins.diary().await.unwrap().len(), 1, "refused posters leave nothing in the diary");
    server.stop().await;
}
