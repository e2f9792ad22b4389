//! `healthbook vaccine ...`, the site's and health officer's commands: sites, stock and deliveries, sessions and
//! invitation rounds, looking up a scanned pass or control card, recording a dose, confirming a self-reported
//! one. Every command signs in with `--user` and the password in `HEALTHBOOK_PASSWORD` (never on the command
//! line). Times are shown in this machine's local time; `--json` prints the wire contract's bodies.
//!
//! [`VaccineSiteCommand`] is meant to be flattened into the `vaccine` command beside the citizen's commands.

use std::io::Read;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::{Value, json};

use healthbook_core::Healthbook;
use healthbook_core::vaccination::site::{self, SiteError, VaccinationSite};
use healthbook_protocol::DoseSource;
use healthbook_protocol::vaccination::{
    AdministerDoseRequest, AdministeredDose, CreateSiteRequest, DoseLookup, InvitationRound, InvitationState, PlanSessionRequest, SessionView,
    SiteStock, SiteView, SlotPlan, StockDelivery, VaccineProduct,
};

use crate::output::{CliError, Output};
use crate::results::StaffArgs;

/// The site's and officer's vaccination commands.
#[derive(Debug, Subcommand)]
pub enum VaccineSiteCommand {
    /// Vaccination sites: create one, list those in your area.
    #[command(subcommand)]
    Site(SitesCommand),
    /// Show a site's remaining doses by product and lot, and what open sessions hold.
    Stock {
        /// The site id.
        site: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Add doses delivered to a site, or write doses off with a negative count and a note.
    Deliver(DeliverArgs),
    /// Sessions: plan one, show it, invite the next people in line.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Look up the person whose pass (HB1:) or control card (HK1:) was scanned; `-` reads the text from stdin.
    Lookup {
        /// The site doing the lookup.
        site: String,
        /// The scanned QR text, or `-` for stdin.
        qr: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Record a dose given at a site; recording the same dose again stores it once.
    Record(RecordArgs),
    /// Confirm a dose a volunteer recorded from paper (it then counts and gets a certificate).
    ConfirmDose {
        /// The dose id (as `vaccine lookup` shows it).
        dose_id: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// `vaccine site ...`.
#[derive(Debug, Subcommand)]
pub enum SitesCommand {
    /// Create a vaccination site in a ward of your area (it gets its own signing key).
    Create {
        /// Name, e.g. "Trạm Y tế Phường Bến Nghé".
        #[arg(long)]
        name: String,
        /// Street address.
        #[arg(long)]
        address: String,
        /// Ward code (5 digits).
        #[arg(long)]
        ward: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// List the sites in your area.
    List {
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// `vaccine deliver ...`.
#[derive(Debug, Args)]
pub struct DeliverArgs {
    /// The site id.
    pub site: String,
    /// The product by its contract name: comirnaty, spikevax, vaxzevria, janssen, sinopharm, sputnik-v, abdala.
    #[arg(long, value_parser = parse_product)]
    pub product: VaccineProduct,
    /// The lot number.
    #[arg(long)]
    pub lot: String,
    /// Doses delivered, or written off when negative.
    #[arg(long, allow_negative_numbers = true)]
    pub doses: i32,
    /// The lot's expiry date (YYYY-MM-DD).
    #[arg(long)]
    pub expires: Option<NaiveDate>,
    /// Why doses are written off (needed with a negative count).
    #[arg(long)]
    pub note: Option<String>,
    #[command(flatten)]
    pub staff: StaffArgs,
}

/// `vaccine session ...`.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Plan a session; refused when its places exceed the site's remaining doses of the product.
    Plan {
        /// The site id.
        site: String,
        /// The day (YYYY-MM-DD), today or later.
        #[arg(long)]
        date: NaiveDate,
        /// A slot as START-END:CAPACITY in the site's local time, e.g. 08:00-09:00:50; repeat for each slot.
        #[arg(long = "slot", required = true, value_parser = parse_slot)]
        slots: Vec<SlotPlan>,
        /// The product given.
        #[arg(long, value_parser = parse_product)]
        product: VaccineProduct,
        /// Communes whose registered people are invited (the site's own when none); repeat for each.
        #[arg(long = "ward")]
        wards: Vec<String>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Show a session: slots and places taken, invitations by state, doses given.
    Show {
        /// The session id.
        session: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Invite the next registered people in line into every free place (each gets an SMS).
    Invite {
        /// The session id.
        session: String,
        #[command(flatten)]
        staff: StaffArgs,
    },
}

/// `vaccine record ...`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The site id.
    pub site: String,
    /// The person id, as `vaccine lookup` shows it.
    #[arg(long)]
    pub person: String,
    /// The product given.
    #[arg(long, value_parser = parse_product)]
    pub product: VaccineProduct,
    /// The lot (must be in the site's stock).
    #[arg(long)]
    pub lot: String,
    /// The dose number (1-6).
    #[arg(long)]
    pub dose: u8,
    /// The date given (YYYY-MM-DD); today at the site by default.
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// The invitation the dose fulfils, if any.
    #[arg(long)]
    pub invitation: Option<String>,
    #[command(flatten)]
    pub staff: StaffArgs,
}

/// Reads a product by its contract name (`-` for `_` too, any case).
pub fn parse_product(text: &str) -> Result<VaccineProduct, String> {
    VaccineProduct::parse(&text.trim().to_ascii_lowercase().replace('-', "_")).ok_or_else(|| {
        let names: Vec<String> = VaccineProduct::ALL.iter().map(|p| p.as_str().replace('_', "-")).collect();
        format!("one of {}", names.join(", "))
    })
}

/// Reads a slot `08:00-09:00:50` (start, end, capacity).
pub fn parse_slot(text: &str) -> Result<SlotPlan, String> {
    let shape = || format!("`{text}` is not START-END:CAPACITY, e.g. 08:00-09:00:50");
    let (times, capacity) = text.trim().rsplit_once(':').ok_or_else(shape)?;
    let (start, end) = times.split_once('-').ok_or_else(shape)?;
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| shape());
    let capacity = capacity.trim().parse().map_err(|_| shape())?;
    Ok(SlotPlan { start: time(start)?, end: time(end)?, capacity })
}

/// The CLI's error for a refusal of the site tools.
pub fn site_error(e: SiteError) -> CliError {
    let code = match &e {
        SiteError::NoServer => "no_server",
        SiteError::Offline(_) => "server_unreachable",
        SiteError::NotSignedIn => "sign_in_required",
        SiteError::SignInFailed => "sign_in_failed",
        SiteError::NotAnOfficer => "not_an_officer",
        SiteError::Forbidden => "forbidden",
        SiteError::NotFound => "not_found",
        SiteError::CapacityAboveStock => "capacity_above_stock",
        SiteError::OutOfStock => "out_of_stock",
        SiteError::DoseConflict => "dose_conflict",
        SiteError::InvitationClosed => "invitation_closed",
        SiteError::Scan(_) => "invalid_scan",
        SiteError::Invalid(_) => "invalid",
        SiteError::Server(_) => "server_error",
    };
    CliError::failed(code, e.to_string())
}

async fn signed_in(hb: &Healthbook, staff: &StaffArgs) -> Result<VaccinationSite, CliError> {
    let password = std::env::var("HEALTHBOOK_PASSWORD")
        .map_err(|_| CliError { exit: 2, ..CliError::failed("password_required", "set HEALTHBOOK_PASSWORD to the staff password") })?;
    let site = hb.vaccination_site();
    site.sign_in(&staff.user, &password).await.map_err(site_error)?;
    Ok(site)
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

/// One line per site.
pub fn sites_text(sites: &[SiteView]) -> String {
    if sites.is_empty() {
        return "no vaccination site in your area".to_owned();
    }
    sites.iter().map(|s| format!("{}  {}  ward {}  {}", s.site_id, s.name, s.ward_code, s.address)).collect::<Vec<_>>().join("\n")
}

/// The stock, one line per product and lot, then what sessions hold.
pub fn stock_text(stock: &SiteStock) -> String {
    let mut lines = vec![format!("stock of site {}", stock.site_id)];
    if stock.lines.is_empty() {
        lines.push("  no doses".to_owned());
    }
    for line in &stock.lines {
        let expires = line.expires_on.map(|d| format!("  expires {d}")).unwrap_or_default();
        lines.push(format!("  {:<28} lot {:<12} {:>6} left{expires}", line.product.display_name(), line.lot, line.remaining));
    }
    for held in stock.held.iter().filter(|h| h.doses > 0) {
        lines.push(format!("  held for invited people: {} {}", held.doses, held.product.display_name()));
    }
    lines.join("\n")
}

/// A session: its day, product and communes, each slot in `tz` with its places taken, then the invitations.
pub fn session_text<Tz: TimeZone>(session: &SessionView, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let wards = if session.ward_codes.is_empty() { "the site's ward".to_owned() } else { session.ward_codes.join(", ") };
    let mut lines = vec![format!(
        "session {} at site {} on {}: {}, for {wards}",
        session.session_id,
        session.site_id,
        session.date,
        session.product.display_name()
    )];
    for slot in &session.slots {
        let end = slot.ends_at.with_timezone(tz).format("%H:%M");
        lines.push(format!("  {}-{end}  {}/{} taken", at(slot.starts_at, tz), slot.taken, slot.capacity));
    }
    let i = &session.invitations;
    lines.push(format!(
        "  invitations: {} pending, {} confirmed, {} declined, {} expired, {} attended; {} doses given",
        i.pending, i.confirmed, i.declined, i.expired, i.attended, session.doses_given
    ));
    lines.join("\n")
}

/// An invitation round's counts, then the session.
pub fn round_text<Tz: TimeZone>(round: &InvitationRound, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    format!(
        "{} invited, {} SMS sent, {} still waiting for a place\n{}",
        round.invited,
        round.sms_sent,
        round.waiting,
        session_text(&round.session, tz)
    )
}

/// An invitation's state as the contract names it.
fn state_name(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Pending => "pending",
        InvitationState::Confirmed => "confirmed",
        InvitationState::Declined => "declined",
        InvitationState::Expired => "expired",
        InvitationState::Attended => "attended",
    }
}

fn dose_line(dose: &healthbook_protocol::DoseView) -> String {
    let product = VaccineProduct::parse(&dose.product).map_or(dose.product.clone(), |p| p.display_name().to_owned());
    let lot = dose.lot.as_deref().map(|l| format!(" lot {l}")).unwrap_or_default();
    let state = match (dose.source, &dose.confirmed_at) {
        (DoseSource::Site, _) => "given at a site".to_owned(),
        (DoseSource::SelfReported, Some(_)) => "self-reported, confirmed".to_owned(),
        // Never shown as confirmed: the id is what `vaccine confirm-dose` takes.
        (DoseSource::SelfReported, None) => format!("self-reported, NOT confirmed (dose {})", dose.dose_id),
    };
    format!("  dose {}  {}  {product}{lot}  [{state}]", dose.dose_number, dose.date)
}

/// What the staff see after a scan: who it is, their doses, the next dose and today's invitation here.
pub fn lookup_text<Tz: TimeZone>(found: &DoseLookup, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut lines = vec![format!("{}, born {}  (person {})", found.full_name, found.birth_year, found.person_id)];
    match &found.registration {
        Some(r) => lines.push(format!(
            "  registered in ward {}{}",
            r.ward_code,
            r.priority_group.map(|g| format!(", priority group {g}")).unwrap_or_default()
        )),
        None => lines.push("  not registered for vaccination".to_owned()),
    }
    if found.doses.is_empty() {
        lines.push("  no doses yet".to_owned());
    }
    lines.extend(found.doses.iter().map(dose_line));
    let due = found.next_due.map(|d| format!(" from {d}")).unwrap_or_default();
    lines.push(format!("  next: dose {}{due}", found.next_dose_number));
    match &found.invitation {
        Some(i) => lines.push(format!(
            "  invited today: {}-{} ({}), {} dose {}  [invitation {}]",
            at(i.starts_at, tz),
            i.ends_at.with_timezone(tz).format("%H:%M"),
            state_name(i.state),
            i.product.display_name(),
            i.dose_number,
            i.invitation_id
        )),
        None => lines.push("  no invitation here today".to_owned()),
    }
    lines.join("\n")
}

/// A recorded dose and its certificate.
pub fn recorded_text<Tz: TimeZone>(recorded: &AdministeredDose, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let c = &recorded.certificate;
    format!(
        "dose {} recorded ({})\ncertificate {}: dose {}/{} of {}, {}, issued {}, valid until {}",
        recorded.dose.dose_number,
        recorded.dose.dose_id,
        c.uvci,
        c.dose_number,
        c.series_doses,
        c.product.display_name(),
        c.date,
        at(c.issued_at, tz),
        at(c.expires_at, tz)
    )
}

fn read_scan(qr: &str) -> Result<String, CliError> {
    if qr != "-" {
        return Ok(qr.to_owned());
    }
    let mut text = String::new();
    std::io::stdin()
        .take(healthbook_core::credentials::MAX_QR_TEXT_LEN as u64 + 3)
        .read_to_string(&mut text)
        .map_err(|e| CliError { exit: 2, ..CliError::failed("unreadable_input", e.to_string()) })?;
    Ok(text)
}

/// Runs a site or officer command.
pub async fn run(hb: &Healthbook, command: &VaccineSiteCommand, out: &Output) -> Result<(), CliError> {
    let tz = chrono::Local;
    match command {
        VaccineSiteCommand::Site(SitesCommand::Create { name, address, ward, staff }) => {
            let request = CreateSiteRequest { name: name.clone(), address: address.clone(), ward_code: ward.clone() };
            let created = signed_in(hb, staff).await?.create_site(&request).await.map_err(site_error)?;
            out.print(&to_json(&created), || format!("site created: {}", sites_text(std::slice::from_ref(&created))));
        }
        VaccineSiteCommand::Site(SitesCommand::List { staff }) => {
            let sites = signed_in(hb, staff).await?.sites().await.map_err(site_error)?;
            out.print(&json!({ "sites": to_json(&sites) }), || sites_text(&sites));
        }
        VaccineSiteCommand::Stock { site, staff } => {
            let stock = signed_in(hb, staff).await?.stock(site).await.map_err(site_error)?;
            out.print(&to_json(&stock), || stock_text(&stock));
        }
        VaccineSiteCommand::Deliver(a) => {
            let delivery =
                StockDelivery { product: a.product, lot: a.lot.clone(), doses: a.doses, expires_on: a.expires, note: a.note.clone() };
            let stock = signed_in(hb, &a.staff).await?.deliver(&a.site, &delivery).await.map_err(site_error)?;
            out.print(&to_json(&stock), || stock_text(&stock));
        }
        VaccineSiteCommand::Session(SessionCommand::Plan { site, date, slots, product, wards, staff }) => {
            let plan =
                PlanSessionRequest { site_id: site.clone(), date: *date, slots: slots.clone(), product: *product, ward_codes: wards.clone() };
            let session = signed_in(hb, staff).await?.plan_session(&plan).await.map_err(site_error)?;
            out.print(&to_json(&session), || session_text(&session, &tz));
        }
        VaccineSiteCommand::Session(SessionCommand::Show { session, staff }) => {
            let session = signed_in(hb, staff).await?.session(session).await.map_err(site_error)?;
            out.print(&to_json(&session), || session_text(&session, &tz));
        }
        VaccineSiteCommand::Session(SessionCommand::Invite { session, staff }) => {
            let round = signed_in(hb, staff).await?.invite(session).await.map_err(site_error)?;
            out.print(&to_json(&round), || round_text(&round, &tz));
        }
        VaccineSiteCommand::Lookup { site, qr, staff } => {
            let scanned = read_scan(qr)?;
            // Checked before signing in: a wrong scan needs no password and no network.
            site::check_scan(&scanned).map_err(|e| site_error(e.into()))?;
            let found = signed_in(hb, staff).await?.lookup(site, &scanned).await.map_err(site_error)?;
            out.print(&to_json(&found), || lookup_text(&found, &tz));
        }
        VaccineSiteCommand::Record(a) => {
            let dose = AdministerDoseRequest {
                person_id: a.person.clone(),
                site_id: a.site.clone(),
                product: a.product,
                lot: a.lot.clone(),
                dose_number: a.dose,
                date: a.date.unwrap_or_else(|| site::site_today(hb.clock().as_ref())),
                invitation_id: a.invitation.clone(),
            };
            let recorded = signed_in(hb, &a.staff).await?.record_dose(&dose).await.map_err(site_error)?;
            out.print(&to_json(&recorded), || recorded_text(&recorded, &tz));
        }
        VaccineSiteCommand::ConfirmDose { dose_id, staff } => {
            let dose = signed_in(hb, staff).await?.confirm_dose(dose_id).await.map_err(site_error)?;
            out.print(&to_json(&dose), || format!("dose {} ({}) confirmed; it now counts", dose.dose_number, dose.dose_id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::FixedOffset;
    use clap::Parser;
    use healthbook_protocol::vaccination::{
        CertificateView, HeldDoses, InvitationCounts, InvitationView, SlotView, StockLine,
    };
    use healthbook_protocol::DoseView;

    use super::*;

    #[derive(Debug, Parser)]
    struct Line {
        #[command(subcommand)]
        command: VaccineSiteCommand,
    }

    fn parse(args: &[&str]) -> Result<VaccineSiteCommand, clap::Error> {
        let mut full = vec!["vaccine"];
        full.extend_from_slice(args);
        Line::try_parse_from(full).map(|l| l.command)
    }

    fn vn() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn commands_read_as_the_brief_writes_them() {
        let plan = parse(&[
            "session", "plan", "s-1", "--date", "2021-09-02", "--slot", "08:00-09:00:50", "--slot", "09:00-10:30:25", "--product",
            "Sputnik-V", "--ward", "26734", "--ward", "26737", "--user", "officer",
        ])
        .unwrap();
        let VaccineSiteCommand::Session(SessionCommand::Plan { site, date, slots, product, wards, staff }) = plan else {
            panic!("{plan:?}")
        };
        assert_eq!((site.as_str(), date.to_string().as_str(), staff.user.as_str()), ("s-1", "2021-09-02", "officer"));
        assert_eq!(product, VaccineProduct::SputnikV);
        assert_eq!(wards, ["26734", "26737"]);
        assert_eq!(slots[1], SlotPlan { start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(), end: NaiveTime::from_hms_opt(10, 30, 0).unwrap(), capacity: 25 });

        let off = parse(&["deliver", "s-1", "--product", "vaxzevria", "--lot", "A1", "--doses", "-3", "--note", "broken", "--user", "o"]).unwrap();
        assert!(matches!(off, VaccineSiteCommand::Deliver(DeliverArgs { doses: -3, .. })));
        let record = parse(&["record", "s-1", "--person", "p-1", "--product", "comirnaty", "--lot", "L", "--dose", "2", "--user", "o"]).unwrap();
        assert!(matches!(record, VaccineSiteCommand::Record(RecordArgs { dose: 2, date: None, invitation: None, .. })));
        assert!(matches!(parse(&["lookup", "s-1", "-", "--user", "o"]).unwrap(), VaccineSiteCommand::Lookup { qr, .. } if qr == "-"));
        assert!(matches!(parse(&["confirm-dose", "d-1", "--user", "o"]).unwrap(), VaccineSiteCommand::ConfirmDose { .. }));
        assert!(matches!(parse(&["site", "list", "--user", "o"]).unwrap(), VaccineSiteCommand::Site(SitesCommand::List { .. })));
        assert!(matches!(parse(&["session", "invite", "se-1", "--user", "o"]).unwrap(), VaccineSiteCommand::Session(SessionCommand::Invite { .. })));

        // Usage errors name what is wrong.
        let bad_product = parse(&["record", "s-1", "--person", "p", "--product", "pfizer", "--lot", "L", "--dose", "1", "--user", "o"]);
        assert!(bad_product.unwrap_err().to_string().contains("comirnaty, spikevax"));
        let bad_slot = parse(&["session", "plan", "s-1", "--date", "2021-09-02", "--slot", "8-9", "--product", "janssen", "--user", "o"]);
        assert!(bad_slot.unwrap_err().to_string().contains("START-END:CAPACITY"));
        let no_slot = parse(&["session", "plan", "s-1", "--date", "2021-09-02", "--product", "janssen", "--user", "o"]);
        assert!(no_slot.is_err());
    }

    #[test]
    fn slots_and_products_parse_strictly() {
        assert_eq!(parse_slot(" 13:30-14:00:1 ").unwrap().capacity, 1);
        for bad in ["", "08:00-09:00", "08:00:50", "8h-9h:5", "08:00-09:00:-1", "08:00-09:00:x", "25:00-26:00:5"] {
            assert!(parse_slot(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_product("sputnik_v"), Ok(VaccineProduct::SputnikV));
        assert_eq!(parse_product(" ABDALA"), Ok(VaccineProduct::Abdala));
        assert!(parse_product("").is_err());
    }

    fn session() -> SessionView {
        SessionView {
            session_id: "se-1".into(),
            site_id: "s-1".into(),
            date: NaiveDate::from_ymd_opt(2021, 9, 2).unwrap(),
            product: VaccineProduct::Vaxzevria,
            ward_codes: vec![],
            slots: vec![SlotView { slot: 0, starts_at: utc("2021-09-02T01:00:00Z"), ends_at: utc("2021-09-02T02:00:00Z"), capacity: 50, taken: 12 }],
            invitations: InvitationCounts { pending: 8, confirmed: 3, declined: 1, expired: 0, attended: 1 },
            doses_given: 1,
        }
    }

    #[test]
    fn sessions_and_rounds_show_local_times_and_counts() {
        let text = session_text(&session(), &vn());
        assert_eq!(
            text,
            "session se-1 at site s-1 on 2021-09-02: AstraZeneca (Vaxzevria), for the site's ward\n  2021-09-02 08:00-09:00  12/50 taken\n  invitations: 8 pending, 3 confirmed, 1 declined, 0 expired, 1 attended; 1 doses given"
        );
        let round = InvitationRound { invited: 38, sms_sent: 37, waiting: 112, session: session() };
        assert!(round_text(&round, &vn()).starts_with("38 invited, 37 SMS sent, 112 still waiting for a place\nsession se-1"));
        // The same slot in UTC.
        assert!(session_text(&session(), &Utc).contains("2021-09-02 01:00-02:00"));
    }

    #[test]
    fn stock_and_sites_read_line_by_line() {
        let stock = SiteStock {
            site_id: "s-1".into(),
            lines: vec![StockLine { product: VaccineProduct::Comirnaty, lot: "FF2153".into(), remaining: 120, expires_on: NaiveDate::from_ymd_opt(2021, 12, 1) }],
            held: vec![HeldDoses { product: VaccineProduct::Comirnaty, doses: 50 }, HeldDoses { product: VaccineProduct::Janssen, doses: 0 }],
        };
        let text = stock_text(&stock);
        assert!(text.contains("Pfizer-BioNTech (Comirnaty)") && text.contains("lot FF2153") && text.contains("120 left  expires 2021-12-01"), "{text}");
        assert!(text.ends_with("held for invited people: 50 Pfizer-BioNTech (Comirnaty)"), "{text}");
        assert!(!text.contains("Janssen"));
        assert_eq!(stock_text(&SiteStock { site_id: "s-2".into(), lines: vec![], held: vec![] }), "stock of site s-2\n  no doses");
        assert_eq!(sites_text(&[]), "no vaccination site in your area");
    }

    fn dose(number: u8, source: DoseSource, confirmed: bool) -> DoseView {
        DoseView {
            dose_id: format!("d-{number}"),
            person_id: "p-1".into(),
            product: "vaxzevria".into(),
            dose_number: number,
            date: NaiveDate::from_ymd_opt(2021, 7, number.into()).unwrap(),
            lot: Some("A1".into()),
            source,
            recorded_by: "acc".into(),
            recorded_at: utc("2021-07-01T00:00:00Z"),
            confirmed_by: confirmed.then(|| "acc".into()),
            confirmed_at: confirmed.then(|| utc("2021-07-02T00:00:00Z")),
        }
    }

    #[test]
    fn a_lookup_marks_self_reported_doses_and_shows_the_invitation_in_local_time() {
        let found = DoseLookup {
            person_id: "p-1".into(),
            full_name: "Nguyễn Văn An".into(),
            birth_year: 1960,
            registration: None,
            doses: vec![dose(1, DoseSource::Site, false), dose(2, DoseSource::SelfReported, false)],
            next_dose_number: 3,
            next_due: NaiveDate::from_ymd_opt(2021, 10, 1),
            invitation: Some(InvitationView {
                invitation_id: "i-1".into(),
                profile_ref: String::new(),
                site_name: "Trạm".into(),
                site_address: "1".into(),
                starts_at: utc("2021-09-02T01:00:00Z"),
                ends_at: utc("2021-09-02T02:00:00Z"),
                product: VaccineProduct::Vaxzevria,
                dose_number: 3,
                state: InvitationState::Confirmed,
                answer_by: utc("2021-09-01T00:00:00Z"),
            }),
        };
        let text = lookup_text(&found, &vn());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Nguyễn Văn An, born 1960  (person p-1)");
        assert_eq!(lines[1], "  not registered for vaccination");
        assert_eq!(lines[2], "  dose 1  2021-07-01  AstraZeneca (Vaxzevria) lot A1  [given at a site]");
        assert_eq!(lines[3], "  dose 2  2021-07-02  AstraZeneca (Vaxzevria) lot A1  [self-reported, NOT confirmed (dose d-2)]");
        assert_eq!(lines[4], "  next: dose 3 from 2021-10-01");
        assert_eq!(lines[5], "  invited today: 2021-09-02 08:00-09:00 (confirmed), AstraZeneca (Vaxzevria) dose 3  [invitation i-1]");
        let confirmed = DoseLookup { doses: vec![dose(1, DoseSource::SelfReported, true)], invitation: None, ..found };
        let text = lookup_text(&confirmed, &vn());
        assert!(text.contains("[self-reported, confirmed]") && text.ends_with("no invitation here today"), "{text}");
    }

    #[test]
    fn a_recorded_dose_names_its_certificate() {
        let recorded = AdministeredDose {
            dose: dose(1, DoseSource::Site, false),
            certificate: CertificateView {
                uvci: "URN:UVCI:01:VN:ABC#X".into(),
                qr: "HC1:X".into(),
                dose_number: 1,
                series_doses: 2,
                product: VaccineProduct::Vaxzevria,
                date: NaiveDate::from_ymd_opt(2021, 7, 1).unwrap(),
                issued_at: utc("2021-07-01T03:00:00Z"),
                expires_at: utc("2022-07-01T03:00:00Z"),
                replaced_at: None,
            },
        };
        assert_eq!(
            recorded_text(&recorded, &vn()),
            "dose 1 recorded (d-1)\ncertificate URN:UVCI:01:VN:ABC#X: dose 1/2 of AstraZeneca (Vaxzevria), 2021-07-01, issued 2021-07-01 10:00, valid until 2022-07-01 10:00"
        );
    }

    #[test]
    fn each_refusal_has_a_stable_code() {
        assert_eq!(site_error(SiteError::CapacityAboveStock).code, "capacity_above_stock");
        assert_eq!(site_error(SiteError::OutOfStock).code, "out_of_stock");
        assert_eq!(site_error(SiteError::DoseConflict).code, "dose_conflict");
        assert_eq!(site_error(SiteError::Scan(site::ScanError::Empty)).code, "invalid_scan");
        assert_eq!(site_error(SiteError::Offline("x".into())).code, "server_unreachable");
    }
}
