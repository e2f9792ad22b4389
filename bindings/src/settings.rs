//! Settings over the FFI.

use healthbook_core::settings as core;

use crate::error::SettingsError;

/// Display languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Language {
    /// Vietnamese.
    Vi,
    /// English.
    En,
}

impl From<core::Language> for Language {
    fn from(l: core::Language) -> Self {
        match l {
            core::Language::Vi => Self::Vi,
            core::Language::En => Self::En,
        }
    }
}

impl From<Language> for core::Language {
    fn from(l: Language) -> Self {
        match l {
            Language::Vi => Self::Vi,
            Language::En => Self::En,
        }
    }
}

/// App settings.
#[derive(uniffi::Object)]
pub struct Settings(pub(crate) core::Settings);

#[uniffi::export(async_runtime = "tokio")]
impl Settings {
    /// The display language.
    pub async fn language(&self) -> Result<Language, SettingsError> {
        Ok(self.0.language().await?.into())
    }

    /// Changes the display language.
    pub async fn set_language(&self, language: Language) -> Result<(), SettingsError> {
        Ok(self.0.set_language(language.into()).await?)
    }

    /// The configured server URL, if any.
    pub async fn server_url(&self) -> Result<Option<String>, SettingsError> {
        Ok(self.0.server_url().await?)
    }

    /// Sets or clears the server URL.
    pub async fn set_server_url(&self, url: Option<String>) -> Result<(), SettingsError> {
        Ok(self.0.set_server_url(url).await?)
    }

    /// The pinned root public key of the health authority (base64 SPKI DER), if any.
    pub async fn root_key(&self) -> Result<Option<String>, SettingsError> {
        Ok(self.0.root_key().await?)
    }

    /// Pins or clears the root public key that trust lists must be signed with.
    pub async fn set_root_key(&self, key: Option<String>) -> Result<(), SettingsError> {
        Ok(self.0.set_root_key(key).await?)
    }

    /// How many hours past the trust lists' next update the checkpoint's verdicts keep quiet about their age
    /// (48 unless changed); after that every verdict says `trust_list_stale`.
    pub async fn trust_max_age_hours(&self) -> Result<u32, SettingsError> {
        Ok(u32::try_from(self.0.trust_max_age().await?.num_hours()).unwrap_or(u32::MAX))
    }

    /// Changes the maximum trust-list age (1 to 720 hours); the next scan uses it.
    pub async fn set_trust_max_age_hours(&self, hours: u32) -> Result<(), SettingsError> {
        Ok(self.0.set_trust_max_age_hours(hours).await?)
    }
}
