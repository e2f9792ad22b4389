#!/usr/bin/env python3
"""Checks the hand-written Swift of ios/ without a Swift toolchain (none can be installed on Linux CI):

1. syntax: every tracked .swift file parses without error nodes with the tree-sitter Swift grammar;
2. binding surface: every name the hand-written code uses on the generated bindings
   (ios/Sources/HealthbookCore/healthbook.swift) exists there: methods called on values of a generated class
   or protocol type (with their argument labels), enum and error cases, struct initialisers' labels, and
   top-level functions called as `HealthbookCore.f(...)`. The generated file is read with regular expressions:
   the grammar reports errors in it (`@_documentation` inside `#if swift(>=5.8)` blocks);
3. strings: every String Catalog key the app uses exists in ios/App/Localizable.xcstrings in vi and en.

`--self-test` plants a syntax error, a call to a missing binding name and a missing key in temporary copies
and checks that each check fails on its planted error (and passes on the real files).
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "ios/Sources/HealthbookCore/healthbook.swift"
CATALOG = ROOT / "ios/App/Localizable.xcstrings"


def tracked_swift_files():
    out = subprocess.run(["git", "ls-files", "*.swift"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [ROOT / line for line in out.splitlines() if line and (ROOT / line).exists()]


# --- 1. syntax -------------------------------------------------------------------------------------------

def syntax_errors(files):
    import tree_sitter_swift
    from tree_sitter import Language, Parser

    parser = Parser(Language(tree_sitter_swift.language()))
    problems = []
    for path in files:
        tree = parser.parse(path.read_bytes())
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            if node.type == "ERROR" or node.is_missing:
                what = "missing " + node.type if node.is_missing else "syntax error"
                problems.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.start_point[0] + 1}: {what}")
                continue
            stack.extend(node.children)
    return problems


# --- 2. binding surface ----------------------------------------------------------------------------------

def split_top_level(text):
    """Splits an argument or parameter list at commas outside brackets, parentheses and strings."""
    parts, depth, current, in_string = [], 0, [], False
    for ch in text:
        if ch == '"':
            in_string = not in_string
        if not in_string:
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append("".join(current))
                current = []
                continue
        current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current))
    return [p.strip() for p in parts]


def param_labels(params):
    labels = []
    for p in split_top_level(params):
        m = re.match(r"(\w+)(?:\s+\w+)?\s*:", p)
        if m:
            labels.append(None if m.group(1) == "_" else m.group(1))
    return tuple(labels)


def balanced(text, start):
    """The text between the parenthesis at `start` and its partner, or None."""
    depth, in_string = 0, False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == '"' and text[i - 1] != "\\":
            in_string = not in_string
        if in_string:
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return None


def blocks(source, pattern):
    """(name, body) of every top-level declaration matching `pattern`, up to its closing brace at column 0."""
    result = {}
    for m in re.finditer(pattern, source, re.M):
        end = source.find("\n}", m.end())
        result.setdefault(m.group(1), "")
        result[m.group(1)] += source[m.end():end if end >= 0 else len(source)]
    return result


class Surface:
    """The declared names of the generated bindings."""

    def __init__(self, source):
        # Doc comments sit between the parameters of generated initialisers.
        source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
        self.methods = {}  # type -> name -> set of label tuples
        for kind in (r"^open class (\w+)\b", r"^public protocol (\w+)\b"):
            for name, body in blocks(source, kind).items():
                table = self.methods.setdefault(name, {})
                for f in re.finditer(r"\bfunc (\w+)\s*\(", body):
                    params = balanced(body, f.end() - 1) or ""
                    table.setdefault(f.group(1), set()).add(param_labels(params))
        # `class Profiles: ProfilesProtocol`: the class has its protocol's methods, and vice versa.
        for name in list(self.methods):
            if name + "Protocol" in self.methods:
                merged = {**self.methods[name + "Protocol"], **self.methods[name]}
                self.methods[name] = self.methods[name + "Protocol"] = merged
        self.cases = {}
        for name, body in blocks(source, r"^(?:public )?enum (\w+)\b").items():
            self.cases[name] = set(re.findall(r"^\s*case\s+(\w+)", body, re.M)) | set(re.findall(r"\bstatic (?:func|var|let) (\w+)", body))
        self.inits = {}
        self.fields = {}
        for name, body in blocks(source, r"^public struct (\w+)\b").items():
            if name.startswith("FfiConverter"):
                continue
            self.fields[name] = set(re.findall(r"public (?:var|let) (\w+)", body))
            for f in re.finditer(r"public init\s*\(", body):
                self.inits.setdefault(name, set()).add(param_labels(balanced(body, f.end() - 1) or ""))
        self.functions = {}
        for f in re.finditer(r"^public func (\w+)\s*\(", source, re.M):
            if not f.group(1).startswith("FfiConverter"):
                self.functions.setdefault(f.group(1), set()).add(param_labels(balanced(source, f.end() - 1) or ""))


# SwiftUI names that the generated bindings also declare would be ambiguous; the list holds those worth checking.
SWIFTUI_NAMES = {"Binding", "Text", "Image", "Label", "Section", "Form", "Color", "State", "Environment", "Settings"}


def call_labels(args):
    labels = []
    for a in split_top_level(args):
        m = re.match(r"(\w+)\s*:(?!:)", a)
        labels.append(m.group(1) if m else None)
    return tuple(labels)


def surface_errors(files, generated_source):
    surface = Surface(generated_source)
    problems = []
    for path in files:
        text = path.read_text()
        # Comments may name things freely.
        code = re.sub(r"//[^\n]*", "", text)
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path

        def line(pos):
            return code.count("\n", 0, pos) + 1

        # A generated type named like a SwiftUI one (Binding) is ambiguous in a file that imports both.
        if re.search(r"^import SwiftUI", code, re.M):
            for clash in sorted(SWIFTUI_NAMES & (set(surface.inits) | set(surface.cases) | set(surface.methods))):
                for m in re.finditer(r"(?<![\w.])@?" + clash + r"\b", code):
                    problems.append(f"{where}:{line(m.start())}: '{clash}' is ambiguous (SwiftUI and the bindings): write SwiftUI.{clash} or HealthbookCore.{clash}")
        typed = {}
        for m in re.finditer(r"\b(\w+)\s*:\s*(\w+)\b(?!\s*[(.<])", code):
            if m.group(2) in surface.methods:
                typed[m.group(1)] = m.group(2)
        for var, typ in typed.items():
            for c in re.finditer(r"(?<![\w.])" + re.escape(var) + r"\.(\w+)\s*\(", code):
                name = c.group(1)
                overloads = surface.methods[typ].get(name)
                if overloads is None:
                    problems.append(f"{where}:{line(c.start())}: {typ} has no method '{name}' in the generated bindings")
                    continue
                labels = call_labels(balanced(code, c.end() - 1) or "")
                if labels not in overloads:
                    problems.append(f"{where}:{line(c.start())}: {typ}.{name} takes labels {sorted(overloads)}, called with {labels}")
        for m in re.finditer(r"(?<![\w.])(\w+)\.(\w+)\b", code):
            typ, name = m.groups()
            if typ in surface.cases and name not in surface.cases[typ] and name not in ("self", "allCases", "init"):
                problems.append(f"{where}:{line(m.start())}: {typ} has no case '{name}' in the generated bindings")
        for m in re.finditer(r"(?<![\w.])(\w+)\s*\(", code):
            typ = m.group(1)
            if typ in surface.inits:
                labels = call_labels(balanced(code, m.end() - 1) or "")
                if labels not in surface.inits[typ]:
                    problems.append(f"{where}:{line(m.start())}: {typ}(...) takes labels {sorted(surface.inits[typ])}, called with {labels}")
        for m in re.finditer(r"\bHealthbookCore\.(\w+)\s*\(", code):
            name = m.group(1)
            if name not in surface.functions:
                problems.append(f"{where}:{line(m.start())}: no top-level function '{name}' in the generated bindings")
            elif call_labels(balanced(code, m.end() - 1) or "") not in surface.functions[name]:
                problems.append(f"{where}:{line(m.start())}: {name} called with other labels than {sorted(surface.functions[name])}")
    return problems


# --- 3. strings -------------------------------------------------------------------------------------------

KEY = re.compile(r'(?<!systemImage: )"([a-z][A-Za-z]*\.[a-z][A-Za-z]*)((?: \\\((?:[^()]|\([^()]*\))*\))*)"')


def string_errors(files, catalog):
    strings = catalog["strings"]
    problems = []
    for path in files:
        for m in KEY.finditer(path.read_text()):
            key, interpolations = m.groups()
            count = interpolations.count("\\(")
            candidates = [key] if count == 0 else [key + " " + " ".join([fmt] * count) for fmt in ("%lld", "%@")]
            found = next((c for c in candidates if c in strings), None)
            if found is None:
                problems.append(f"{path.name}: key '{candidates[0]}' is not in Localizable.xcstrings")
                continue
            langs = strings[found].get("localizations", {})
            for lang in ("vi", "en"):
                if not langs.get(lang, {}).get("stringUnit", {}).get("value"):
                    problems.append(f"{path.name}: key '{found}' has no {lang} text")
    return problems


def app_files(files):
    return [f for f in files if "ios/App/" in str(f)]


def run(files, generated_source, catalog):
    failures = 0
    for title, problems in (
        ("syntax (tree-sitter Swift)", syntax_errors(files)),
        ("binding surface", surface_errors(files, generated_source)),
        ("String Catalog keys", string_errors(app_files(files), catalog)),
    ):
        if problems:
            failures += 1
            print(f"FAIL {title}:")
            for p in problems:
                print("  " + p)
        else:
            print(f"ok   {title}: {len(files)} files")
    return failures


def self_test(files, generated_source, catalog):
    """Each check must fail on its planted error and pass on the real files."""
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "ios/App/Broken.swift"
        broken.parent.mkdir(parents=True)
        broken.write_text("struct Broken {\n    func f( {\n}\n")
        ok &= expect("planted syntax error", syntax_errors([broken]), True)
        call = Path(tmp) / "ios/App/Call.swift"
        call.write_text(
            "final class Uses {\n    private let passes: Passes\n    init(passes: Passes) { self.passes = passes }\n"
            "    func go() async throws { _ = try await passes.refreshEverything(profileId: \"p\") }\n}\n"
        )
        ok &= expect("planted call to a missing binding name", surface_errors([call], generated_source), True)
        label = Path(tmp) / "ios/App/Label.swift"
        label.write_text(
            "final class Uses {\n    private let passes: Passes\n    init(passes: Passes) { self.passes = passes }\n"
            "    func go() async throws { _ = try await passes.refresh(profile: \"p\") }\n}\n"
        )
        ok &= expect("planted call with a wrong argument label", surface_errors([label], generated_source), True)
        case = Path(tmp) / "ios/App/Case.swift"
        case.write_text("let l = Language.french\n")
        ok &= expect("planted missing enum case", surface_errors([case], generated_source), True)
        key = Path(tmp) / "ios/App/Key.swift"
        key.write_text('import SwiftUI\nlet t = Text("pass.noSuchKey")\n')
        ok &= expect("planted missing String Catalog key", string_errors([key], catalog), True)
    ok &= expect("real files, syntax", syntax_errors(files), False)
    ok &= expect("real files, binding surface", surface_errors(files, generated_source), False)
    ok &= expect("real files, keys", string_errors(app_files(files), catalog), False)
    return ok


def expect(what, problems, should_fail):
    if bool(problems) == should_fail:
        print(f"ok   self-test: {what} {'fails' if should_fail else 'passes'}")
        return True
    print(f"FAIL self-test: {what} {'did not fail' if should_fail else 'failed: ' + '; '.join(problems)}")
    return False


def main():
    if not GENERATED.exists():
        print(f"{GENERATED.relative_to(ROOT)} is missing: run scripts/gen-bindings.sh first", file=sys.stderr)
        return 2
    files = tracked_swift_files()
    generated_source = GENERATED.read_text()
    catalog = json.loads(CATALOG.read_text())
    if "--self-test" in sys.argv:
        return 0 if self_test(files, generated_source, catalog) else 1
    return 1 if run(files, generated_source, catalog) else 0


if __name__ == "__main__":
    sys.exit(main())
