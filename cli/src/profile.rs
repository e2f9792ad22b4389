//! `healthbook profile ...`: add, list, show, update and remove the people on this installation.

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use healthbook_core::profiles::{Address, BirthDate, Profile, ProfileInput, ProfileRelation};
use healthbook_core::Healthbook;

use crate::output::{CliError, Output};

/// Profile commands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a person.
    Add(ProfileArgs),
    /// List everyone, the owner first.
    List,
    /// Show one person.
    Show {
        /// Profile id.
        id: String,
    },
    /// Replace a person's details.
    Update {
        /// Profile id.
        id: String,
        #[command(flatten)]
        details: ProfileArgs,
    },
    /// Remove a person and their personal data.
    Remove {
        /// Profile id.
        id: String,
    },
}

/// Who the person is to the owner of this installation.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RelationArg {
    /// The owner.
    Myself,
    /// A family member.
    Family,
    /// Someone a volunteer manages.
    Managed,
}

/// The details of a person.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Full name, with diacritics (e.g. "Nguyễn Văn An").
    #[arg(long)]
    name: String,
    /// Birth date: YYYY, YYYY-MM, YYYY-MM-DD or DD/MM/YYYY.
    #[arg(long)]
    birth: String,
    /// Relation to the owner.
    #[arg(long, value_enum, default_value = "myself")]
    relation: RelationArg,
    /// Phone number (0912345678 or +84912345678).
    #[arg(long)]
    phone: Option<String>,
    /// Citizen id: 12-digit CCCD or 9-digit CMND.
    #[arg(long)]
    citizen_id: Option<String>,
    /// Two-digit province code.
    #[arg(long)]
    province: Option<String>,
    /// Five-digit ward or commune code (needs --province).
    #[arg(long, requires = "province")]
    ward: Option<String>,
    /// Street part of the address (needs --province).
    #[arg(long, requires = "province")]
    street: Option<String>,
}

fn birth_error(message: &str) -> CliError {
    CliError { field: Some("birth_date"), ..CliError::failed("invalid_field", message) }
}

/// Parses the accepted birth date spellings into year, month and day.
pub fn parse_birth(text: &str) -> Result<BirthDate, CliError> {
    let text = text.trim();
    let number = |part: &str| part.parse::<u16>().map_err(|_| birth_error("use YYYY, YYYY-MM, YYYY-MM-DD or DD/MM/YYYY"));
    let parts: Vec<u16> = if text.contains('/') {
        let mut parts = text.split('/').map(number).collect::<Result<Vec<_>, _>>()?;
        parts.reverse();
        parts
    } else {
        text.split('-').map(number).collect::<Result<Vec<_>, _>>()?
    };
    let small = |v: u16| u8::try_from(v).map_err(|_| birth_error("month or day out of range"));
    match parts.as_slice() {
        [year] => Ok(BirthDate { year: *year, month: None, day: None }),
        [year, month] => Ok(BirthDate { year: *year, month: Some(small(*month)?), day: None }),
        [year, month, day] => Ok(BirthDate { year: *year, month: Some(small(*month)?), day: Some(small(*day)?) }),
        _ => Err(birth_error("use YYYY, YYYY-MM, YYYY-MM-DD or DD/MM/YYYY")),
    }
}

impl ProfileArgs {
    fn to_input(&self) -> Result<ProfileInput, CliError> {
        Ok(ProfileInput {
            relation: match self.relation {
                RelationArg::Myself => ProfileRelation::Myself,
                RelationArg::Family => ProfileRelation::FamilyMember,
                RelationArg::Managed => ProfileRelation::ManagedByVolunteer,
            },
            full_name: self.name.clone(),
            birth: parse_birth(&self.birth)?,
            phone: self.phone.clone(),
            citizen_id: self.citizen_id.clone(),
            address: self.province.as_ref().map(|province| Address {
                province_code: province.clone(),
                ward_code: self.ward.clone(),
                street: self.street.clone(),
            }),
        })
    }
}

fn birth_text(b: &BirthDate) -> String {
    match (b.month, b.day) {
        (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", b.year),
        (Some(m), None) => format!("{:04}-{m:02}", b.year),
        _ => format!("{:04}", b.year),
    }
}

/// The JSON form of a profile, as printed by `--json`.
pub fn profile_json(p: &Profile) -> Value {
    json!({
        "id": p.id,
        "relation": p.relation.as_str(),
        "full_name": p.details.full_name,
        "birth": birth_text(&p.details.birth),
        "phone": p.details.phone,
        "citizen_id": p.details.citizen_id,
        "address": p.details.address.as_ref().map(|a| json!({
            "province_code": a.province_code, "ward_code": a.ward_code, "street": a.street,
        })),
        "created_at": p.created_at.to_rfc3339(),
        "updated_at": p.updated_at.to_rfc3339(),
    })
}

fn profile_line(p: &Profile) -> String {
    format!("{}  {:<22} {:<40} {}", p.id, p.relation.as_str(), p.details.full_name, birth_text(&p.details.birth))
}

/// Runs a profile command.
pub async fn run(healthbook: &Healthbook, command: &ProfileCommand, out: &Output) -> Result<(), CliError> {
    let profiles = healthbook.profiles();
    match command {
        ProfileCommand::Add(args) => {
            let profile = profiles.add(args.to_input()?).await?;
            out.print(&profile_json(&profile), || format!("added {}", profile_line(&profile)));
        }
        ProfileCommand::List => {
            let list = profiles.list().await?;
            out.print(&Value::Array(list.iter().map(profile_json).collect()), || {
                if list.is_empty() {
                    "no profiles yet; add one with `healthbook profile add --name ... --birth ...`".to_owned()
                } else {
                    list.iter().map(profile_line).collect::<Vec<_>>().join("\n")
                }
            });
        }
        ProfileCommand::Show { id } => {
            let profile = profiles.get(id).await?;
            out.print(&profile_json(&profile), || serde_json::to_string_pretty(&profile_json(&profile)).unwrap_or_default());
        }
        ProfileCommand::Update { id, details } => {
            let profile = profiles.update(id, details.to_input()?).await?;
            out.print(&profile_json(&profile), || format!("updated {}", profile_line(&profile)));
        }
        ProfileCommand::Remove { id } => {
            profiles.remove(id).await?;
            out.print(&json!({ "removed": id }), || format!("removed {id}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_spellings() {
        assert_eq!(parse_birth("1990").unwrap(), BirthDate { year: 1990, month: None, day: None });
        assert_eq!(parse_birth("1990-05").unwrap(), BirthDate { year: 1990, month: Some(5), day: None });
        assert_eq!(parse_birth("1990-05-17").unwrap(), BirthDate { year: 1990, month: Some(5), day: Some(17) });
        assert_eq!(parse_birth("17/05/1990").unwrap(), BirthDate { year: 1990, month: Some(5), day: Some(17) });
        for bad in ["", "19x0", "1990-05-17-1", "1990-300"] {
            assert_eq!(parse_birth(bad).unwrap_err().field, Some("birth_date"), "{bad}");
        }
    }
}
