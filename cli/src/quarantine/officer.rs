//! `healthbook quarantine ...`, the health officer's commands: which wards allow home quarantine, orders, the
//! home token's sticker (a one-page PDF), an order's check-ins, cases with the person's explanation and the
//! evidence, and decisions. Every command signs in with `--user` and the password in `HEALTHBOOK_PASSWORD` (never
//! on the command line). An order's times are shown in its own time zone, other times in this machine's;
//! `--json` prints the wire contract's bodies.
//!
//! [`QuarantineOfficerCommand`] is meant to be flattened into the `quarantine` command beside the person's
//! commands.

use std::path::PathBuf;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use healthbook_cli::print::{self, Page};
use healthbook_core::Healthbook;
use healthbook_core::credentials::qr::ErrorCorrection;
use healthbook_core::quarantine::officer::{
    CaseState, CaseView, CheckInSchedule, CheckInVerdict, CreateOrderRequest, DailyWindow, DecisionOutcome, DecisionRequest,
    EligibilityCriterion, ExplanationReason, ExtensionRules, FenceVerdict, Geofence, OfficerError, OrderState, OrderView,
    QuarantineOfficer, QuarantineVerdict, VerdictReason, WardEligibility,
};
use healthbook_protocol::quarantine::days_left;

use crate::output::{CliError, Output};
use crate::results::StaffArgs;

/// The health officer's home-quarantine commands.
#[derive(Debug, Subcommand)]
pub enum QuarantineOfficerCommand {
    /// Wards: allow or stop home quarantine, list the decisions in your area.
    #[command(subcommand)]
    Ward(WardCommand),
    /// Orders: create one for a bound person, list them, show one with its end and days left.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Make the home token and write its sticker (a one-page PDF) to place inside the home; replaces any
    /// earlier token of the order.
    Token {
        /// The order id.
        order: String,
        /// Where to write the sticker.
        #[arg(long)]
        pdf: PathBuf,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Show an order's check-ins with their verdicts and reasons, oldest first.
    CheckIns {
        /// The order id.
        order: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Show the cases in your area with the person's explanation and the evidence, newest first.
    Cases {
        /// Only cases in this state: awaiting_explanation, awaiting_decision, decided.
        #[arg(long, value_parser = parse_wire::<CaseState>)]
        state: Option<CaseState>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Decide a case once the person has explained or the explanation window has closed.
    Decide {
        /// The case id.
        case: String,
        /// dismissed, warning, extension or referral.
        #[arg(long, value_parser = parse_wire::<DecisionOutcome>)]
        outcome: DecisionOutcome,
        /// Your reasoning (1-1,000 characters); the person reads it.
        #[arg(long)]
        note: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// `quarantine ward ...`.
#[derive(Debug, Subcommand)]
pub enum WardCommand {
    /// Allow home quarantine in a ward of your area, with the criteria met.
    Allow {
        /// The ward code (5 digits).
        ward: String,
        /// Criteria met, comma-separated: health_station_follow_up, community_team, hospital_capacity,
        /// vaccination_coverage.
        #[arg(long, required = true, value_delimiter = ',', value_parser = parse_wire::<EligibilityCriterion>)]
        criteria: Vec<EligibilityCriterion>,
        /// A note (at most 500 characters).
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Stop new orders in a ward (running orders go on).
    Stop {
        /// The ward code (5 digits).
        ward: String,
        /// A note (at most 500 characters).
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// List the wards of your area with a decision.
    List {
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// `quarantine order ...`.
#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Order home quarantine for a bound person in a ward that allows it.
    Create(Box<OrderArgs>),
    /// List the orders of your area, newest first.
    List {
        /// Only orders in this state: awaiting_commitment, awaiting_enrolment, active, ended, cancelled.
        #[arg(long, value_parser = parse_wire::<OrderState>)]
        state: Option<OrderState>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Show an order: its end and the days left in its own time zone, the schedule, the commitment and enrolment.
    Show {
        /// The order id.
        order: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// `quarantine order create ...`.
#[derive(Debug, Args)]
pub struct OrderArgs {
    /// The person id (the person must be bound to a phone).
    #[arg(long)]
    pub person: String,
    /// The home address.
    #[arg(long)]
    pub address: String,
    /// The home's ward code (5 digits; it must allow home quarantine).
    #[arg(long)]
    pub ward: String,
    /// The fence's centre, latitude in degrees.
    #[arg(long, allow_negative_numbers = true)]
    pub lat: f64,
    /// The fence's centre, longitude in degrees.
    #[arg(long, allow_negative_numbers = true)]
    pub lon: f64,
    /// The fence's radius in metres (20-1,000).
    #[arg(long)]
    pub radius: f64,
    /// The first day (YYYY-MM-DD), in the order's time zone.
    #[arg(long)]
    pub start: NaiveDate,
    /// Days of quarantine (1-60).
    #[arg(long)]
    pub days: u32,
    /// The home's IANA time zone.
    #[arg(long, default_value = "Asia/Ho_Chi_Minh")]
    pub time_zone: String,
    /// A daily check-in window START-END in the order's local time, e.g. 08:00-09:00; repeat for each (0-6).
    #[arg(long = "window", value_parser = parse_window)]
    pub windows: Vec<DailyWindow>,
    /// Random challenges a day (0-4).
    #[arg(long, default_value_t = 0)]
    pub random_per_day: u8,
    /// How long a random challenge stays open, in minutes (5-120).
    #[arg(long, default_value_t = 30)]
    pub random_minutes: u32,
    /// Allow challenges at night (22:00-06:00 local); only with a reason.
    #[arg(long)]
    pub night: bool,
    /// Ask for a scan of the home token at every check-in.
    #[arg(long)]
    pub token_each_time: bool,
    /// Minutes after a challenge closes during which an answer is late, not missed.
    #[arg(long)]
    pub grace: u32,
    /// Days one extension decision adds (1-14).
    #[arg(long)]
    pub extension_days: u32,
    /// Most extension decisions over the order.
    #[arg(long)]
    pub max_extensions: u32,
    /// The commitment version the person signs.
    #[arg(long, default_value_t = 1)]
    pub commitment_version: u32,
    #[command(flatten)]
    pub staff: StaffArgs,
}

impl OrderArgs {
    /// The wire request these arguments make.
    pub fn request(&self) -> CreateOrderRequest {
        CreateOrderRequest {
            person_id: self.person.clone(),
            home_address: self.address.clone(),
            ward_code: self.ward.clone(),
            geofence: Geofence { lat: self.lat, lon: self.lon, radius_m: self.radius },
            start_date: self.start,
            days: self.days,
            time_zone: self.time_zone.clone(),
            schedule: CheckInSchedule {
                daily_windows: self.windows.clone(),
                random_per_day: self.random_per_day,
                random_window_minutes: self.random_minutes,
                allow_night: self.night,
                home_token_each_time: self.token_each_time,
            },
            grace_minutes: self.grace,
            extension_rules: ExtensionRules { extension_days: self.extension_days, max_extensions: self.max_extensions },
            commitment_version: self.commitment_version,
        }
    }
}

/// Reads a contract enum by its wire name (`-` for `_` too, any case), e.g. `awaiting_decision`.
pub fn parse_wire<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let name = text.trim().to_ascii_lowercase().replace('-', "_");
    serde_json::from_value(Value::String(name)).map_err(|_| format!("`{text}` is not one of the names listed in --help"))
}

/// Reads a daily window `08:00-09:00`.
pub fn parse_window(text: &str) -> Result<DailyWindow, String> {
    let shape = || format!("`{text}` is not START-END, e.g. 08:00-09:00");
    let (start, end) = text.trim().split_once('-').ok_or_else(shape)?;
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| shape());
    Ok(DailyWindow { start: time(start)?, end: time(end)? })
}

/// The CLI's error for a refusal of the officer's tools.
pub fn officer_error(e: OfficerError) -> CliError {
    let code = match &e {
        OfficerError::NoServer => "no_server",
        OfficerError::Offline(_) => "server_unreachable",
        OfficerError::NotSignedIn => "sign_in_required",
        OfficerError::SignInFailed => "sign_in_failed",
        OfficerError::NotAnOfficer => "not_an_officer",
        OfficerError::Forbidden => "forbidden",
        OfficerError::NotFound => "not_found",
        OfficerError::NotAllowedInWard => "home_quarantine_not_allowed",
        OfficerError::AwaitingExplanation => "case_awaiting_explanation",
        OfficerError::Conflict(_) => "conflict",
        OfficerError::Invalid(_) => "invalid",
        OfficerError::BadAnswer | OfficerError::Server(_) => "server_error",
    };
    CliError::failed(code, e.to_string())
}

async fn signed_in(hb: &Healthbook, staff: &StaffArgs) -> Result<QuarantineOfficer, CliError> {
    let password = std::env::var("HEALTHBOOK_PASSWORD")
        .map_err(|_| CliError { exit: 2, ..CliError::failed("password_required", "set HEALTHBOOK_PASSWORD to the staff password") })?;
    let officer = hb.quarantine_officer();
    officer.sign_in(&staff.user, &password).await.map_err(officer_error)?;
    Ok(officer)
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A time in `tz`, to the minute.
fn at<Tz: TimeZone>(time: DateTime<Utc>, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    time.with_timezone(tz).format("%Y-%m-%d %H:%M").to_string()
}

fn criterion_words(c: EligibilityCriterion) -> &'static str {
    match c {
        EligibilityCriterion::HealthStationFollowUp => "health station follows up daily",
        EligibilityCriterion::CommunityTeam => "community COVID team",
        EligibilityCriterion::HospitalCapacity => "hospital beds available",
        EligibilityCriterion::VaccinationCoverage => "vaccination coverage met",
    }
}

/// One line per ward decision.
pub fn wards_text<Tz: TimeZone>(wards: &[WardEligibility], tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    if wards.is_empty() {
        return "no ward decision in your area".to_owned();
    }
    let line = |w: &WardEligibility| {
        let state = if w.allowed { "ALLOWED" } else { "stopped" };
        let criteria: Vec<&str> = w.criteria.iter().map(|c| criterion_words(*c)).collect();
        let criteria = if criteria.is_empty() { String::new() } else { format!(" ({})", criteria.join("; ")) };
        let note = if w.note.is_empty() { String::new() } else { format!("  note: {}", w.note) };
        format!("ward {}  {state}{criteria}  by {} at {}{note}", w.ward_code, w.decided_by, at(w.decided_at, tz))
    };
    wards.iter().map(line).collect::<Vec<_>>().join("\n")
}

fn order_state_words(state: OrderState) -> &'static str {
    match state {
        OrderState::AwaitingCommitment => "waiting for the person to sign the commitment",
        OrderState::AwaitingEnrolment => "signed; waiting for the home to be enrolled",
        OrderState::Active => "active",
        OrderState::Ended => "ended",
        OrderState::Cancelled => "cancelled",
    }
}

/// The order's own zone; UTC for a zone this build does not know (the server refuses such orders).
fn order_zone(order: &OrderView) -> chrono_tz::Tz {
    order.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

/// The order's last day and the days left at `now`, both in its own time zone.
fn ends_text(order: &OrderView, now: DateTime<Utc>) -> String {
    let zone = order_zone(order);
    let end = order.ends_at.with_timezone(&zone);
    // `ends_at` is the local midnight after the last day.
    let last_day = end.date_naive().checked_sub_days(Days::new(1)).unwrap_or(end.date_naive());
    let extended = if order.extension_days > 0 { format!(", {} days added by extension", order.extension_days) } else { String::new() };
    format!(
        "ends at the end of {last_day} ({} {}){extended}; {} days left",
        end.format("%Y-%m-%d %H:%M"),
        order.time_zone,
        days_left(now, order.ends_at)
    )
}

/// One line per order.
pub fn orders_text(orders: &[OrderView], now: DateTime<Utc>) -> String {
    if orders.is_empty() {
        return "no order in your area".to_owned();
    }
    let line = |o: &OrderView| {
        format!(
            "{}  person {}  ward {}  from {} for {} days  {}  {}",
            o.order_id,
            o.person_id,
            o.ward_code,
            o.start_date,
            o.days,
            order_state_words(o.state),
            ends_text(o, now)
        )
    };
    orders.iter().map(line).collect::<Vec<_>>().join("\n")
}

/// An order in full; times in its own zone.
pub fn order_text(order: &OrderView, now: DateTime<Utc>) -> String {
    let zone = order_zone(order);
    let s = &order.schedule;
    let mut lines = vec![
        format!("order {}  person {}  {}", order.order_id, order.person_id, order_state_words(order.state)),
        format!("  home: {}, ward {}", order.home_address, order.ward_code),
        format!("  fence: {:.6}, {:.6}, radius {} m", order.geofence.lat, order.geofence.lon, order.geofence.radius_m),
        format!("  from {} for {} days; {}", order.start_date, order.days, ends_text(order, now)),
    ];
    let windows: Vec<String> =
        s.daily_windows.iter().map(|w| format!("{}-{}", w.start.format("%H:%M"), w.end.format("%H:%M"))).collect();
    let windows = if windows.is_empty() { "no daily window".to_owned() } else { format!("daily {}", windows.join(", ")) };
    lines.push(format!(
        "  check-ins: {windows}; {} random a day open {} min; {}; {}; grace {} min",
        s.random_per_day,
        s.random_window_minutes,
        if s.allow_night { "also at night" } else { "never at night" },
        if s.home_token_each_time { "home token every time" } else { "home token at enrolment" },
        order.grace_minutes
    ));
    lines.push(format!(
        "  extensions: {} days each, at most {}",
        order.extension_rules.extension_days, order.extension_rules.max_extensions
    ));
    lines.push(match order.commitment_signed_at {
        Some(t) => format!("  commitment v{} signed {}", order.commitment_version, at(t, &zone)),
        None => format!("  commitment v{} not signed yet", order.commitment_version),
    });
    lines.push(match order.enrolled_at {
        Some(t) => format!("  home enrolled {}", at(t, &zone)),
        None => "  home not enrolled yet".to_owned(),
    });
    lines.push(format!("  ordered by {} at {}", order.created_by, at(order.created_at, &zone)));
    lines.join("\n")
}

fn verdict_words(v: QuarantineVerdict) -> &'static str {
    match v {
        QuarantineVerdict::Ok => "ok",
        QuarantineVerdict::NeedsReview => "needs review",
        QuarantineVerdict::Missed => "missed",
    }
}

/// A verdict's reason in words.
pub fn reason_words(r: VerdictReason) -> &'static str {
    match r {
        VerdictReason::BadSignature => "the signature does not verify",
        VerdictReason::WrongDeviceKey => "signed with another device's key",
        VerdictReason::Replayed => "a sequence number used before (replayed record)",
        VerdictReason::SequenceGap => "a record is missing from the chain",
        VerdictReason::ChainBroken => "the chain does not link to the previous record",
        VerdictReason::UnknownNonce => "not the challenge's nonce",
        VerdictReason::StaleNonce => "answered after the challenge and its grace closed",
        VerdictReason::Late => "late, within the grace period",
        VerdictReason::OutsideFence => "the location is outside the fence",
        VerdictReason::UncertainLocation => "the location is too imprecise to tell",
        VerdictReason::MockLocation => "the phone flagged the location as mocked",
        VerdictReason::HomeTokenMissing => "the home token was not scanned",
        VerdictReason::RadioUnlikeHome => "Wi-Fi and Bluetooth around are unlike the home's",
        VerdictReason::StaleFix => "the location was taken long before the answer",
        VerdictReason::NoAnswer => "no answer",
    }
}

fn fence_words(f: FenceVerdict) -> &'static str {
    match f {
        FenceVerdict::Inside => "inside",
        FenceVerdict::Uncertain => "uncertain",
        FenceVerdict::Outside => "outside",
    }
}

/// A verdict with its evidence, on one line.
pub fn verdict_line<Tz: TimeZone>(v: &CheckInVerdict, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let sequence = v.sequence.map(|s| format!(" record {s}")).unwrap_or_default();
    let reasons = if v.reasons.is_empty() {
        String::new()
    } else {
        format!(": {}", v.reasons.iter().map(|r| reason_words(*r)).collect::<Vec<_>>().join("; "))
    };
    let fence = v.fence.map(|f| format!("; fence {}", fence_words(f))).unwrap_or_default();
    let radio = v.radio_similarity.map(|r| format!("; radio {:.0}% like home", r * 100.0)).unwrap_or_default();
    let case = v.case_id.as_ref().map(|c| format!("  [case {c}]")).unwrap_or_default();
    format!("{}  challenge {}{sequence}  {}{reasons}{fence}{radio}{case}", at(v.decided_at, tz), v.challenge_id, verdict_words(v.verdict))
}

/// An order's check-ins, one line each.
pub fn check_ins_text<Tz: TimeZone>(check_ins: &[CheckInVerdict], tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    if check_ins.is_empty() {
        return "no check-in yet".to_owned();
    }
    check_ins.iter().map(|v| verdict_line(v, tz)).collect::<Vec<_>>().join("\n")
}

fn explanation_words(r: ExplanationReason) -> &'static str {
    match r {
        ExplanationReason::BatteryDied => "the phone's battery died",
        ExplanationReason::Asleep => "asleep, did not see the challenge",
        ExplanationReason::HospitalVisit => "a permitted hospital or clinic visit",
        ExplanationReason::NoSignal => "no network or location signal at home",
        ExplanationReason::Other => "another reason",
    }
}

fn case_state_words(s: CaseState) -> &'static str {
    match s {
        CaseState::AwaitingExplanation => "waiting for the person's explanation",
        CaseState::AwaitingDecision => "waiting for your decision",
        CaseState::Decided => "decided",
    }
}

fn outcome_words(o: DecisionOutcome) -> &'static str {
    match o {
        DecisionOutcome::Dismissed => "dismissed",
        DecisionOutcome::Warning => "warning",
        DecisionOutcome::Extension => "extension",
        DecisionOutcome::Referral => "referral",
    }
}

/// A case: the evidence, the explanation (or that none came), and the decision.
pub fn case_text<Tz: TimeZone>(case: &CaseView, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut lines = vec![
        format!("case {}  order {}  {}  opened {}", case.case_id, case.order_id, case_state_words(case.state), at(case.opened_at, tz)),
        format!("  evidence: {}", verdict_line(&case.check_in, tz)),
    ];
    match (&case.explanation, case.explained_at) {
        (Some(e), at_time) => {
            let when = at_time.map(|t| format!(" ({})", at(t, tz))).unwrap_or_default();
            let words = if e.text.trim().is_empty() { String::new() } else { format!(": \"{}\"", e.text.trim()) };
            lines.push(format!("  explanation{when}: {}{words}", explanation_words(e.reason)));
        }
        (None, _) if case.state == CaseState::AwaitingExplanation => {
            lines.push(format!("  no explanation yet; the person may explain until {}", at(case.explain_by, tz)));
        }
        (None, _) => lines.push(format!("  no explanation; the window closed {}", at(case.explain_by, tz))),
    }
    if let Some(d) = &case.decision {
        let by = case.decided_by.as_deref().map(|b| format!(" by {b}")).unwrap_or_default();
        let when = case.decided_at.map(|t| format!(" at {}", at(t, tz))).unwrap_or_default();
        lines.push(format!("  decision: {}{by}{when}: {}", outcome_words(d.outcome), d.note));
    }
    lines.join("\n")
}

/// Cases, separated by a blank line.
pub fn cases_text<Tz: TimeZone>(cases: &[CaseView], tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    if cases.is_empty() {
        return "no case".to_owned();
    }
    cases.iter().map(|c| case_text(c, tz)).collect::<Vec<_>>().join("\n\n")
}

/// The sticker's page (A6 portrait, in millimetres).
pub const STICKER_W: f64 = 105.0;
/// The sticker's page height.
pub const STICKER_H: f64 = 148.0;
/// The QR symbol's width (without its quiet zone).
pub const STICKER_QR_MM: f64 = 80.0;
/// The QR's lowest top edge.
pub const STICKER_QR_TOP: f64 = 20.0;
/// The title's baseline.
const STICKER_TITLE_BASELINE: f64 = 10.0;

/// The sticker's title.
pub const STICKER_TITLE: &str = "Healthbook · Cách ly tại nhà · Home quarantine";

/// Short instructions under the QR, Vietnamese first.
pub const STICKER_INSTRUCTIONS: [&str; 4] = [
    "Quét mã này bên trong nhà khi ứng dụng yêu cầu.",
    "Giữ mã trong nhà; không chụp lại hay mang ra ngoài.",
    "Scan this inside the home when the app asks.",
    "Keep it inside; do not copy it or take it out.",
];

/// Lays out the home token's sticker: the title, the `HQ1:` QR large at error correction Q, the instructions.
pub fn sticker_layout(qr_text: &str) -> Result<Page, String> {
    let face = print::face()?;
    let module = Page::module_of(qr_text, ErrorCorrection::Q, STICKER_QR_MM)?;
    let quiet = print::QUIET_MODULES as f64 * module;
    let mut page = Page::new(STICKER_W, STICKER_H);
    page.centred(&face, STICKER_TITLE, STICKER_TITLE_BASELINE, 4.2, STICKER_W - 10.0);
    // The title's descenders end about 1 mm under its baseline; the quiet zone keeps clear below them.
    let qr_top = STICKER_QR_TOP.max(STICKER_TITLE_BASELINE + 1.5 + quiet);
    page.qr(qr_text, ErrorCorrection::Q, (STICKER_W - STICKER_QR_MM) / 2.0, qr_top, STICKER_QR_MM)?;
    let mut baseline = qr_top + STICKER_QR_MM + quiet + 4.0;
    for (i, line) in STICKER_INSTRUCTIONS.iter().enumerate() {
        page.centred(&face, line, baseline, 3.4, STICKER_W - 10.0);
        baseline += if i == 1 { 7.0 } else { 5.0 };
    }
    Ok(page)
}

/// Runs an officer's home-quarantine command.
pub async fn run(hb: &Healthbook, command: &QuarantineOfficerCommand, out: &Output) -> Result<(), CliError> {
    let tz = chrono::Local;
    let now = hb.clock().now();
    match command {
        QuarantineOfficerCommand::Ward(WardCommand::Allow { ward, criteria, note, staff }) => {
            let decided = signed_in(hb, staff).await?.allow_ward(ward, criteria.clone(), note).await.map_err(officer_error)?;
            out.print(&to_json(&decided), || wards_text(std::slice::from_ref(&decided), &tz));
        }
        QuarantineOfficerCommand::Ward(WardCommand::Stop { ward, note, staff }) => {
            let decided = signed_in(hb, staff).await?.stop_ward(ward, note).await.map_err(officer_error)?;
            out.print(&to_json(&decided), || wards_text(std::slice::from_ref(&decided), &tz));
        }
        QuarantineOfficerCommand::Ward(WardCommand::List { staff }) => {
            let wards = signed_in(hb, staff).await?.wards().await.map_err(officer_error)?;
            out.print(&json!({ "wards": to_json(&wards) }), || wards_text(&wards, &tz));
        }
        QuarantineOfficerCommand::Order(OrderCommand::Create(args)) => {
            let request = args.request();
            // Checked before signing in: a typing mistake needs no password and no network.
            healthbook_core::quarantine::officer::check_order(&request).map_err(officer_error)?;
            let order = signed_in(hb, &args.staff).await?.create_order(&request).await.map_err(officer_error)?;
            out.print(&to_json(&order), || format!("order created\n{}", order_text(&order, now)));
        }
        QuarantineOfficerCommand::Order(OrderCommand::List { state, staff }) => {
            let orders = signed_in(hb, staff).await?.orders(*state).await.map_err(officer_error)?;
            out.print(&json!({ "orders": to_json(&orders) }), || orders_text(&orders, now));
        }
        QuarantineOfficerCommand::Order(OrderCommand::Show { order, staff }) => {
            let order = signed_in(hb, staff).await?.order(order).await.map_err(officer_error)?;
            out.print(&to_json(&order), || order_text(&order, now));
        }
        QuarantineOfficerCommand::Token { order, pdf, staff } => {
            // The file is opened first: a new token invalidates the sticker in the home, so a path that can't be
            // written must fail before the server makes one.
            let mut file = std::fs::File::create(pdf).map_err(|e| CliError::failed("write_failed", e.to_string()))?;
            let made = match signed_in(hb, staff).await {
                Ok(officer) => officer.home_token(order).await.map_err(officer_error),
                Err(e) => Err(e),
            };
            let token = match made {
                Ok(token) => token,
                Err(e) => {
                    drop(file);
                    let _ = std::fs::remove_file(pdf);
                    return Err(e);
                }
            };
            let page = sticker_layout(&token.qr_text).map_err(|e| CliError::failed("sticker", e))?;
            std::io::Write::write_all(&mut file, &print::pdf(&page)).map_err(|e| CliError::failed("write_failed", e.to_string()))?;
            let mut value = to_json(&token);
            value["pdf"] = json!(pdf.display().to_string());
            out.print(&value, || {
                format!(
                    "home token for order {} made {}; it replaces any earlier sticker.\nsticker written to {}: place it inside the home",
                    token.order_id,
                    at(token.issued_at, &tz),
                    pdf.display()
                )
            });
        }
        QuarantineOfficerCommand::CheckIns { order, staff } => {
            let check_ins = signed_in(hb, staff).await?.check_ins(order).await.map_err(officer_error)?;
            out.print(&json!({ "check_ins": to_json(&check_ins) }), || check_ins_text(&check_ins, &tz));
        }
        QuarantineOfficerCommand::Cases { state, staff } => {
            let cases = signed_in(hb, staff).await?.cases(*state).await.map_err(officer_error)?;
            out.print(&json!({ "cases": to_json(&cases) }), || cases_text(&cases, &tz));
        }
        QuarantineOfficerCommand::Decide { case, outcome, note, staff } => {
            let decision = DecisionRequest { outcome: *outcome, note: note.clone() };
            healthbook_core::quarantine::officer::check_decision(&decision).map_err(officer_error)?;
            let decided = signed_in(hb, staff).await?.decide(case, &decision).await.map_err(officer_error)?;
            out.print(&to_json(&decided), || case_text(&decided, &tz));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
