//! `healthbook volunteer ...`: a volunteer enrols people without smartphones on this installation (a managed
//! profile, bound to the person's record by the volunteer's attestation), records their consent and the doses
//! they show on paper, declares for them, and prints their control card. Commands that reach the server sign
//! in with `--user` and the password in `HEALTHBOOK_PASSWORD` (never on the command line).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;
use serde_json::{Value, json};

use healthbook_core::Healthbook;
use healthbook_core::credentials::qr::ErrorCorrection;
use healthbook_core::volunteers::{ConsentMethod, ManagedPerson, NewManagedPerson, VolunteerError};

use crate::declare::{self, DeclareArgs, FormArg};
use crate::output::{CliError, Output};
use crate::print::{self, Page};
use crate::results::StaffArgs;

/// A6 in millimetres: a card that fits a wallet.
pub const CARD_W: f64 = 105.0;
/// A6 in millimetres.
pub const CARD_H: f64 = 148.0;
/// Width of the card's QR symbol (without its quiet zone): over the 5 cm printed cards need.
pub const CARD_QR_MM: f64 = 62.0;

/// Reads how the person agreed by the contract's name (`spoken`, `signed_paper`, `thumbprint`; `-` for `_` too).
fn parse_method(text: &str) -> Result<ConsentMethod, String> {
    serde_json::from_value(serde_json::Value::String(text.replace('-', "_")))
        .map_err(|_| "one of spoken, signed-paper, thumbprint".to_owned())
}

/// Volunteer commands.
#[derive(Debug, Subcommand)]
pub enum VolunteerCommand {
    /// Enrol a person without a smartphone after checking their id card.
    Enrol {
        /// Full name as on the id card.
        #[arg(long)]
        name: String,
        /// Birth year.
        #[arg(long)]
        birth_year: u16,
        /// CCCD (12 digits) or CMND (9 digits).
        #[arg(long)]
        citizen_id: String,
        /// Phone, when the person has one.
        #[arg(long)]
        phone: Option<String>,
        /// Province code.
        #[arg(long)]
        province: String,
        /// Ward code.
        #[arg(long)]
        ward: String,
        /// Where the card was checked.
        #[arg(long)]
        place: Option<String>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Record who agreed (the person, or a guardian by name), how, and now.
    Consent {
        /// The managed profile.
        profile_id: String,
        /// The name of whoever agreed (the person's own name, or a guardian's).
        #[arg(long)]
        given_by: String,
        /// How: spoken, signed-paper or thumbprint.
        #[arg(long, value_parser = parse_method)]
        method: ConsentMethod,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Declare on the person's behalf (answers as `healthbook declare` takes them); sent at the next sync.
    Declare {
        /// The managed profile.
        profile_id: String,
        /// The form.
        #[arg(long, value_enum, default_value = "health")]
        form: FormArg,
        /// Answers as a JSON object keyed by field id; without it, the questions are asked one by one.
        #[arg(long)]
        answers: Option<PathBuf>,
        /// Language of questions and messages (default: the saved setting).
        #[arg(long, value_parser = ["vi", "en"])]
        lang: Option<String>,
    },
    /// Record a dose the person shows on paper (self-reported until an officer confirms it).
    Dose {
        /// The managed profile.
        profile_id: String,
        /// The vaccine product as written.
        #[arg(long)]
        product: String,
        /// Dose number.
        #[arg(long)]
        dose: u8,
        /// Date of the dose, YYYY-MM-DD.
        #[arg(long)]
        date: NaiveDate,
        /// Lot number, when the paper shows it.
        #[arg(long)]
        lot: Option<String>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Print the person's control card (signed by the server once consent is recorded): PDF and/or SVG, A6.
    Card {
        /// The managed profile.
        profile_id: String,
        /// Write the card as PDF here.
        #[arg(long)]
        pdf: Option<PathBuf>,
        /// Write the card as SVG here.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Sign a new card even when one is kept.
        #[arg(long)]
        renew: bool,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// The people enrolled on this installation (kept data: works offline).
    List,
}

fn volunteer_error(e: VolunteerError) -> CliError {
    let code = match &e {
        VolunteerError::NoServer => "no_server",
        VolunteerError::Unreachable(_) => "server_unreachable",
        VolunteerError::NotSignedIn => "sign_in_required",
        VolunteerError::SignInFailed => "sign_in_failed",
        VolunteerError::NotAVolunteer => "not_a_volunteer",
        VolunteerError::NotManaged => "not_managed",
        VolunteerError::NotYours => "not_found",
        VolunteerError::ConsentRequired => "consent_required",
        VolunteerError::OutsideArea => "outside_area",
        VolunteerError::Invalid(_) => "invalid",
        VolunteerError::Profile(_) => "invalid_profile",
        _ if e.is_offline() => "server_unreachable",
        _ => "volunteer_failed",
    };
    CliError::failed(code, e.to_string())
}

fn person_json(p: &ManagedPerson) -> Value {
    json!({
        "profile_id": p.profile_id, "full_name": p.full_name, "birth_year": p.birth_year, "bound": p.bound,
        "person_id": p.person_id, "consent_at": p.consent_at, "last_declared_at": p.last_declared_at,
        "self_reported_doses": p.self_reported_doses, "control_card": p.control_card,
    })
}

fn person_text(p: &ManagedPerson) -> String {
    let consent = p.consent_at.map_or("no consent yet".to_owned(), |at| format!("consent {}", at.format("%Y-%m-%d")));
    let card = if p.control_card.is_some() { "card printed" } else { "no card" };
    format!(
        "{}  {} ({})  {}  {}  self-reported doses: {}  {}",
        p.profile_id,
        p.full_name,
        p.birth_year,
        if p.bound { "bound" } else { "not bound" },
        consent,
        p.self_reported_doses,
        card
    )
}

async fn signed_in(hb: &Healthbook, staff: &StaffArgs) -> Result<(), CliError> {
    let password = std::env::var("HEALTHBOOK_PASSWORD")
        .map_err(|_| CliError { exit: 2, ..CliError::failed("password_required", "set HEALTHBOOK_PASSWORD to the staff password") })?;
    hb.volunteers().sign_in(&staff.user, &password).await.map_err(volunteer_error)
}

/// Runs a volunteer command.
pub async fn run(hb: &Healthbook, command: &VolunteerCommand, out: &Output) -> Result<(), CliError> {
    let volunteers = hb.volunteers();
    let person = match command {
        VolunteerCommand::Enrol { name, birth_year, citizen_id, phone, province, ward, place, staff } => {
            signed_in(hb, staff).await?;
            let new = NewManagedPerson {
                full_name: name.clone(),
                birth_year: *birth_year,
                citizen_id: citizen_id.clone(),
                phone: phone.clone(),
                province_code: province.clone(),
                ward_code: ward.clone(),
                place: place.clone(),
            };
            volunteers.enrol(new).await.map_err(volunteer_error)?
        }
        VolunteerCommand::Consent { profile_id, given_by, method, staff } => {
            signed_in(hb, staff).await?;
            volunteers.record_consent(profile_id, given_by, *method).await.map_err(volunteer_error)?
        }
        VolunteerCommand::Dose { profile_id, product, dose, date, lot, staff } => {
            signed_in(hb, staff).await?;
            volunteers.record_dose(profile_id, product, *dose, *date, lot.as_deref()).await.map_err(volunteer_error)?
        }
        VolunteerCommand::Declare { profile_id, form, answers, lang } => {
            // Only for people this volunteer manages here: `filled_by` then says `managed_by_volunteer`.
            volunteers.person(profile_id).await.map_err(volunteer_error)?;
            let args = DeclareArgs { form: *form, profile: profile_id.clone(), answers: answers.clone(), filled_by: None, lang: lang.clone() };
            return declare::declare(hb, &args, out).await;
        }
        VolunteerCommand::Card { profile_id, pdf, svg, renew, staff } => {
            if pdf.is_none() && svg.is_none() {
                return Err(CliError { exit: 2, ..CliError::failed("usage", "give --pdf FILE and/or --svg FILE") });
            }
            let mut person = volunteers.person(profile_id).await.map_err(volunteer_error)?;
            if person.control_card.is_none() || *renew {
                signed_in(hb, staff).await?;
                person = volunteers.control_card(profile_id).await.map_err(volunteer_error)?;
            }
            let qr = person.control_card.clone().ok_or_else(|| CliError::failed("volunteer_failed", "no card was signed"))?;
            let page = card_layout(&person.full_name, person.birth_year, &qr).map_err(|e| CliError::failed("card", e))?;
            if let Some(path) = pdf {
                write(path, &print::pdf(&page))?;
            }
            if let Some(path) = svg {
                write(path, print::svg(&page, "Thẻ kiểm soát dịch").as_bytes())?;
            }
            person
        }
        VolunteerCommand::List => {
            let people = volunteers.people().await.map_err(volunteer_error)?;
            let list: Vec<Value> = people.iter().map(person_json).collect();
            out.print(&json!({ "people": list }), || {
                if people.is_empty() {
                    return "nobody enrolled on this installation".to_owned();
                }
                people.iter().map(person_text).collect::<Vec<_>>().join("\n")
            });
            return Ok(());
        }
    };
    out.print(&person_json(&person), || person_text(&person));
    Ok(())
}

fn write(path: &PathBuf, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| CliError::failed("write_failed", format!("{}: {e}", path.display())))
}

/// Lays out one A6 control card: a title in Vietnamese and English, the QR (error correction Q, the symbol
/// [`CARD_QR_MM`] wide), and the name and birth year to compare with the id card. Nothing else: the QR carries
/// the minimum, and so does the paper.
pub fn card_layout(full_name: &str, birth_year: u16, qr_text: &str) -> Result<Page, String> {
    let face = print::face()?;
    let module = Page::module_of(qr_text, ErrorCorrection::Q, CARD_QR_MM)?;
    let quiet = 4.0 * module;
    let mut page = Page::new(CARD_W, CARD_H);
    page.centred(&face, "THẺ KIỂM SOÁT DỊCH", 13.0, 6.0, CARD_W - 10.0);
    page.centred(&face, "Epidemic control card", 20.0, 4.2, CARD_W - 10.0);
    // The title's descenders end about 1.5 mm under its baseline; the quiet zone starts under them.
    let qr_top = 22.0 + quiet;
    page.qr(qr_text, ErrorCorrection::Q, (CARD_W - CARD_QR_MM) / 2.0, qr_top, CARD_QR_MM)?;
    let mut baseline = qr_top + CARD_QR_MM + quiet + 8.0;
    for line in print::split_name(&face, full_name, 7.0, CARD_W - 10.0) {
        page.centred(&face, &line, baseline, 7.0, CARD_W - 10.0);
        baseline += 9.0;
    }
    page.centred(&face, &format!("Năm sinh / Born: {birth_year}"), baseline, 5.0, CARD_W - 10.0);
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::Seg;

    /// A control card's length of text (a real `HK1:` card is about this long).
    const QR_TEXT: &str = "HK1:6BFOXN%TS3DH0RGPJB/IB-OM7533SYHZ/C$SGM5H7VAT 9MB7OVP7Y1MP0VR7FA2CRVVO1/R8OHFF:E$6FJJB5NCFOXN%TS3DH0RGPJB/IB-OM7533SYHZ/C$SGM5H7VAT 9MB7OVP7Y1MP0VR7FA2C";

    fn decode(rects: &[(f64, f64, f64, f64)], px: f64) -> String {
        let (min_x, min_y) = rects.iter().fold((f64::MAX, f64::MAX), |(a, b), r| (a.min(r.0), b.min(r.1)));
        let max_x = rects.iter().map(|r| r.0 + r.2).fold(0.0, f64::max);
        let max_y = rects.iter().map(|r| r.1 + r.3).fold(0.0, f64::max);
        let margin = 8.0;
        let (w, h) = (((max_x - min_x + 2.0 * margin) * px) as usize, ((max_y - min_y + 2.0 * margin) * px) as usize);
        let mut pixels = vec![255u8; w * h];
        for (x, y, rw, rh) in rects {
            let (x0, y0) = (((x - min_x + margin) * px).round() as usize, ((y - min_y + margin) * px).round() as usize);
            let (x1, y1) = (((x + rw - min_x + margin) * px).round() as usize, ((y + rh - min_y + margin) * px).round() as usize);
            for row in y0..y1.min(h) {
                pixels[row * w + x0..row * w + x1.min(w)].fill(0);
            }
        }
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR on the card");
        let (meta, text) = grids[0].decode().expect("the QR decodes");
        assert_eq!(meta.ecc_level, 3, "error correction Q");
        text
    }

    #[test]
    fn the_card_qr_decodes_is_at_least_5_cm_and_the_text_stays_on_the_card_and_out_of_the_qr() {
        let page = card_layout("Tôn Nữ Thị Hoàng Phương Thảo Nguyễn", 1950, QR_TEXT).unwrap();
        assert_eq!(decode(&page.qr_rects, 8.0), QR_TEXT);
        let min_x = page.qr_rects.iter().map(|r| r.0).fold(f64::MAX, f64::min);
        let max_x = page.qr_rects.iter().map(|r| r.0 + r.2).fold(0.0, f64::max);
        let min_y = page.qr_rects.iter().map(|r| r.1).fold(f64::MAX, f64::min);
        let max_y = page.qr_rects.iter().map(|r| r.1 + r.3).fold(0.0, f64::max);
        assert!(max_x - min_x >= 50.0 && max_y - min_y >= 50.0, "{} x {} mm", max_x - min_x, max_y - min_y);
        let module = page.qr_rects.iter().map(|r| r.3).fold(f64::MAX, f64::min);
        let quiet = 4.0 * module;
        for seg in &page.text {
            let points = match *seg {
                Seg::Move(x, y) | Seg::Line(x, y) => vec![(x, y)],
                Seg::Quad(a, b, x, y) => vec![(a, b), (x, y)],
                Seg::Cubic(a, b, c, d, x, y) => vec![(a, b), (c, d), (x, y)],
                Seg::Close => vec![],
            };
            for (x, y) in points {
                assert!((0.0..=CARD_W).contains(&x) && (0.0..=CARD_H).contains(&y), "({x}, {y}) off the card");
                let inside = x > min_x - quiet && x < max_x + quiet && y > min_y - quiet && y < max_y + quiet;
                assert!(!inside, "({x}, {y}) is in the QR or its quiet zone");
            }
        }
    }

    #[test]
    fn the_svg_and_pdf_are_one_a6_card() {
        let page = card_layout("Bà Năm", 1950, QR_TEXT).unwrap();
        let svg = print::svg(&page, "Thẻ kiểm soát dịch");
        assert!(svg.contains("width=\"105mm\" height=\"148mm\""), "{}", &svg[..200]);
        assert!(!svg.contains("Bà Năm"), "the name is drawn as outlines, not as text a copy could edit");
        let pdf = print::pdf(&page);
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 1"), "one page");
        assert!(text.contains("/MediaBox [0 0 297.6378 419.52756]"), "A6 in points");
    }
}
