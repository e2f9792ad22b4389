//! Profiles over the FFI: records mirroring the core's types and the async `Profiles` object.

use std::time::SystemTime;

use healthbook_core::profiles as core;

use crate::error::ProfileError;

/// Who a profile is to the phone's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ProfileRelation {
    /// The phone's owner; at most one per phone.
    Myself,
    /// A family member sharing the phone.
    FamilyMember,
    /// Someone a volunteer enrolled and manages.
    ManagedByVolunteer,
}

/// The profile field a validation error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ProfileField {
    /// Full name.
    FullName,
    /// Birth date or year.
    BirthDate,
    /// Phone number.
    Phone,
    /// Citizen id (CCCD or CMND).
    CitizenId,
    /// Address codes or street.
    Address,
    /// Relation to the owner.
    Relation,
}

/// A birth date of which only the year may be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct BirthDate {
    /// Year of birth.
    pub year: u16,
    /// Month 1-12, if known.
    pub month: Option<u8>,
    /// Day of month, if known (needs the month).
    pub day: Option<u8>,
}

/// An address by administrative unit codes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Address {
    /// Two-digit province code.
    pub province_code: String,
    /// Five-digit ward or commune code.
    pub ward_code: Option<String>,
    /// Street part in free text.
    pub street: Option<String>,
}

/// What the user enters for a profile.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProfileInput {
    /// Relation to the owner.
    pub relation: ProfileRelation,
    /// Full name with diacritics.
    pub full_name: String,
    /// Birth date or year.
    pub birth: BirthDate,
    /// Phone, national or international form.
    pub phone: Option<String>,
    /// 12-digit CCCD or 9-digit CMND.
    pub citizen_id: Option<String>,
    /// Home address.
    pub address: Option<Address>,
}

/// A stored profile, normalised (name in NFC, phone in E.164).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Profile {
    /// Stable identifier.
    pub id: String,
    /// Relation to the owner.
    pub relation: ProfileRelation,
    /// Full name, NFC.
    pub full_name: String,
    /// Birth date or year.
    pub birth: BirthDate,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// Citizen id, digits only.
    pub citizen_id: Option<String>,
    /// Home address.
    pub address: Option<Address>,
    /// Creation time.
    pub created_at: SystemTime,
    /// Last change.
    pub updated_at: SystemTime,
}

impl From<core::ProfileRelation> for ProfileRelation {
    fn from(r: core::ProfileRelation) -> Self {
        match r {
            core::ProfileRelation::Myself => Self::Myself,
            core::ProfileRelation::FamilyMember => Self::FamilyMember,
            core::ProfileRelation::ManagedByVolunteer => Self::ManagedByVolunteer,
        }
    }
}

impl From<ProfileRelation> for core::ProfileRelation {
    fn from(r: ProfileRelation) -> Self {
        match r {
            ProfileRelation::Myself => Self::Myself,
            ProfileRelation::FamilyMember => Self::FamilyMember,
            ProfileRelation::ManagedByVolunteer => Self::ManagedByVolunteer,
        }
    }
}

impl From<core::ProfileField> for ProfileField {
    fn from(f: core::ProfileField) -> Self {
        match f {
            core::ProfileField::FullName => Self::FullName,
            core::ProfileField::BirthDate => Self::BirthDate,
            core::ProfileField::Phone => Self::Phone,
            core::ProfileField::CitizenId => Self::CitizenId,
            core::ProfileField::Address => Self::Address,
            core::ProfileField::Relation => Self::Relation,
        }
    }
}

impl From<core::BirthDate> for BirthDate {
    fn from(b: core::BirthDate) -> Self {
        Self { year: b.year, month: b.month, day: b.day }
    }
}

impl From<BirthDate> for core::BirthDate {
    fn from(b: BirthDate) -> Self {
        Self { year: b.year, month: b.month, day: b.day }
    }
}

impl From<core::Address> for Address {
    fn from(a: core::Address) -> Self {
        Self { province_code: a.province_code, ward_code: a.ward_code, street: a.street }
    }
}

impl From<Address> for core::Address {
    fn from(a: Address) -> Self {
        Self { province_code: a.province_code, ward_code: a.ward_code, street: a.street }
    }
}

impl From<ProfileInput> for core::ProfileInput {
    fn from(i: ProfileInput) -> Self {
        Self {
            relation: i.relation.into(),
            full_name: i.full_name,
            birth: i.birth.into(),
            phone: i.phone,
            citizen_id: i.citizen_id,
            address: i.address.map(Into::into),
        }
    }
}

impl From<core::Profile> for Profile {
    fn from(p: core::Profile) -> Self {
        Self {
            id: p.id,
            relation: p.relation.into(),
            full_name: p.details.full_name,
            birth: p.details.birth.into(),
            phone: p.details.phone,
            citizen_id: p.details.citizen_id,
            address: p.details.address.map(Into::into),
            created_at: p.created_at.into(),
            updated_at: p.updated_at.into(),
        }
    }
}

/// The people on this phone.
#[derive(uniffi::Object)]
pub struct Profiles(pub(crate) core::Profiles);

#[uniffi::export(async_runtime = "tokio")]
impl Profiles {
    /// Validates and stores a new profile.
    pub async fn add(&self, input: ProfileInput) -> Result<Profile, ProfileError> {
        Ok(self.0.add(input.into()).await?.into())
    }

    /// Validates and replaces profile `id`.
    pub async fn update(&self, id: String, input: ProfileInput) -> Result<Profile, ProfileError> {
        Ok(self.0.update(&id, input.into()).await?.into())
    }

    /// Loads one profile.
    pub async fn get(&self, id: String) -> Result<Profile, ProfileError> {
        Ok(self.0.get(&id).await?.into())
    }

    /// Lists all profiles, the owner first.
    pub async fn list(&self) -> Result<Vec<Profile>, ProfileError> {
        Ok(self.0.list().await?.into_iter().map(Into::into).collect())
    }

    /// Deletes a profile and its personal data.
    pub async fn remove(&self, id: String) -> Result<(), ProfileError> {
        Ok(self.0.remove(&id).await?)
    }
}
