//! The site's share of "scan to record on screen" (issue 12 asks for under 5 seconds in all): checking the
//! scanned control card locally, and a whole `lookup` through the site client (scan check, JSON, HTTP with
//! keep-alive) against a loopback stub that answers at once, so that what is measured is the client's own
//! cost, not a server's. A final plain run prints the medians.
//!
//! Run: `cargo bench -p healthbook-core --bench site_lookup`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use criterion::Criterion;
use healthbook_core::SystemClock;
use healthbook_core::client::{ClientConfig, ServerClient};
use healthbook_core::credentials::{ControlCard, CredentialSigner, OwnPayload};
use healthbook_core::vaccination::site::{VaccinationSite, check_scan};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn card() -> String {
    let pkcs8 = CredentialSigner::generate_pkcs8().unwrap();
    let signer = CredentialSigner::from_pkcs8(&pkcs8, "authority").unwrap();
    let card = ControlCard { profile_id: "pr-1".into(), name: "Nguyễn Thị Năm".into(), birth_year: Some(1950), province: Some("79".into()) };
    let now = Utc.with_ymd_and_hms(2021, 9, 1, 2, 0, 0).unwrap();
    signer.issue(&OwnPayload::ControlCard(card), "c-1", now, now + Duration::days(365)).unwrap()
}

/// A stub answering every request on a kept-alive connection with a person and two doses.
async fn stub() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let doses: Vec<serde_json::Value> = [1, 2]
        .map(|n| {
            serde_json::json!({
                "dose_id": format!("d-{n}"), "person_id": "p-1", "product": "vaxzevria", "dose_number": n, "date": "2021-07-01",
                "lot": "A1", "source": "site", "recorded_by": "a", "recorded_at": "2021-07-01T02:00:00Z"
            })
        })
        .into();
    let body = serde_json::json!({
        "person_id": "p-1", "full_name": "Nguyễn Thị Năm", "birth_year": 1950, "next_dose_number": 3, "next_due": "2021-12-01",
        "doses": doses
    })
    .to_string();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 16384];
                loop {
                    // One request: its head, then as many body bytes as it announces.
                    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4) else {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buffer.len() < end + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buffer.drain(..end + length);
                    let answer = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn median(mut samples: Vec<StdDuration>) -> StdDuration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let scanned = card();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let site = runtime.block_on(async {
        let client = ServerClient::new(ClientConfig::new(stub().await), Arc::new(SystemClock)).unwrap();
        client.set_session(Some(healthbook_core::client::AccessToken {
            token: "t".into(),
            expires_at: Utc::now() + Duration::days(1),
            account_id: "a".into(),
            role: healthbook_protocol::Role::HealthOfficer,
            agency_id: None,
        }));
        VaccinationSite::with_client(client, Arc::new(SystemClock))
    });

    let mut c = Criterion::default().configure_from_args().sample_size(50);
    c.bench_function("check_scan (control card)", |b| b.iter(|| check_scan(black_box(&scanned)).unwrap()));
    c.bench_function("lookup round trip (loopback stub)", |b| {
        b.iter(|| runtime.block_on(site.lookup("s-1", black_box(&scanned))).unwrap())
    });
    c.final_summary();

    let check: Vec<_> = (0..2_000)
        .map(|_| {
            let t = Instant::now();
            black_box(check_scan(&scanned).unwrap());
            t.elapsed()
        })
        .collect();
    let lookup: Vec<_> = (0..300)
        .map(|_| {
            let t = Instant::now();
            black_box(runtime.block_on(site.lookup("s-1", &scanned)).unwrap());
            t.elapsed()
        })
        .collect();
    println!(
        "control card of {} bytes: check_scan median {:?}; lookup round trip median {:?} (client share of the 5 s scan-to-screen target)",
        scanned.len(),
        median(check),
        median(lookup)
    );
}
