"""A worker compiles a module once, even where Python is told to write no bytecode.

Run in a child Python with PYTHONDONTWRITEBYTECODE=1, as on this machine: it
imports a probe module twice (as the workflow sandbox does for each workflow
instance) and counts how often Python compiled its source.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import importlib, importlib.machinery, json, sys
    compiled = []
    original = importlib.machinery.SourceFileLoader.source_to_code

    def counting(self, data, path, *args, **kwargs):
        compiled.append(path)
        return original(self, data, path, *args, **kwargs)

    importlib.machinery.SourceFileLoader.source_to_code = counting
    if sys.argv[1] == "keep":
        from onboarding.embedded.bytecode import keep_bytecode
        keep_bytecode()
    for _ in range(2):
        importlib.import_module("probe")
        del sys.modules["probe"]
    print(json.dumps({"compiled": [p for p in compiled if p.endswith("probe.py")],
                      "prefix": sys.pycache_prefix}))
    """
)


def run_child(tmp_path: Path, mode: str) -> dict[str, object]:
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "probe.py").write_text("VALUE = 42\n")
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join([str(source), str(PROJECT)]),
    }
    env.pop("PYTHONPYCACHEPREFIX", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_without_it_every_import_compiles_again(tmp_path: Path) -> None:
    answer = run_child(tmp_path, "plain")
    assert len(answer["compiled"]) == 2  # type: ignore[arg-type]


def test_keep_bytecode_compiles_once_into_the_cache_not_the_source_tree(tmp_path: Path) -> None:
    answer = run_child(tmp_path, "keep")
    assert len(answer["compiled"]) == 1  # type: ignore[arg-type]
    cache = tmp_path / "cache" / "onboarding" / "bytecode"
    assert answer["prefix"] == str(cache)
    assert list(cache.rglob("probe.*.pyc")), "the bytecode is in the cache"
    assert not list((tmp_path / "src").rglob("*.pyc")), "the source tree stays clean"


def test_bytecode_already_on_is_left_as_configured(tmp_path: Path) -> None:
    """Where Python writes bytecode anyway, keep_bytecode changes nothing."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    code = (
        "import sys; from onboarding.embedded.bytecode import keep_bytecode; keep_bytecode(); "
        "print(sys.pycache_prefix, sys.dont_write_bytecode)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["None", "False"]
