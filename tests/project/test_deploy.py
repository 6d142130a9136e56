"""deploy/: the Compose stack and the Kubernetes manifests, checked by real tools.

- Compose: `docker compose config` (or Debian's `docker-compose config`, which
  `make tools` installs) validates compose.yaml against the Compose schema with
  the example env files; the rendered stack is then checked for what the
  deployment promises (pinned images, health checks, restarts, replicas, the
  migration job before the services).
- Kubernetes: every manifest validates against the bundled Kubernetes 1.37
  schemas (kubernetes-validate, strict: unknown fields fail), and the
  promises are checked (probes, grace periods, disruption budgets, autoscaling).
- Every setting in onboarding/settings.py is documented in
  deploy/compose/onboarding.env.example and in docs/settings.md.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from onboarding.settings import Settings
from workflows.names import SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose"
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.37.0"
# Jobs that run once per `up` and exit 0; everything else runs and restarts.
ONE_SHOT_SERVICES = {"migrate", "temporal-schema", "temporal-namespace"}


def _compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy is not None:
        return [legacy]
    message = "no Compose client: `make tools` installs Debian's docker-compose"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def compose_dir(tmp_path: Path) -> Path:
    """deploy/compose with .env and onboarding.env made from their examples."""
    target = tmp_path / "compose"
    shutil.copytree(COMPOSE, target)
    shutil.copy(target / ".env.example", target / ".env")
    shutil.copy(target / "onboarding.env.example", target / "onboarding.env")
    # The build context (../..) must exist for the client to accept the file.
    for name in ("Dockerfile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return target


def _compose_config(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_compose_command(), "config"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith(("ONBOARDING_", "COMPOSE_"))},
        timeout=60,
    )


def test_compose_file_is_valid_and_keeps_its_promises(compose_dir: Path) -> None:
    result = _compose_config(compose_dir)
    assert result.returncode == 0, result.stderr
    stack = yaml.safe_load(result.stdout)
    services: dict[str, Any] = stack["services"]
    assert set(services) >= {
        "temporal-db",
        "temporal-schema",
        "temporal",
        "temporal-namespace",
        "temporal-ui",
        "read-db",
        "migrate",
        "worker",
        "api",
        "gateway",
    }
    for name, service in services.items():
        image = service["image"]
        tag = image.rpartition(":")[2]
        assert ":" in image and tag != "latest" and re.search(r"\d", tag), f"{name}: {image}"
        if name in ONE_SHOT_SERVICES:
            assert service["restart"] == "no", name
        else:
            assert service["restart"] == "unless-stopped", name
            assert "healthcheck" in service or name == "temporal-ui", name
    assert services["migrate"]["command"] == ["db", "upgrade"]
    # The server runs as Temporal recommends for self-hosting: its own image,
    # after a schema job; auto-setup is for development.
    assert services["temporal"]["image"].startswith("temporalio/server:")
    assert not any("auto-setup" in service["image"] for service in services.values())
    assert (
        services["temporal"]["depends_on"]["temporal-schema"]["condition"]
        == "service_completed_successfully"
    )
    for name in ("worker", "api"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        namespace_ready = service["depends_on"]["temporal-namespace"]["condition"]
        assert namespace_ready == "service_completed_successfully"
        assert service["environment"]["ONBOARDING_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["worker"]["deploy"]["replicas"] == 3
    assert services["api"]["deploy"]["replicas"] == 2
    # The worker gets longer to stop than its activities get to finish.
    grace = float(services["worker"]["environment"]["ONBOARDING_WORKER_GRACEFUL_SHUTDOWN_SECONDS"])
    assert _seconds(services["worker"]["stop_grace_period"]) > grace
    # Both databases keep their data in volumes.
    assert set(stack["volumes"]) == {"temporal-db", "read-db"}


def test_compose_namespace_job_registers_every_search_attribute(compose_dir: Path) -> None:
    script = (compose_dir / "temporal" / "create-namespace.sh").read_text()
    registered = re.search(r"for name in ([A-Za-z ]+); do", script)
    assert registered, "create-namespace.sh names the search attributes in one loop"
    assert set(registered[1].split()) == {attribute.name for attribute in SEARCH_ATTRIBUTES}


def test_compose_refuses_a_stack_without_passwords(compose_dir: Path) -> None:
    env = (compose_dir / ".env").read_text()
    (compose_dir / ".env").write_text(
        "\n".join(line for line in env.splitlines() if not line.startswith("READ_DB_PASSWORD"))
    )
    result = _compose_config(compose_dir)
    assert result.returncode != 0
    assert "READ_DB_PASSWORD" in result.stderr


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(?:(\d+)m)?(?:([\d.]+)s)?", duration)
    assert match, duration
    return int(match[1] or 0) * 60 + float(match[2] or 0)


def _manifests() -> list[tuple[str, dict[str, Any]]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append((path.name, document))
    return documents


@pytest.mark.parametrize(
    "name, manifest", _manifests(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_manifest_validates_against_the_kubernetes_schema(
    name: str, manifest: dict[str, Any]
) -> None:
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_the_validator_rejects_a_wrong_manifest() -> None:
    worker = next(m for _, m in _manifests() if m["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(worker))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pathh"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secrets.example.yaml"}
    assert set(listed) == files


def test_manifests_keep_their_promises() -> None:
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for _, manifest in _manifests():
        by_kind.setdefault(manifest["kind"], {})[manifest["metadata"]["name"]] = manifest
    config = by_kind["ConfigMap"]["onboarding-config"]["data"]
    grace = float(config["ONBOARDING_WORKER_GRACEFUL_SHUTDOWN_SECONDS"])
    for name in ("onboarding-worker", "onboarding-api"):
        pod = by_kind["Deployment"][name]["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert "readinessProbe" in container and "livenessProbe" in container, name
        assert container["resources"]["requests"].keys() >= {"cpu", "memory"}, name
        assert by_kind["PodDisruptionBudget"][name]["spec"]["minAvailable"] >= 1
        assert by_kind["HorizontalPodAutoscaler"][name]["spec"]["scaleTargetRef"]["name"] == name
        refs = {e.get("configMapRef", e.get("secretRef"))["name"] for e in container["envFrom"]}
        assert refs == {"onboarding-config", "onboarding-secrets"}
    worker = by_kind["Deployment"]["onboarding-worker"]["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] > grace
    job = by_kind["Job"]["onboarding-migrate"]["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["db", "upgrade"]
    # Settings in the ConfigMap are real settings (a typo would be silently ignored).
    known = {f"ONBOARDING_{name.upper()}" for name in Settings.model_fields}
    assert set(config) <= known, set(config) - known


def test_every_setting_is_documented() -> None:
    example = (COMPOSE / "onboarding.env.example").read_text()
    settings_doc = (ROOT / "docs" / "settings.md").read_text()
    for name in Settings.model_fields:
        variable = f"ONBOARDING_{name.upper()}"
        assert re.search(rf"^#? ?{variable}=", example, re.MULTILINE), f"{variable} not in example"
        assert f"`{variable}`" in settings_doc, f"{variable} not in docs/settings.md"
