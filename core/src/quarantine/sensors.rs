//! The phone's sensors as the core sees them: one location fix and one radio scan, asked for only inside
//! [`super::Quarantine::enrol`] and [`super::Quarantine::check_in`], never otherwise (no continuous tracking).
//!
//! The shells implement these traits (Android: the fused location provider, `WifiManager`, a short Bluetooth LE
//! scan; the CLI: values from its flags). The calls may block for seconds (a GPS fix), so the core makes them on
//! the blocking pool. Raw Wi-Fi BSSIDs and Bluetooth addresses are hashed at once ([`hash_radio`]) and never
//! stored or sent.

use healthbook_protocol::quarantine::{radio_id_input, LocationFix, RadioEnvironment, MAX_RADIO_IDS};
use ring::digest;
use thiserror::Error;

/// Why a sensor gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SensorError {
    /// The person has not allowed the app to use it.
    #[error("permission denied")]
    PermissionDenied,
    /// Switched off or not present on this phone.
    #[error("unavailable")]
    Unavailable,
    /// No answer in time (no satellite fix indoors, a scan that never finished).
    #[error("timed out")]
    TimedOut,
}

/// The current location: one fix, taken when asked.
pub trait LocationSource: Send + Sync {
    /// One current fix (may block until the platform has one, or time out).
    fn current_fix(&self) -> Result<LocationFix, SensorError>;
}

/// What the radios see now, raw (hashed by the core before anything else happens to it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RadioScan {
    /// Wi-Fi access points' BSSIDs (`aa:bb:cc:dd:ee:ff`).
    pub wifi: Vec<String>,
    /// Bluetooth devices' addresses.
    pub bluetooth: Vec<String>,
}

/// Scans the radio environment once.
pub trait RadioScanner: Send + Sync {
    /// The Wi-Fi access points and Bluetooth devices seen now.
    fn scan(&self) -> Result<RadioScan, SensorError>;
}

/// The scan as hashed identifiers for `order_id` (the contract's [`radio_id_input`] and SHA-256), without
/// duplicates or blanks, sorted, at most [`MAX_RADIO_IDS`] of each kind.
pub fn hash_radio(order_id: &str, scan: &RadioScan) -> RadioEnvironment {
    let hash_all = |ids: &[String]| {
        let mut hashed: Vec<String> =
            ids.iter().filter(|id| !id.trim().is_empty()).map(|id| sha256_hex(radio_id_input(order_id, id).as_bytes())).collect();
        hashed.sort();
        hashed.dedup();
        hashed.truncate(MAX_RADIO_IDS);
        hashed
    };
    RadioEnvironment { wifi: hash_all(&scan.wifi), bluetooth: hash_all(&scan.bluetooth) }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    digest::digest(&digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_hashed_per_order_case_blind_and_deduplicated() {
        let scan = RadioScan { wifi: vec!["aa:bb:cc:dd:ee:01".into(), "AA:BB:CC:DD:EE:01".into(), " ".into()], bluetooth: vec![] };
        let one = hash_radio("o1", &scan);
        assert_eq!(one.wifi.len(), 1);
        assert_eq!(one.wifi[0], sha256_hex(b"healthbook-radio-v1|o1|AA:BB:CC:DD:EE:01"));
        assert_ne!(hash_radio("o2", &scan).wifi, one.wifi, "another order gives unrelated values");
        let many = RadioScan { wifi: (0..300).map(|i| format!("02:00:00:00:{:02x}:{:02x}", i / 256, i % 256)).collect(), bluetooth: vec![] };
        assert_eq!(hash_radio("o1", &many).wifi.len(), MAX_RADIO_IDS);
    }
}
