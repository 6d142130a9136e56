"""Fail on known vulnerabilities of the installed Python packages.

Run with the project's interpreter: `.venv/bin/python tools/dependency_audit.py`.

The data comes from PyPI's JSON API, whose project document lists the known
vulnerabilities (OSV advisories) of the project's newest release. pip-audit
asks PyPI per installed version (`/pypi/NAME/VERSION/json`) or OSV, neither of
which this network reaches; so this audit can judge a package only when the
installed version is the newest release, which is what a fresh install
resolves to unless a constraint holds it back. Packages held back are listed
as not audited (with the newest version), so the gap is visible, never silent.

Exit status: 0 when no audited package has a known vulnerability, 1 when one
has (each named with its advisory ids and fixed versions), 2 when PyPI cannot
be asked at all.
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import distributions
from typing import Any

PYPI = "https://pypi.org/pypi/{name}/json"


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]


@dataclass
class Finding:
    name: str
    installed: str
    newest: str | None = None
    advisories: list[Advisory] = field(default_factory=list)
    error: str | None = None

    @property
    def audited(self) -> bool:
        return self.error is None and self.newest == self.installed


def advisories_of(document: dict[str, Any]) -> list[Advisory]:
    """The advisories of a PyPI project document that are not withdrawn."""
    return [
        Advisory(
            id=str(v.get("id")),
            aliases=tuple(v.get("aliases") or ()),
            fixed_in=tuple(v.get("fixed_in") or ()),
        )
        for v in document.get("vulnerabilities") or ()
        if not v.get("withdrawn")
    ]


def check(name: str, installed: str, timeout: float) -> Finding:
    finding = Finding(name=name, installed=installed)
    try:
        with urllib.request.urlopen(PYPI.format(name=name), timeout=timeout) as response:
            document = json.load(response)
    except urllib.error.HTTPError as err:
        finding.error = f"PyPI answered {err.code}"
        return finding
    except (urllib.error.URLError, TimeoutError, ValueError) as err:
        finding.error = f"PyPI could not be asked: {err}"
        return finding
    finding.newest = str(document.get("info", {}).get("version"))
    if finding.audited:
        finding.advisories = advisories_of(document)
    return finding


def installed_packages(skip: set[str]) -> dict[str, str]:
    """Installed distributions (name -> version), the project itself and `skip` left out."""
    found: dict[str, str] = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in skip:
            found[name.lower()] = dist.version
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", action="append", default=["onboarding"], help="package to skip")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args(argv)

    packages = installed_packages({s.lower() for s in args.skip})
    with ThreadPoolExecutor(max_workers=8) as pool:
        findings = list(pool.map(lambda item: check(*item, args.timeout), packages.items()))

    errors = [f for f in findings if f.error is not None]
    if errors and len(errors) == len(findings):
        print(f"dependency audit: PyPI could not be asked ({errors[0].error})", file=sys.stderr)
        return 2
    vulnerable = [f for f in findings if f.advisories]
    held_back = [f for f in findings if f.error is None and not f.audited]
    for f in sorted(vulnerable, key=lambda f: f.name):
        for a in f.advisories:
            aliases = f" ({', '.join(a.aliases)})" if a.aliases else ""
            fixed = ", ".join(a.fixed_in) or "no fixed version yet"
            print(f"VULNERABLE {f.name} {f.installed}: {a.id}{aliases}; fixed in {fixed}")
    for f in sorted(held_back, key=lambda f: f.name):
        print(
            f"not audited: {f.name} {f.installed} "
            f"(newest {f.newest}; PyPI lists advisories of the newest only)"
        )
    for f in sorted(errors, key=lambda f: f.name):
        print(f"not audited: {f.name} {f.installed} ({f.error})")
    audited = sum(f.audited for f in findings)
    print(
        f"dependency audit: {audited} of {len(findings)} packages audited, "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
