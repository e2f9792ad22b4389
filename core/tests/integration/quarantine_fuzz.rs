//! What the phone reads from outside in home quarantine never panics: the scanned home-token text (a camera
//! reads any QR), the radio identifiers a platform reports (any string), and the server's answers (orders,
//! challenges, cases, verdicts) decoded as the contract's types. 1,000 seeded random and mutated inputs each;
//! a failure prints the input.

use std::panic::{catch_unwind, AssertUnwindSafe};

use healthbook_core::quarantine::sensors::{hash_radio, RadioScan};
use healthbook_core::quarantine::wire::{CaseView, ChallengeStatus, CheckInVerdict, OrderList, MAX_RADIO_IDS};
use healthbook_core::quarantine::is_home_token;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ROUNDS: usize = 1_000;
const TOKEN: &str = "HQ1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

fn mutate(rng: &mut StdRng, seed: &str) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..rng.gen_range(1..4) {
        match rng.gen_range(0..4) {
            0 if !bytes.is_empty() => {
                let at = rng.gen_range(0..bytes.len());
                bytes[at] = rng.r#gen();
            }
            1 => {
                let at = rng.gen_range(0..=bytes.len());
                bytes.insert(at, rng.r#gen());
            }
            2 if !bytes.is_empty() => {
                let at = rng.gen_range(0..bytes.len());
                bytes.truncate(at);
            }
            _ => bytes.extend((0..rng.gen_range(0..8)).map(|_| rng.r#gen::<u8>())),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn home_tokens_and_radio_identifiers_never_panic() {
    let mut rng = StdRng::seed_from_u64(10);
    assert!(is_home_token(TOKEN));
    let mut accepted = 0;
    for _ in 0..ROUNDS {
        let text = mutate(&mut rng, TOKEN);
        let ok = catch_unwind(AssertUnwindSafe(|| is_home_token(&text))).unwrap_or_else(|_| panic!("token check panicked on {text:?}"));
        // Only a prefix and exactly 32 bytes of base64url pass.
        if ok {
            accepted += 1;
            assert!(text.starts_with("HQ1:") && text.len() == TOKEN.len(), "{text:?}");
        }
        let ids: Vec<String> = (0..rng.gen_range(0..30)).map(|_| mutate(&mut rng, "aa:bb:cc:dd:ee:ff")).collect();
        let scan = RadioScan { wifi: ids.clone(), bluetooth: ids };
        let hashed = catch_unwind(AssertUnwindSafe(|| hash_radio(&text, &scan))).unwrap_or_else(|_| panic!("hashing panicked on {text:?}"));
        assert!(hashed.wifi.len() <= MAX_RADIO_IDS && hashed.wifi.iter().all(|h| h.len() == 64));
    }
    assert!(accepted < ROUNDS / 2, "mutations are mostly refused ({accepted})");
}

#[test]
fn server_answers_decode_or_fail_without_panicking() {
    let seeds = [
        r#"{"orders":[{"order_id":"o1","person_id":"p1","profile_ref":"x","home_address":"a","ward_code":"26734","geofence":{"lat":10.7,"lon":106.7,"radius_m":100.0},"start_date":"2021-09-01","days":14,"extension_days":0,"time_zone":"Asia/Ho_Chi_Minh","ends_at":"2021-09-14T17:00:00Z","schedule":{"daily_windows":[{"start":"08:00:00","end":"09:00:00"}],"random_per_day":1,"random_window_minutes":30},"grace_minutes":30,"extension_rules":{"extension_days":7,"max_extensions":1},"commitment_version":1,"state":"active","created_by":"o","created_at":"2021-09-01T00:00:00Z"}]}"#,
        r#"{"open":{"challenge_id":"c","nonce":"n","kind":"random","opens_at":"2021-09-01T01:00:00Z","closes_at":"2021-09-01T02:00:00Z","home_token_required":true},"next_scheduled_at":"2021-09-02T01:00:00Z"}"#,
        r#"{"challenge_id":"c","sequence":3,"verdict":"needs_review","reasons":["uncertain_location","late"],"radio_similarity":0.1,"fence":"uncertain","case_id":"k","decided_at":"2021-09-01T01:00:00Z"}"#,
    ];
    let mut rng = StdRng::seed_from_u64(11);
    for round in 0..ROUNDS {
        let text = mutate(&mut rng, seeds[round % seeds.len()]);
        let decoded = catch_unwind(AssertUnwindSafe(|| {
            let _ = serde_json::from_str::<OrderList>(&text);
            let _ = serde_json::from_str::<ChallengeStatus>(&text);
            let _ = serde_json::from_str::<CheckInVerdict>(&text);
            let _ = serde_json::from_str::<CaseView>(&text);
        }));
        assert!(decoded.is_ok(), "decoding panicked on {text:?}");
    }
    for seed in seeds {
        let ok = serde_json::from_str::<OrderList>(seed).is_ok()
            || serde_json::from_str::<ChallengeStatus>(seed).is_ok()
            || serde_json::from_str::<CheckInVerdict>(seed).is_ok();
        assert!(ok, "the seeds themselves decode");
    }
}
