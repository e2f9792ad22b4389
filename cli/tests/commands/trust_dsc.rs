//! `healthbook trust import-dsc` and `trust status`: a gate laptop without our server imports a national backend's
//! signed EU DCC document-signer list from a file, and then verifies a conformance DCC offline.

use std::process::{Command, Output};

use healthbook_core::trust::dcc_signers::testing::{TestPublisher, entry, list_json};
use serde_json::Value;

fn healthbook(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_healthbook"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HEALTHBOOK_DATA_KEY")
        .env_remove("HEALTHBOOK_SERVER")
        .output()
        .unwrap()
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

fn dcc_case(path: &str) -> (String, String, String) {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc").join(path);
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    (
        case["PREFIX"].as_str().unwrap().to_owned(),
        case["TESTCTX"]["CERTIFICATE"].as_str().unwrap().to_owned(),
        case["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn an_imported_list_lets_the_gate_verify_offline_and_a_forged_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (qr, de, clock) = dcc_case("DE/2DCode/raw/1.json");
    let publisher = TestPublisher::generate();
    let key = dir.path().join("publisher.pem");
    std::fs::write(&key, &publisher.public_key_pem).unwrap();
    let list = publisher.sign(&list_json(vec![
        entry("DSC", "DE", &de, None, "2021-06-01T12:00:00+02:00"),
        entry("CSCA", "DE", &de, None, "2021-06-01T12:00:00+02:00"),
    ]));
    let file = dir.path().join("dsc-list.txt");
    let forged_file = dir.path().join("forged.txt");
    std::fs::write(&file, &list).unwrap();
    std::fs::write(&forged_file, list.replace("\"DE\"", "\"FR\"")).unwrap();
    let key = key.to_str().unwrap();

    assert_eq!(healthbook(dir.path(), &["--json", "verify", "--at", &clock, &qr]).status.code(), Some(1), "unknown signer before");

    let forged = healthbook(dir.path(), &["--json", "trust", "import-dsc", forged_file.to_str().unwrap(), "--publisher-key", key]);
    assert_eq!(forged.status.code(), Some(1));
    assert_eq!(json_of(&forged.stderr)["error"]["code"], "dsc_list_refused");

    let imported = healthbook(dir.path(), &["--json", "trust", "import-dsc", file.to_str().unwrap(), "--publisher-key", key]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let report = json_of(&imported.stdout);
    assert_eq!((report["accepted"].as_u64(), report["skipped"].as_u64(), report["countries"].as_u64()), (Some(1), Some(1), Some(1)));
    assert_eq!(report["list_date"], "2021-06-01T10:00:00Z");
    let text = healthbook(dir.path(), &["trust", "import-dsc", file.to_str().unwrap(), "--publisher-key", key]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("1 accepted, 1 skipped, 1 countries"));

    let verdict = healthbook(dir.path(), &["--json", "verify", "--at", &clock, &qr]);
    assert_eq!(verdict.status.code(), Some(0), "{}", String::from_utf8_lossy(&verdict.stdout));
    assert_eq!(json_of(&verdict.stdout)["valid"], true);

    let status = json_of(&healthbook(dir.path(), &["--json", "trust", "status"]).stdout);
    assert_eq!(status["dcc_signer_list"]["signers"], 1);
    assert_eq!(status["dcc_signer_list"]["list_date"], "2021-06-01T10:00:00Z");
    let words = String::from_utf8_lossy(&healthbook(dir.path(), &["trust", "status"]).stdout).into_owned();
    assert!(words.contains("EU DCC signer list: 1 signers, list of 2021-06-01T10:00:00+00:00"), "{words}");

    let bad_key = dir.path().join("bad.pem");
    std::fs::write(&bad_key, "not a key").unwrap();
    let refused = healthbook(dir.path(), &["--json", "trust", "import-dsc", file.to_str().unwrap(), "--publisher-key", bad_key.to_str().unwrap()]);
    assert_eq!(json_of(&refused.stderr)["error"]["code"], "bad_publisher_key");
    // A URL that is plain http off loopback is refused before anything is downloaded.
    let insecure = healthbook(dir.path(), &["--json", "trust", "import-dsc", "http://example.com/trustList/DSC/", "--publisher-key", key]);
    assert_eq!(insecure.status.code(), Some(1), "{}", String::from_utf8_lossy(&insecure.stderr));
}
