//! One wire contract: every request and response body, role enum, key type and status enum is defined once, in
//! `protocol/src`. This test reads the sources of the crates that talk over the wire and fails when one of them
//! defines a type with a protocol type's name again, or an enum with the same variants under another name (the
//! way the server's `Status` once copied the pass colour).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Folders whose definitions must not repeat the protocol's.
const SCANNED: [&str; 4] = ["core/src", "server/src", "bindings/src", "cli/src"];

/// Definitions allowed to share a protocol name, each a UniFFI mirror record: UniFFI can only export types the
/// bindings crate defines with `uniffi::Record`/`uniffi::Enum`, so the FFI needs its own copy, converted from the
/// protocol type in one `From` impl beside it. (file, type, why)
const FFI_MIRRORS: [(&str, &str, &str); 21] = [
    ("bindings/src/persons.rs", "BindingMethod", "uniffi::Enum mirror of persons::BindingMethod for Kotlin and Swift"),
    ("bindings/src/persons.rs", "BoundPerson", "uniffi::Record mirror of persons::BoundPerson (timestamps as FFI types)"),
    ("bindings/src/persons.rs", "OtherDevice", "uniffi::Record mirror of persons::OtherDevice (timestamps as FFI types)"),
    ("bindings/src/settings.rs", "Language", "uniffi::Enum mirror of language::Language for Kotlin and Swift"),
    ("bindings/src/results.rs", "SampleCodeKind", "uniffi::Enum mirror of results::SampleCodeKind for Kotlin and Swift"),
    ("bindings/src/checkin.rs", "ExposureAdvice", "uniffi::Enum mirror of checkin::ExposureAdvice for Kotlin and Swift"),
    ("bindings/src/gate.rs", "GateVerdict", "uniffi::Enum mirror of checkin::GateVerdict for Kotlin and Swift"),
    ("bindings/src/gate.rs", "PassageReason", "uniffi::Enum mirror of checkin::PassageReason for Kotlin and Swift"),
    ("bindings/src/gate.rs", "ScannedCard", "uniffi::Enum mirror of checkin::ScannedCard for Kotlin and Swift"),
    ("bindings/src/volunteers.rs", "ConsentMethod", "uniffi::Enum mirror of volunteers::ConsentMethod for Kotlin and Swift"),
    // Prefixed: the Kotlin wrapper has its own `InvitationState` for the screens, in the same app.
    ("bindings/src/vaccination.rs", "VaccinationInvitationState", "uniffi::Enum mirror of vaccination::InvitationState for Kotlin and Swift"),
    ("bindings/src/vaccination.rs", "VaccinationDoseSource", "uniffi::Enum mirror of volunteers::DoseSource for Kotlin and Swift"),
    ("bindings/src/quarantine.rs", "QuarantineFixSource", "uniffi::Enum mirror of quarantine::FixSource for Kotlin and Swift"),
    ("bindings/src/quarantine.rs", "QuarantineOrderState", "uniffi::Enum mirror of quarantine::OrderState for Kotlin and Swift"),
    ("bindings/src/quarantine.rs", "QuarantineVerdict", "uniffi::Enum mirror of quarantine::QuarantineVerdict for Kotlin and Swift"),
    ("bindings/src/quarantine.rs", "QuarantineVerdictReason", "uniffi::Enum mirror of quarantine::VerdictReason for Kotlin and Swift"),
    ("bindings/src/quarantine.rs", "QuarantineCaseState", "uniffi::Enum mirror of quarantine::CaseState for Kotlin and Swift"),
    ("bindings/src/quarantine.rs", "QuarantineExplanationReason", "uniffi::Enum mirror of quarantine::ExplanationReason for Kotlin and Swift"),
    ("bindings/src/quarantine.rs", "QuarantineDecision", "uniffi::Enum mirror of quarantine::DecisionOutcome for Kotlin and Swift"),
    // Prefixed: the Kotlin wrapper has its own `QaCategory` and `QuestionKind` for the screens.
    ("bindings/src/hotline.rs", "HotlineCategory", "uniffi::Enum mirror of hotline::QaCategory for Kotlin and Swift"),
    ("bindings/src/hotline.rs", "HotlineQuestionKind", "uniffi::Enum mirror of hotline::QuestionKind for Kotlin and Swift"),
];

/// A `struct` or `enum` definition found in a source file.
#[derive(Debug, Clone)]
struct Definition {
    file: String,
    line: usize,
    name: String,
    /// The unit variants of an enum (empty for structs and data-carrying enums).
    variants: BTreeSet<String>,
    /// Whether the derive attributes just above it make it a UniFFI record or enum.
    uniffi: bool,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace").to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The name after `struct`/`enum` when `line` defines one (any visibility), with the keyword.
fn defined_name(line: &str) -> Option<(&'static str, String)> {
    let mut rest = line.trim_start();
    if rest.starts_with("//") {
        return None;
    }
    if let Some(after) = rest.strip_prefix("pub") {
        rest = after.trim_start();
        if rest.starts_with('(') {
            rest = rest[rest.find(')')? + 1..].trim_start();
        }
    }
    let (keyword, after) = if let Some(after) = rest.strip_prefix("struct ") {
        ("struct", after)
    } else if let Some(after) = rest.strip_prefix("enum ") {
        ("enum", after)
    } else {
        return None;
    };
    let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some((keyword, name))
}

/// The unit variants of the enum whose body starts after line `start`; empty if any variant carries data.
fn unit_variants(lines: &[&str], start: usize) -> BTreeSet<String> {
    let mut variants = BTreeSet::new();
    for line in &lines[start + 1..] {
        let text = line.trim();
        if text.starts_with('}') {
            return variants;
        }
        if text.is_empty() || text.starts_with("//") || text.starts_with('#') {
            continue;
        }
        let name: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() || !(text == format!("{name},") || text == name) {
            // A variant with fields, a discriminant or a nested body: not a plain list of names.
            return BTreeSet::new();
        }
        variants.insert(name);
    }
    variants
}

fn definitions(root: &Path, dir: &str) -> Vec<Definition> {
    let mut files = Vec::new();
    rust_files(&root.join(dir), &mut files);
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let lines: Vec<&str> = text.lines().collect();
        let file = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        for (index, line) in lines.iter().enumerate() {
            let Some((keyword, name)) = defined_name(line) else { continue };
            // The attributes right above the definition (doc comments and derives), up to the previous item.
            let attributes = lines[..index]
                .iter()
                .rev()
                .take_while(|l| {
                    let t = l.trim_start();
                    t.starts_with('#') || t.starts_with("///") || t.starts_with(')') || t.starts_with("//")
                })
                .copied()
                .collect::<Vec<_>>()
                .join("\n");
            let uniffi = attributes.contains("uniffi::Record") || attributes.contains("uniffi::Enum");
            let variants = if keyword == "enum" { unit_variants(&lines, index) } else { BTreeSet::new() };
            found.push(Definition { file: file.clone(), line: index + 1, name, variants, uniffi });
        }
    }
    found
}

fn is_ffi_mirror(definition: &Definition) -> bool {
    definition.uniffi && FFI_MIRRORS.iter().any(|(file, name, _)| *file == definition.file && *name == definition.name)
}

#[test]
fn no_wire_type_is_defined_twice() {
    let root = workspace_root();
    let protocol: BTreeMap<String, Definition> =
        definitions(&root, "protocol/src").into_iter().map(|d| (d.name.clone(), d)).collect();
    for name in ["Role", "IssuerRole", "IssuerKey", "KeyScope", "PassStatus", "StatusReason", "ErrorCode", "ErrorResponse", "IdKind"] {
        assert!(protocol.contains_key(name), "the protocol defines {name}");
    }
    let mut repeated = Vec::new();
    for dir in SCANNED {
        for definition in definitions(&root, dir) {
            if is_ffi_mirror(&definition) {
                continue;
            }
            if protocol.contains_key(&definition.name) {
                repeated.push(format!("{}:{} defines {} again", definition.file, definition.line, definition.name));
                continue;
            }
            // Three or more names are a copy, not a coincidence (two-valued enums like yes/no are common).
            if definition.variants.len() >= 3
                && let Some(original) = protocol.values().find(|p| p.variants == definition.variants)
            {
                repeated.push(format!(
                    "{}:{} defines {} with the variants of the protocol's {}",
                    definition.file, definition.line, definition.name, original.name
                ));
            }
        }
    }
    assert!(repeated.is_empty(), "use the healthbook_protocol types instead:\n{}", repeated.join("\n"));
}

#[test]
fn every_listed_ffi_mirror_exists_and_is_a_uniffi_type() {
    // A stale exclusion would hide a real copy if a type of that name came back without UniFFI.
    let root = workspace_root();
    let bindings = definitions(&root, "bindings/src");
    for (file, name, why) in FFI_MIRRORS {
        let found = bindings.iter().find(|d| d.file == file && d.name == name);
        assert!(found.is_some_and(|d| d.uniffi), "{file} {name} ({why}) is a uniffi::Record or uniffi::Enum");
    }
}

#[test]
fn the_scanner_finds_definitions_and_copies() {
    // The scan itself, on a known text: a copy under the same name, a renamed copy of the variants, a mirror.
    assert_eq!(defined_name("pub(crate) enum Role {"), Some(("enum", "Role".to_owned())));
    assert_eq!(defined_name("    struct Body<'a> {"), Some(("struct", "Body".to_owned())));
    assert_eq!(defined_name("// struct Commented"), None);
    let lines = ["pub enum Status {", "    /// Fine.", "    Green,", "    Yellow,", "    Red,", "}"];
    assert_eq!(unit_variants(&lines, 0), ["Green", "Red", "Yellow"].into_iter().map(str::to_owned).collect());
    let data = ["enum Scope {", "    National,", "    Province(String),", "}"];
    assert!(unit_variants(&data, 0).is_empty());
}
