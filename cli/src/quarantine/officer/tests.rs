//! The officer's quarantine commands: parsing as the brief writes them, the text they print, and the sticker's
//! QR read back from the rendered PDF.

use chrono::FixedOffset;
use clap::Parser;
use healthbook_core::quarantine::officer::{ExplanationRequest, check_order};

use super::*;

#[derive(Debug, Parser)]
struct Line {
    #[command(subcommand)]
    command: QuarantineOfficerCommand,
}

fn parse(args: &[&str]) -> Result<QuarantineOfficerCommand, clap::Error> {
    let mut full = vec!["quarantine"];
    full.extend_from_slice(args);
    Line::try_parse_from(full).map(|l| l.command)
}

fn vn() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

const CREATE: &[&str] = &[
    "order", "create", "--person", "p-1", "--address", "12 Lê Lợi, Phường Bến Nghé", "--ward", "26734", "--lat", "10.7769", "--lon",
    "106.7009", "--radius", "100", "--start", "2021-09-01", "--days", "14", "--window", "08:00-09:00", "--window", "18:00-18:30",
    "--random-per-day", "2", "--random-minutes", "20", "--token-each-time", "--grace", "15", "--extension-days", "7",
    "--max-extensions", "2", "--user", "officer",
];

#[test]
fn commands_read_as_the_brief_writes_them() {
    let QuarantineOfficerCommand::Order(OrderCommand::Create(args)) = parse(CREATE).unwrap() else { panic!() };
    let request = args.request();
    assert_eq!((request.person_id.as_str(), request.ward_code.as_str(), request.days), ("p-1", "26734", 14));
    assert_eq!(request.time_zone, "Asia/Ho_Chi_Minh", "the default zone");
    assert_eq!(request.geofence, Geofence { lat: 10.7769, lon: 106.7009, radius_m: 100.0 });
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    assert_eq!(request.schedule.daily_windows, [DailyWindow { start: t(8, 0), end: t(9, 0) }, DailyWindow { start: t(18, 0), end: t(18, 30) }]);
    assert_eq!((request.schedule.random_per_day, request.schedule.random_window_minutes), (2, 20));
    assert!(request.schedule.home_token_each_time && !request.schedule.allow_night);
    assert_eq!((request.grace_minutes, request.extension_rules.extension_days, request.extension_rules.max_extensions), (15, 7, 2));
    assert_eq!(request.commitment_version, 1);
    check_order(&request).unwrap();
    // Southern coordinates and another zone.
    let mut other: Vec<&str> = CREATE.iter().map(|a| if *a == "10.7769" { "-33.45" } else { a }).collect();
    other.extend(["--time-zone", "America/Santiago", "--night", "--commitment-version", "2"]);
    let QuarantineOfficerCommand::Order(OrderCommand::Create(args)) = parse(&other).unwrap() else { panic!() };
    assert_eq!((args.lat, args.time_zone.as_str(), args.night, args.commitment_version), (-33.45, "America/Santiago", true, 2));

    let allow = parse(&["ward", "allow", "26734", "--criteria", "health_station_follow_up,community-team", "--note", "ok", "--user", "o"]).unwrap();
    let QuarantineOfficerCommand::Ward(WardCommand::Allow { ward, criteria, note, .. }) = allow else { panic!() };
    assert_eq!((ward.as_str(), note.as_str()), ("26734", "ok"));
    assert_eq!(criteria, [EligibilityCriterion::HealthStationFollowUp, EligibilityCriterion::CommunityTeam]);
    assert!(matches!(parse(&["ward", "stop", "26734", "--user", "o"]).unwrap(), QuarantineOfficerCommand::Ward(WardCommand::Stop { note, .. }) if note.is_empty()));
    assert!(matches!(parse(&["ward", "list", "--user", "o"]).unwrap(), QuarantineOfficerCommand::Ward(WardCommand::List { .. })));
    let list = parse(&["order", "list", "--state", "active", "--user", "o"]).unwrap();
    assert!(matches!(list, QuarantineOfficerCommand::Order(OrderCommand::List { state: Some(OrderState::Active), .. })));
    assert!(matches!(parse(&["order", "show", "o-1", "--user", "o"]).unwrap(), QuarantineOfficerCommand::Order(OrderCommand::Show { .. })));
    let token = parse(&["token", "o-1", "--pdf", "sticker.pdf", "--user", "o"]).unwrap();
    assert!(matches!(token, QuarantineOfficerCommand::Token { order, pdf, .. } if order == "o-1" && pdf.as_path() == std::path::Path::new("sticker.pdf")));
    assert!(matches!(parse(&["check-ins", "o-1", "--user", "o"]).unwrap(), QuarantineOfficerCommand::CheckIns { .. }));
    let cases = parse(&["cases", "--state", "awaiting_decision", "--user", "o"]).unwrap();
    assert!(matches!(cases, QuarantineOfficerCommand::Cases { state: Some(CaseState::AwaitingDecision), .. }));
    assert!(matches!(parse(&["cases", "--user", "o"]).unwrap(), QuarantineOfficerCommand::Cases { state: None, .. }));
    let decide = parse(&["decide", "k-1", "--outcome", "extension", "--note", "left the home twice", "--user", "o"]).unwrap();
    assert!(matches!(decide, QuarantineOfficerCommand::Decide { outcome: DecisionOutcome::Extension, .. }));

    // Usage errors name what is wrong; nothing is guessed.
    for bad in [
        &["decide", "k-1", "--outcome", "fine", "--note", "x", "--user", "o"][..],
        &["decide", "k-1", "--outcome", "warning", "--user", "o"],
        &["ward", "allow", "26734", "--user", "o"],
        &["ward", "allow", "26734", "--criteria", "sunshine", "--user", "o"],
        &["cases", "--state", "open", "--user", "o"],
        &["token", "o-1", "--user", "o"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    let mut no_grace: Vec<&str> = CREATE.to_vec();
    let at = no_grace.iter().position(|a| *a == "--grace").unwrap();
    no_grace.drain(at..at + 2);
    assert!(parse(&no_grace).is_err(), "the grace period is the officer's choice, not a default");
    let mut bad_window = CREATE.to_vec();
    bad_window.extend(["--window", "8-9"]);
    assert!(parse(&bad_window).unwrap_err().to_string().contains("START-END"));
}

#[test]
fn windows_and_names_parse_strictly() {
    assert_eq!(parse_window(" 06:30-07:00 ").unwrap().start, NaiveTime::from_hms_opt(6, 30, 0).unwrap());
    for bad in ["", "08:00", "08:00-", "8h-9h", "25:00-26:00", "08:00-09:00-10:00"] {
        assert!(parse_window(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_wire::<DecisionOutcome>(" Referral"), Ok(DecisionOutcome::Referral));
    assert_eq!(parse_wire::<OrderState>("awaiting-enrolment"), Ok(OrderState::AwaitingEnrolment));
    assert!(parse_wire::<CaseState>("").is_err());
    assert!(parse_wire::<CaseState>("\"decided\"").is_err());
}

fn order() -> OrderView {
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    OrderView {
        order_id: "o-1".into(),
        person_id: "p-1".into(),
        profile_ref: String::new(),
        home_address: "12 Lê Lợi".into(),
        ward_code: "26734".into(),
        geofence: Geofence { lat: 10.7769, lon: 106.7009, radius_m: 100.0 },
        start_date: NaiveDate::from_ymd_opt(2021, 9, 1).unwrap(),
        days: 14,
        extension_days: 0,
        time_zone: "Asia/Ho_Chi_Minh".into(),
        ends_at: utc("2021-09-14T17:00:00Z"),
        schedule: CheckInSchedule {
            daily_windows: vec![DailyWindow { start: t(8), end: t(9) }],
            random_per_day: 1,
            random_window_minutes: 30,
            allow_night: false,
            home_token_each_time: false,
        },
        grace_minutes: 15,
        extension_rules: ExtensionRules { extension_days: 7, max_extensions: 2 },
        commitment_version: 1,
        commitment_signed_at: Some(utc("2021-09-01T03:00:00Z")),
        device_key_id: Some("kid".into()),
        enrolled_at: None,
        state: OrderState::AwaitingEnrolment,
        created_by: "acc-1".into(),
        created_at: utc("2021-09-01T02:00:00Z"),
    }
}

#[test]
fn an_order_shows_its_end_and_days_left_in_its_own_zone() {
    let now = utc("2021-09-11T17:00:00Z");
    let text = order_text(&order(), now);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "order o-1  person p-1  signed; waiting for the home to be enrolled");
    assert_eq!(lines[3], "  from 2021-09-01 for 14 days; ends at the end of 2021-09-14 (2021-09-15 00:00 Asia/Ho_Chi_Minh); 3 days left");
    assert_eq!(
        lines[4],
        "  check-ins: daily 08:00-09:00; 1 random a day open 30 min; never at night; home token at enrolment; grace 15 min"
    );
    assert_eq!(lines[6], "  commitment v1 signed 2021-09-01 10:00", "in the order's zone");
    assert_eq!(lines[7], "  home not enrolled yet");
    // An extended order across the end of DST in Warsaw: midnight of 2 November 2021 is 23:00 UTC.
    let warsaw = OrderView {
        time_zone: "Europe/Warsaw".into(),
        start_date: NaiveDate::from_ymd_opt(2021, 10, 25).unwrap(),
        days: 5,
        extension_days: 3,
        ends_at: utc("2021-11-01T23:00:00Z"),
        state: OrderState::Active,
        ..order()
    };
    let text = orders_text(&[warsaw], utc("2021-11-01T22:00:00Z"));
    assert!(
        text.ends_with("active  ends at the end of 2021-11-01 (2021-11-02 00:00 Europe/Warsaw), 3 days added by extension; 1 days left"),
        "{text}"
    );
    assert!(order_text(&order(), utc("2021-09-20T00:00:00Z")).contains("; 0 days left"));
    assert_eq!(orders_text(&[], now), "no order in your area");
}

fn verdict(v: QuarantineVerdict, reasons: Vec<VerdictReason>) -> CheckInVerdict {
    CheckInVerdict {
        challenge_id: "c-1".into(),
        sequence: Some(3),
        verdict: v,
        reasons,
        radio_similarity: Some(0.125),
        fence: Some(FenceVerdict::Uncertain),
        case_id: Some("k-1".into()),
        decided_at: utc("2021-09-02T02:30:00Z"),
    }
}

#[test]
fn check_ins_give_their_verdicts_and_reasons_in_words() {
    let ok = CheckInVerdict {
        reasons: vec![VerdictReason::Late],
        fence: Some(FenceVerdict::Inside),
        radio_similarity: Some(0.9),
        case_id: None,
        ..verdict(QuarantineVerdict::Ok, vec![])
    };
    let review = verdict(QuarantineVerdict::NeedsReview, vec![VerdictReason::UncertainLocation, VerdictReason::RadioUnlikeHome]);
    let text = check_ins_text(&[ok, review], &vn());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "2021-09-02 09:30  challenge c-1 record 3  ok: late, within the grace period; fence inside; radio 90% like home");
    assert_eq!(
        lines[1],
        "2021-09-02 09:30  challenge c-1 record 3  needs review: the location is too imprecise to tell; Wi-Fi and Bluetooth around are unlike the home's; fence uncertain; radio 12% like home  [case k-1]"
    );
    assert_eq!(check_ins_text(&[], &vn()), "no check-in yet");
    // Every reason has its own words.
    let all = [
        VerdictReason::BadSignature,
        VerdictReason::WrongDeviceKey,
        VerdictReason::Replayed,
        VerdictReason::SequenceGap,
        VerdictReason::ChainBroken,
        VerdictReason::UnknownNonce,
        VerdictReason::StaleNonce,
        VerdictReason::Late,
        VerdictReason::OutsideFence,
        VerdictReason::UncertainLocation,
        VerdictReason::MockLocation,
        VerdictReason::HomeTokenMissing,
        VerdictReason::RadioUnlikeHome,
        VerdictReason::StaleFix,
        VerdictReason::NoAnswer,
    ];
    let words: std::collections::HashSet<&str> = all.iter().map(|r| reason_words(*r)).collect();
    assert_eq!(words.len(), all.len());
}

fn case() -> CaseView {
    CaseView {
        case_id: "k-1".into(),
        order_id: "o-1".into(),
        check_in: CheckInVerdict { sequence: None, fence: None, radio_similarity: None, ..verdict(QuarantineVerdict::Missed, vec![VerdictReason::NoAnswer]) },
        state: CaseState::AwaitingDecision,
        explain_by: utc("2021-09-04T02:30:00Z"),
        explanation: Some(ExplanationRequest { reason: ExplanationReason::BatteryDied, text: " Sạc hỏng. ".into() }),
        explained_at: Some(utc("2021-09-02T05:00:00Z")),
        decision: None,
        decided_by: None,
        decided_at: None,
        opened_at: utc("2021-09-02T02:30:00Z"),
    }
}

#[test]
fn a_case_shows_the_explanation_with_the_evidence_and_the_decision() {
    assert_eq!(
        case_text(&case(), &vn()),
        "case k-1  order o-1  waiting for your decision  opened 2021-09-02 09:30\n  evidence: 2021-09-02 09:30  challenge c-1  missed: no answer  [case k-1]\n  explanation (2021-09-02 12:00): the phone's battery died: \"Sạc hỏng.\""
    );
    let waiting = CaseView { state: CaseState::AwaitingExplanation, explanation: None, explained_at: None, ..case() };
    assert!(case_text(&waiting, &vn()).ends_with("no explanation yet; the person may explain until 2021-09-04 09:30"));
    let closed = CaseView { explanation: None, explained_at: None, ..case() };
    assert!(case_text(&closed, &vn()).ends_with("no explanation; the window closed 2021-09-04 09:30"));
    let decided = CaseView {
        state: CaseState::Decided,
        decision: Some(DecisionRequest { outcome: DecisionOutcome::Warning, note: "Keep the charger by the bed.".into() }),
        decided_by: Some("acc-1".into()),
        decided_at: Some(utc("2021-09-03T01:00:00Z")),
        ..case()
    };
    let text = cases_text(&[decided, case()], &vn());
    assert!(text.contains("  decision: warning by acc-1 at 2021-09-03 08:00: Keep the charger by the bed.\n\ncase k-1"), "{text}");
    assert_eq!(cases_text(&[], &vn()), "no case");
}

#[test]
fn wards_read_line_by_line() {
    let ward = WardEligibility {
        ward_code: "26734".into(),
        allowed: true,
        criteria: vec![EligibilityCriterion::HealthStationFollowUp, EligibilityCriterion::HospitalCapacity],
        note: "checked on site".into(),
        decided_by: "acc-1".into(),
        decided_at: utc("2021-09-01T02:00:00Z"),
    };
    let stopped = WardEligibility { ward_code: "26737".into(), allowed: false, criteria: vec![], note: String::new(), ..ward.clone() };
    assert_eq!(
        wards_text(&[ward, stopped], &vn()),
        "ward 26734  ALLOWED (health station follows up daily; hospital beds available)  by acc-1 at 2021-09-01 09:00  note: checked on site\nward 26737  stopped  by acc-1 at 2021-09-01 09:00"
    );
    assert_eq!(wards_text(&[], &vn()), "no ward decision in your area");
}

#[test]
fn each_refusal_has_a_stable_code() {
    assert_eq!(officer_error(OfficerError::NotAllowedInWard).code, "home_quarantine_not_allowed");
    assert_eq!(officer_error(OfficerError::AwaitingExplanation).code, "case_awaiting_explanation");
    assert_eq!(officer_error(OfficerError::NotFound).code, "not_found");
    assert_eq!(officer_error(OfficerError::Invalid("x".into())).code, "invalid");
    assert_eq!(officer_error(OfficerError::Offline("x".into())).code, "server_unreachable");
}

const TOKEN: &str = "HQ1:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8-_";

#[test]
fn the_sticker_is_one_small_page_whose_qr_reads_back() {
    let page = sticker_layout(TOKEN).unwrap();
    let pdf = print::pdf(&page);
    let text: String = pdf.iter().map(|&b| if b.is_ascii() { b as char } else { '?' }).collect();
    assert!(text.contains("/MediaBox [0 0 297.6378 419.52756]") || text.contains("/MediaBox [0 0 297.63"), "A6");
    // The QR is large: 80 mm, its quiet zone clear of the text, the text on the page.
    let (_, left, top, size) = &page.qr_images[0];
    assert_eq!(*size, STICKER_QR_MM);
    let module = page.qr_rects.iter().map(|r| r.3).fold(f64::MAX, f64::min);
    let quiet = 4.0 * module;
    let points = page.text.iter().flat_map(|seg| match *seg {
        print::Seg::Move(x, y) | print::Seg::Line(x, y) => vec![(x, y)],
        print::Seg::Quad(a, b, x, y) => vec![(a, b), (x, y)],
        print::Seg::Cubic(a, b, c, d, x, y) => vec![(a, b), (c, d), (x, y)],
        print::Seg::Close => vec![],
    });
    for (x, y) in points {
        assert!((0.0..=STICKER_W).contains(&x) && (0.0..=STICKER_H).contains(&y), "({x}, {y}) off the page");
        let inside = x > left - quiet && x < left + size + quiet && y > top - quiet && y < top + size + quiet;
        assert!(!inside, "text at ({x:.1}, {y:.1}) inside the QR or its quiet zone");
    }
    // Rendered as a printer would and read as a camera would: the exact token, once.
    let boxes = [(left - 8.0, top - 8.0, size + 16.0, size + 16.0)];
    let scan = healthbook_pdfscan::scan(pdf, 1.5, &boxes, 1).expect("the PDF renders");
    assert_eq!(scan.pages.len(), 1, "one page");
    assert_eq!(scan.pages[0][0], [Ok(TOKEN.to_owned())]);
    // Every letter of the instructions is in the bundled font (Vietnamese included).
    let face = print::face().unwrap();
    for c in STICKER_INSTRUCTIONS.iter().chain([&STICKER_TITLE]).flat_map(|l| l.chars()) {
        assert!(face.glyph_index(c).is_some(), "{c} missing from the bundled font");
    }
}
