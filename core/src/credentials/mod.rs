//! Signed credentials (CWT in COSE_Sign1, zlib, Base45, a prefix per type) and the offline verifier.
//!
//! # Format
//! Every credential is `PREFIX` + Base45( zlib( COSE_Sign1( CWT claims ) ) ), the EU DCC container, so one
//! decoder serves EU DCCs (which Vietnam issues) and our own credentials:
//!
//! | prefix | type | payload claim | signer role |
//! |---|---|---|---|
//! | `HC1:` | EU DCC vaccination / test / recovery | -260 `hcert` → 1 (EU schema) | DCC document signer |
//! | `HB1:` | personal health pass (short-lived; compact: status and reasons as integers, no profile id) | -65537, `t = "pass"` | `authority` |
//! | `HS1:` | staff card | -65537, `t = "staff"` | `agency` |
//! | `HK1:` | control card ("kiểm soát"), for people without a smartphone | -65537, `t = "control"` | `authority` |
//! | `HP1:` | venue / gate poster | -65537, `t = "venue"` | `agency` or `authority` |
//!
//! Registered claims: `iss` (1), `exp` (4), `nbf` (5, optional), `iat` (6), `cti` (7, our credential id, the
//! revocation handle; random bytes for passes, read as hex). Our payload names its type inside the signature because the prefix is not signed.
//! Signing is ES256 (ring, raw r||s); verification also takes PS256 (salt 32) for EU DCC. The key id (COSE
//! header 4, protected wins over unprotected) is the first 8 bytes of SHA-256 over the signer certificate's DER
//! for EU DCC and over the SPKI DER for our keys; the algorithm must be in the protected header. COSE may be
//! tagged 18, untagged, or tagged 18 inside CWT tag 61. Each transport step refuses malformed input at its own
//! stage, with no fallback: the prefix is exact and case-sensitive and nothing is trimmed, zlib is mandatory.
//! `README.md` beside this file lists the stages and every deviation from the EU DCC specification.
//!
//! # Limits
//! QR text ≤ 8 KiB, inflated COSE ≤ 64 KiB (zip bombs stop there), CBOR nesting ≤ 16, trailing bytes refused
//! after the zlib stream and after each CBOR item.
//!
//! # Verification order
//! prefix → base45 → decompress → cbor → cose → unknown key → key id mismatch → signature → payload schema
//! (the signed claims) → wrong role → revoked → not yet valid / expired (key, then credential). Schema problems are
//! reported after the signature so that forged garbage reads as forged. The time is always passed in. A
//! credential is valid up to and including its `exp` second; `iat`/`nbf` may be up to five minutes ahead.
//! The verdict's validity covers authenticity and validity times only; business rules (a positive test, a
//! recovery's `du`) are left to the caller, who finds them in the payload summary.
//!
//! # Files
//! | file | holds |
//! |---|---|
//! | `container.rs` | prefixes, Base45, zlib with limits, COSE parsing, QR text encoding |
//! | `claims.rs` | CWT claims and CBOR helpers |
//! | `payload.rs` | our payloads: personal pass, staff card, control card, venue poster |
//! | `dcc.rs` | EU DCC payload: holder and entry summary |
//! | `issue.rs` | `CredentialSigner`: ES256 issuing from PKCS#8 |
//! | `verify.rs` | `decode`, `Verifier`, `Verdict` |
//! | `qr.rs` | PNG, SVG and Unicode rendering |
//! | `error.rs` | `CredentialError`, `FailedStage`, `StageError` |

mod cbor;
mod claims;
pub mod container;
mod dcc;
mod error;
mod issue;
mod payload;
pub mod qr;
mod verify;

pub use claims::CwtClaims;
pub use container::{CredentialType, MAX_CBOR_DEPTH, MAX_DECOMPRESSED_LEN, MAX_QR_TEXT_LEN};
pub use dcc::{DccEntry, DccSummary, DccType, TEST_DETECTED, TEST_NOT_DETECTED};
pub use error::{CredentialError, FailedStage, StageError};
pub use issue::{CredentialId, CredentialSigner};
pub use payload::{ControlCard, OwnPayload, PassStatus, PersonalPass, StaffCard, StatusReason, VenuePoster, pass_wire};
pub use qr::{ErrorCorrection, TerminalTheme, render_png, render_svg, render_unicode};
pub use crate::trust::store::{
    CheckpointTrustStore, KeyId, KeyRole, SignatureAlgorithm, TrustStore, TrustedKey, p256_spki_from_point,
};
pub use verify::{
    CredentialKind, DEFAULT_NOT_BEFORE_LEEWAY_SECS, DecodedCredential, Holder, PayloadSummary, Verdict, Verifier,
    decode,
};
