//! The guides under docs/guides can't drift from the product: every `healthbook ...` command a guide names
//! (in a code block or in inline code) answers `--help` and knows every `--option` the guide gives it, and every
//! screen a guide shows (an `images/<screen>-<vi|en>.png` picture or a `<!-- screen: NAME -->` marker) is one
//! the Compose screenshot test renders, with its picture committed. Each Vietnamese guide has an English twin
//! with the same section anchors, because the in-app help opens a section by anchor in either language.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Something a guide names, where it names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named {
    line: usize,
    what: Thing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Thing {
    /// The subcommand path after `healthbook` and the long options given to it.
    Command { path: Vec<String>, options: Vec<String> },
    /// A screen of the screenshot catalogue, and the picture file when named by one.
    Screen { name: String, picture: Option<String> },
}

/// Options of the binary itself, which come before the subcommands (those taking a value skip it).
const GLOBAL_OPTIONS: [(&str, bool); 3] = [("--data-dir", true), ("--server", true), ("--json", false)];

/// The subcommand path and long options of one `healthbook ...` command line, or None when the text after
/// `healthbook` is not a command (prose such as "healthbook app").
fn parse_command(line: &str) -> Option<Thing> {
    let mut words = line.split_whitespace();
    if words.next()? != "healthbook" {
        return None;
    }
    let mut path = Vec::new();
    let mut options = Vec::new();
    // Subcommands are lowercase words before any option or value; the first value (an id, a file, a code) ends them.
    let mut path_done = false;
    while let Some(word) = words.next() {
        // A comment, pipe or redirection ends what belongs to the command.
        if ["#", "|", ">", "<", "&&"].contains(&word) {
            break;
        }
        let name = word.split('=').next().unwrap_or(word);
        if let Some(&(_, takes_value)) = GLOBAL_OPTIONS.iter().find(|(global, _)| *global == name).filter(|_| path.is_empty()) {
            if takes_value && !word.contains('=') {
                words.next();
            }
            continue;
        }
        if name.starts_with("--") && name.len() > 2 {
            options.push(name.to_owned());
            path_done = true;
            continue;
        }
        let is_word = word.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !word.starts_with('-');
        if is_word && !path_done {
            path.push(word.to_owned());
        } else {
            path_done = true;
        }
    }
    if path.is_empty() {
        return None;
    }
    Some(Thing::Command { path, options })
}

/// Every command and screen a guide names, with its 1-based line.
fn named_in(text: &str) -> Vec<Named> {
    let mut found = Vec::new();
    let mut in_code = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            let command = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
            if let Some(thing) = parse_command(command) {
                found.push(Named { line, what: thing });
            }
            continue;
        }
        // Inline code spans.
        let mut rest = raw;
        while let Some(start) = rest.find('`') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('`') else { break };
            if let Some(thing) = parse_command(&after[..end]) {
                found.push(Named { line, what: thing });
            }
            rest = &after[end + 1..];
        }
        // Pictures of screens.
        let mut rest = raw;
        while let Some(start) = rest.find("](images/") {
            let after = &rest[start + "](images/".len()..];
            let Some(end) = after.find(')') else { break };
            let file = &after[..end];
            if let Some(stem) = file.strip_suffix(".png") {
                let name = ["-vi-font2", "-vi", "-en"].iter().find_map(|suffix| stem.strip_suffix(suffix)).unwrap_or(stem);
                found.push(Named { line, what: Thing::Screen { name: name.to_owned(), picture: Some(file.to_owned()) } });
            }
            rest = &after[end..];
        }
        // Screens named without a picture.
        if let Some(marker) = trimmed.strip_prefix("<!-- screen:").and_then(|m| m.strip_suffix("-->")) {
            found.push(Named { line, what: Thing::Screen { name: marker.trim().to_owned(), picture: None } });
        }
    }
    found
}

/// The screen names of `ScreenCatalog` in android/ui's ScreenshotsTest (`"name" to { ... }` entries).
fn catalog(kotlin: &str) -> BTreeSet<String> {
    let start = kotlin.find("object ScreenCatalog").expect("ScreenCatalog in ScreenshotsTest.kt");
    let end = kotlin[start..].find("class ScreenshotsTest").map_or(kotlin.len(), |e| start + e);
    kotlin[start..end]
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix('"')?;
            let (name, after) = rest.split_once('"')?;
            after.starts_with(" to {").then(|| name.to_owned())
        })
        .collect()
}

/// The section anchors (`<a id="..."></a>`) of a guide.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(start) = rest.find("<a id=\"") {
            let after = &rest[start + 7..];
            let Some(end) = after.find('"') else { break };
            found.insert(after[..end].to_owned());
            rest = &after[end..];
        }
    }
    found
}

/// Checks one guide's text; each problem names the guide and the line.
struct Checker {
    binary: PathBuf,
    data_dir: tempfile::TempDir,
    screens: BTreeSet<String>,
    pictures: PathBuf,
    helps: BTreeMap<Vec<String>, Result<String, String>>,
}

impl Checker {
    fn new(screens: BTreeSet<String>, pictures: PathBuf) -> Self {
        Checker { binary: env!("CARGO_BIN_EXE_healthbook").into(), data_dir: tempfile::tempdir().unwrap(), screens, pictures, helps: BTreeMap::new() }
    }

    /// `healthbook <path> --help`: its text, or why it failed.
    fn help(&mut self, path: &[String]) -> &Result<String, String> {
        let binary = self.binary.clone();
        let data_dir = self.data_dir.path().to_path_buf();
        self.helps.entry(path.to_vec()).or_insert_with(|| {
            let out = Command::new(&binary)
                .arg("--data-dir")
                .arg(&data_dir)
                .args(path)
                .arg("--help")
                .env_remove("HEALTHBOOK_SERVER")
                .output()
                .expect("the healthbook binary runs");
            if out.status.success() {
                Ok(String::from_utf8_lossy(&out.stdout).into_owned())
            } else {
                Err(String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("").to_owned())
            }
        })
    }

    fn check(&mut self, guide: &str, text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for Named { line, what } in named_in(text) {
            match what {
                Thing::Command { path, options } => {
                    let shown = format!("healthbook {}", path.join(" "));
                    match self.help(&path).clone() {
                        Err(why) => problems.push(format!("{guide}:{line}: `{shown}` is not a command ({why})")),
                        Ok(help) => {
                            for option in options {
                                let known = help.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).any(|w| w == option);
                                if !known && option != "--help" {
                                    problems.push(format!("{guide}:{line}: `{shown}` has no option {option}"));
                                }
                            }
                        }
                    }
                }
                Thing::Screen { name, picture } => {
                    if !self.screens.contains(&name) {
                        problems.push(format!("{guide}:{line}: screen `{name}` is not among the screenshots ScreenshotsTest renders"));
                    }
                    if let Some(file) = picture.filter(|file| !self.pictures.join(file).is_file()) {
                        problems.push(format!("{guide}:{line}: picture images/{file} is not committed (scripts/screenshots.sh writes it)"));
                    }
                }
            }
        }
        problems
    }
}

fn guides() -> Vec<(String, String)> {
    let dir = root().join("docs/guides");
    let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("docs/guides")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .map(|path| (format!("docs/guides/{}", path.file_name().unwrap().to_string_lossy()), std::fs::read_to_string(&path).unwrap()))
        .collect();
    found.sort();
    found
}

fn real_catalog() -> BTreeSet<String> {
    catalog(&std::fs::read_to_string(root().join("android/ui/src/test/kotlin/org/healthbook/ui/ScreenshotsTest.kt")).unwrap())
}

#[test]
fn every_command_and_screen_the_guides_name_exists() {
    let screens = real_catalog();
    assert!(screens.len() > 20, "the catalogue parses: {screens:?}");
    let mut checker = Checker::new(screens, root().join("docs/guides/images"));
    let guides = guides();
    let roles = ["citizen", "volunteer", "agency-admin", "gate-operator", "health-officer", "lab"];
    for role in roles {
        for language in ["vi", "en"] {
            let name = format!("docs/guides/{role}.{language}.md");
            assert!(guides.iter().any(|(g, _)| *g == name), "{name} is missing");
        }
    }
    let mut problems = Vec::new();
    let mut commands = 0;
    for (guide, text) in &guides {
        commands += named_in(text).iter().filter(|n| matches!(n.what, Thing::Command { .. })).count();
        problems.extend(checker.check(guide, text));
    }
    assert!(commands > 50, "the guides name commands ({commands} found)");
    assert!(problems.is_empty(), "the guides name what doesn't exist:\n{}", problems.join("\n"));
}

#[test]
fn each_vietnamese_guide_has_an_english_twin_with_the_same_sections() {
    let guides: BTreeMap<String, String> = guides().into_iter().collect();
    for (name, text) in &guides {
        let Some(stem) = name.strip_suffix(".vi.md") else { continue };
        let twin = format!("{stem}.en.md");
        let english = guides.get(&twin).unwrap_or_else(|| panic!("{twin} is missing"));
        assert!(!anchors(text).is_empty(), "{name} has section anchors");
        assert_eq!(anchors(text), anchors(english), "{name} and {twin} have the same section anchors");
    }
}

#[test]
fn the_checker_fails_naming_the_guide_and_line_of_a_removed_command_or_screen() {
    let screens: BTreeSet<String> = ["pass-green".to_owned()].into();
    let pictures = tempfile::tempdir().unwrap();
    std::fs::write(pictures.path().join("pass-green-en.png"), b"png").unwrap();
    let mut checker = Checker::new(screens, pictures.path().to_path_buf());
    let guide = "# Guide\n\
        Run `healthbook doctor --lang en` first.\n\
        ```\n\
        $ healthbook --json agency roster import staff.csv --accept\n\
        $ healthbook agency frobnicate --all\n\
        ```\n\
        Then `healthbook gate scan in --no-such-option -`.\n\
        ![pass](images/pass-green-en.png) ![gone](images/pass-purple-en.png)\n\
        <!-- screen: pass-green -->\n";
    let problems = checker.check("docs/guides/sample.en.md", guide);
    assert_eq!(
        problems,
        vec![
            "docs/guides/sample.en.md:5: `healthbook agency frobnicate` is not a command (error: unrecognized subcommand 'frobnicate')".to_owned(),
            "docs/guides/sample.en.md:7: `healthbook gate scan in` has no option --no-such-option".to_owned(),
            "docs/guides/sample.en.md:8: screen `pass-purple` is not among the screenshots ScreenshotsTest renders".to_owned(),
            "docs/guides/sample.en.md:8: picture images/pass-purple-en.png is not committed (scripts/screenshots.sh writes it)".to_owned(),
        ]
    );
    // The same guide with every name real passes.
    let fixed = guide.replace("agency frobnicate --all", "agency cards revoke").replace(" --no-such-option", "").replace(" ![gone](images/pass-purple-en.png)", "");
    assert_eq!(checker.check("docs/guides/sample.en.md", &fixed), Vec::<String>::new());
}

#[test]
fn commands_are_read_from_code_blocks_and_inline_code_only() {
    let text = "The healthbook app is free.\n`healthbook pass show P1`\n```\nhealthbook --server https://x vaccine lists coverage --commune 26734\n```\n";
    let named = named_in(text);
    assert_eq!(
        named,
        vec![
            Named { line: 2, what: Thing::Command { path: vec!["pass".into(), "show".into()], options: vec![] } },
            Named { line: 4, what: Thing::Command { path: vec!["vaccine".into(), "lists".into(), "coverage".into()], options: vec!["--commune".into()] } },
        ]
    );
    assert_eq!(catalog("object ScreenCatalog {\n  \"a-b\" to { X() },\n  \"c\" to {\n}\nclass ScreenshotsTest {\n \"z\" to {"), ["a-b".to_owned(), "c".to_owned()].into());
}

/// The `"screen": HelpTopic(guide: "g", anchor: "a")` entries of the iOS help table.
fn swift_topics(swift: &str) -> Vec<(String, String, String)> {
    swift
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let (screen, rest) = line.strip_prefix('"')?.split_once("\": HelpTopic(guide: \"")?;
            let (guide, rest) = rest.split_once("\", anchor: \"")?;
            let (anchor, _) = rest.split_once('"')?;
            Some((screen.to_owned(), guide.to_owned(), anchor.to_owned()))
        })
        .collect()
}

#[test]
fn every_ios_help_entry_opens_an_existing_section_in_both_languages() {
    // No Swift toolchain runs here, so the iOS table is read as text (android/ui's HelpTest covers Kotlin's).
    let help = std::fs::read_to_string(root().join("ios/App/Help/HelpView.swift")).unwrap();
    let topics = swift_topics(&help);
    assert!(topics.len() > 10, "the iOS help table parses: {topics:?}");
    let screens = real_catalog();
    let guides: BTreeMap<String, String> = guides().into_iter().collect();
    for (screen, guide, anchor) in &topics {
        assert!(screens.contains(screen), "iOS help names screen {screen}, which ScreenshotsTest doesn't render");
        for language in ["vi", "en"] {
            let name = format!("docs/guides/{guide}.{language}.md");
            let text = guides.get(&name).unwrap_or_else(|| panic!("{screen}: {name} is missing"));
            assert!(anchors(text).contains(anchor), "{screen}: {name} has no section #{anchor}");
        }
    }
    // Every help entry the app's views carry names a screen of the table.
    let mut entries = 0;
    for dir in ["ios/App", "ios/App/Settings"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "swift") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split(".helpEntry(\"").skip(1) {
                let screen = part.split('"').next().unwrap();
                assert!(topics.iter().any(|(s, _, _)| s == screen), "{}: .helpEntry(\"{screen}\") has no topic", path.display());
                entries += 1;
            }
        }
    }
    assert!(entries >= 10, "the iOS screens carry help entries ({entries} found)");
}
