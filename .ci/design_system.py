"""Vendor the NL Design System CSS from node_modules, or check the vendored copy.

`make design-system` runs `npm ci` (package-lock.json pins the versions) and then
this script, which copies the built CSS and the licences of the two packages under
examens/static/examens/vendor/nlds/ and writes VERSIONS.json (package, version,
SHA-256 of each copied file). `--check` compares the vendored copy with the lock
file and the files' hashes without node_modules (CI and tests/examens/test_look.py).

Run time serves only the vendored files (WhiteNoise): no npm and no CDN needed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "examens" / "static" / "examens" / "vendor" / "nlds"
# package -> files to copy (source path inside the package -> vendored name)
FILES: dict[str, dict[str, str]] = {
    "@utrecht/component-library-css": {
        "dist/index.css": "utrecht-components.css",
        "dist/html.css": "utrecht-html.css",
        "LICENSE.md": "LICENCE-utrecht-component-library-css.md",
    },
    "@nl-design-system-unstable/voorbeeld-design-tokens": {
        "dist/theme.css": "voorbeeld-theme.css",
        "LICENSE.md": "LICENCE-voorbeeld-design-tokens.md",
    },
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked_versions(root: Path = ROOT) -> dict[str, str]:
    lock = json.loads((root / "package-lock.json").read_text())
    return {name: lock["packages"][f"node_modules/{name}"]["version"] for name in FILES}


def vendor(root: Path = ROOT) -> None:
    target = root / VENDOR.relative_to(ROOT)
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict] = {}
    for package, files in FILES.items():
        source = root / "node_modules" / package
        version = json.loads((source / "package.json").read_text())["version"]
        hashes = {}
        for inside, name in files.items():
            shutil.copyfile(source / inside, target / name)
            hashes[name] = sha256(target / name)
        manifest[package] = {"version": version, "files": hashes}
    (target / "VERSIONS.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def problems(root: Path = ROOT) -> list[str]:
    """What differs between the vendored copy, its manifest and package-lock.json."""
    target = root / VENDOR.relative_to(ROOT)
    manifest_path = target / "VERSIONS.json"
    if not manifest_path.exists():
        return [f"{manifest_path} is missing: run `make design-system`"]
    manifest = json.loads(manifest_path.read_text())
    found = []
    for package, version in locked_versions(root).items():
        entry = manifest.get(package)
        if entry is None:
            found.append(f"{package}: not vendored")
            continue
        if entry["version"] != version:
            found.append(f"{package}: vendored {entry['version']}, locked {version}")
        for name in FILES[package].values():
            path = target / name
            if not path.exists():
                found.append(f"{package}: {name} missing")
            elif sha256(path) != entry["files"].get(name):
                found.append(f"{package}: {name} differs from the vendored release")
    return found


def main(argv: list[str]) -> int:
    if argv[1:] == ["--check"]:
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    vendor()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
