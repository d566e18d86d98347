"""pip-audit over the virtualenv's installed dependencies, with a verdict a person can read.

Runs `pip-audit --skip-editable --format json` (PyPI's advisory data, the default
vulnerability service) and prints every vulnerability found, then one line:
how many dependencies were audited, how many could not be, and why. A
dependency pip-audit could not look up is never counted as clean.

Exit status: 1 when a vulnerability is found that IGNORED does not explain; with
--strict also when any dependency could not be audited (pip-audit prints "not found
on PyPI" when the advisory service does not answer for it); 0 otherwise.

    .venv/bin/python .ci/pip_audit.py [--strict]
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess  # runs pip-audit itself, a fixed command  # nosec B404
import sys

# Vulnerabilities accepted on purpose: id -> why it does not apply here. Every entry
# needs its reason; remove it when the dependency is upgraded.
IGNORED: dict[str, str] = {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--strict", action="store_true", help="fail when a dependency could not be audited"
    )
    args = parser.parse_args()
    command = [sys.executable, "-m", "pip_audit", "--skip-editable", "--format", "json"]
    command += ["--progress-spinner", "off"]
    for vuln_id in sorted(IGNORED):
        command += ["--ignore-vuln", vuln_id]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        print(completed.stdout + completed.stderr, file=sys.stderr)
        print(f"pip-audit: failed (exit {completed.returncode}), no report", file=sys.stderr)
        return 1
    # Our own project is installed editable and is not on PyPI: not a dependency.
    dependencies = [
        d for d in report.get("dependencies", []) if "editable" not in d.get("skip_reason", "")
    ]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    found = [(d, v) for d in audited for v in d.get("vulns", []) if v["id"] not in IGNORED]
    for dependency, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} ({fixes})")
    for vuln_id, reason in sorted(IGNORED.items()):
        print(f"ignored {vuln_id}: {reason}")
    reasons = collections.Counter(_reason(d["skip_reason"]) for d in skipped)
    for reason, count in reasons.most_common():
        examples = ", ".join(d["name"] for d in skipped if _reason(d["skip_reason"]) == reason)
        print(f"NOT AUDITED ({count}): {reason}: {examples[:300]}")
    print(
        f"pip-audit: {len(audited)} of {len(dependencies)} dependencies audited, "
        f"{len(found)} vulnerable, {len(skipped)} could not be audited"
        + ("" if not skipped or args.strict else " (not --strict: not a failure)")
    )
    if found:
        return 1
    return 1 if args.strict and skipped else 0


def _reason(text: str) -> str:
    """The skip reason without the dependency's own name and version."""
    return text.split(":")[0].strip()


if __name__ == "__main__":
    sys.exit(main())
