"""The dependency audit: which advisories count, and which packages it can judge."""

from tools.dependency_audit import Advisory, Finding, advisories_of


def test_withdrawn_advisories_do_not_count() -> None:
    document = {
        "info": {"version": "2.0"},
        "vulnerabilities": [
            {"id": "PYSEC-2026-1", "aliases": ["CVE-2026-1"], "fixed_in": ["2.1"]},
            {"id": "GHSA-xxxx", "aliases": [], "fixed_in": [], "withdrawn": "2026-01-02"},
        ],
    }
    assert advisories_of(document) == [
        Advisory(id="PYSEC-2026-1", aliases=("CVE-2026-1",), fixed_in=("2.1",))
    ]
    assert advisories_of({"info": {}}) == []


def test_only_the_newest_release_can_be_judged() -> None:
    assert Finding(name="x", installed="2.0", newest="2.0").audited
    assert not Finding(name="x", installed="1.9", newest="2.0").audited
    assert not Finding(name="x", installed="2.0", newest="2.0", error="PyPI answered 404").audited
