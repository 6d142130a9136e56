"""Page load times with the shipped region (67 municipalities) on `onboarding up`.

Starts `python -m onboarding up` on free ports in a fresh data dir
(bench.rig.running_up), records a few hundred transitions through the API so
the history and charts have something in them, signs in through the sign-in
form, then loads each main page ROUNDS times and prints the median and 95th
percentile. Exits non-zero if any page's 95th percentile is over the target
(300 ms).

    .venv/bin/python -m bench.pages [--rounds 30]
"""

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.rig import Up, running_up

TARGET_MS = 300.0
MAIN_ROAD = [
    (
        "sign_collaboration",
        {"agreement_version": "2017", "document_ref": "ARK-2017/1"},
        "2017-03-15",
    ),
    ("exercise_option", {"case_ref": "2021/1"}, "2021-06-17"),
    ("start_preparation", {}, "2021-09-01"),
    # Version 2 of the process (what the shipped region starts on): the call-off
    # agreement before the service agreement, each naming who signed.
    (
        "sign_call_off_agreement",
        {"document_ref": "ARK-2022/5", "signed_by": "rådmann"},
        "2022-06-01",
    ),
    (
        "sign_service_agreement",
        {"document_ref": "ARK-2022/9", "signed_by": "rådmann"},
        "2022-09-30",
    ),
]


def seed(url: str, token: str) -> str:
    """Move most municipalities some way along the main road; return one to look at."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as api:
        numbers = [m["number"] for m in api.get("/api/municipalities").json()]
        for i, number in enumerate(numbers):
            for trigger, evidence, day in MAIN_ROAD[: i % (len(MAIN_ROAD) + 1)]:
                response = api.post(
                    f"/api/municipalities/{number}/transitions",
                    json={"trigger": trigger, "evidence": evidence, "effective_on": day},
                )
                response.raise_for_status()
        # A wave of the municipalities a wave takes, moved once, so the wave pages have work.
        wave = {"id": "bench-wave", "name": "Bench wave", "go_live_at": WAVE_DATES[0]}
        api.post("/api/waves", json=wave).raise_for_status()
        eligible = [
            m["number"]
            for m in api.get("/api/municipalities").json()
            if m["stage"]
            in ("option_exercised", "preparing", "call_off_signed", "service_agreement_signed")
        ]
        for number in eligible[:12]:
            api.post("/api/waves/bench-wave/members", json={"number": number}).raise_for_status()
        api.post(
            "/api/waves/bench-wave/reschedule",
            json={"go_live_at": WAVE_DATES[1], "reason": "moved half a year"},
        ).raise_for_status()
    return numbers[len(MAIN_ROAD) - 1]


# Far enough ahead that the bench never reaches them.
WAVE_DATES = ("2031-04-25T22:00:00+02:00", "2031-10-31T22:00:00+01:00")


def sign_in(client: httpx.Client, token: str) -> None:
    form = client.get("/signin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf, "no CSRF token on the sign-in form"
    response = client.post(
        "/signin", data={"csrf_token": csrf.group(1), "token": token, "next": "/"}
    )
    assert response.status_code == 200 and "/signin" not in str(response.url), "sign-in failed"


def load_times(
    browser: httpx.Client, path: str, rounds: int, before: Callable[[], None] = lambda: None
) -> tuple[float, float]:
    """The page at `path` loaded `rounds` times after one to warm up: median and p95, ms.

    `before` runs before each load, untimed (a write, to measure a page after one).
    """
    browser.get(path).raise_for_status()
    times = []
    for _ in range(rounds):
        before()
        start = time.perf_counter()
        response = browser.get(path)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    return asyncio.run(run(args.rounds))


async def run(rounds: int) -> int:
    with tempfile.TemporaryDirectory(prefix="onboarding-bench-") as root:
        async with running_up(Path(root)) as up:
            return await asyncio.to_thread(measure, up, rounds)


def measure(up: Up, rounds: int) -> int:
    """Seed `up`, load every page `rounds` times, print the figures; 1 if a target is missed."""
    token = up.admin_token()
    number = seed(up.url, token)
    pages = {
        "dashboard": "/",
        "work list": "/worklist",
        "dashboard as of a date": "/?as_of=2022-10-11",
        "municipality": f"/municipalities/{number}",
        "transition form": f"/municipalities/{number}/transitions/sign_service_agreement",
        "waves": "/waves",
        "wave": "/waves/bench-wave",
        "users": "/admin/users",
        "outbox": "/admin/notifications",
        "dashboard as known on": "/?as_of=2022-10-11&known_on=2022-10-11",
        "audit log": "/admin/audit",
        "audit log, one": f"/admin/audit?municipality={number}",
        "engine history": f"/municipalities/{number}/engine",
    }
    failed = False
    with httpx.Client(base_url=up.url, follow_redirects=True, timeout=30) as browser:
        sign_in(browser, token)
        print(f"{'page':<26}{'median ms':>10}{'p95 ms':>10}")
        for name, path in pages.items():
            median, p95 = load_times(browser, path, rounds)
            failed |= p95 > TARGET_MS
            print(f"{name:<26}{median:>10.1f}{p95:>10.1f}")
    print(f"target: p95 under {TARGET_MS:.0f} ms: {'MISSED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
