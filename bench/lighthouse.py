"""`make lighthouse`: Lighthouse's accessibility score of the main pages.

    .venv/bin/python bench/lighthouse.py

Builds its own database (imgportal_lighthouse, dropped and re-created) with the
demo data (seed_demo, 60 members), serves the portal with gunicorn under
production settings on a spare loopback port, and runs Lighthouse (npm package
pinned in bench/lighthouse/package.json, driving Debian's Chromium, headless)
on the front door (as a visitor), the resident's home, a handbook page and the
events list (as the demo resident) and the member list (as the demo co-lead),
in light and dark mode (desktop preset) and on a phone (Lighthouse's default
mobile emulation, light). Signed-in pages get the session cookie through
Lighthouse's --extra-headers. Prints a Markdown table, writes it under
bench/results/ and fails when a score is under 98 (the issue's goal). Not run
by `make test`; figures in docs/ACCESSIBILITY.md.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # run as a script: bench/ is on the path
    ROOT,
    bench_env,
    fresh_database,
    gunicorn,
    manage,
    stamp,
    write_report,
)

LIGHTHOUSE = ROOT / "bench/lighthouse/node_modules/.bin/lighthouse"
CHROMIUM = "/usr/bin/chromium"
GOAL = 98

SESSION_SCRIPT = """
import json
from django.conf import settings
from django.test import Client
from handbook.models import Page
from members.models import User

def session(email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"

page = Page.objects.filter(published_revision__isnull=False).order_by("pk").first()
print(json.dumps({
    "resident": session("resident@demo.imgportal.test"),
    "co_lead": session("colead@demo.imgportal.test"),
    "handbook_page": page.get_absolute_url(),
}))
"""


def lighthouse(
    url: str, cookie: str, dark: bool, phone: bool = False
) -> tuple[int, list[str]]:
    """The accessibility score (0–100) and the titles of the failing audits."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        headers = Path(folder) / "headers.json"
        headers.write_text(json.dumps({"Cookie": cookie} if cookie else {}))
        flags = "--headless=new --no-sandbox --disable-gpu"
        if dark:
            flags += " --force-dark-mode --blink-settings=preferredColorScheme=0"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--only-categories=accessibility",
                "--output=json",
                f"--output-path={report}",
                f"--chrome-path={CHROMIUM}",
                f"--chrome-flags={flags}",
                f"--extra-headers={headers}",
                *([] if phone else ["--preset=desktop"]),
                "--quiet",
            ],
            check=True,
            cwd=ROOT,
        )
        result = json.loads(report.read_text())
    category = result["categories"]["accessibility"]
    failing = [
        result["audits"][ref["id"]]["title"]
        for ref in category["auditRefs"]
        if ref["weight"] and result["audits"][ref["id"]]["score"] not in (None, 1)
    ]
    return round(category["score"] * 100), failing


def version() -> str:
    done = subprocess.run(
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main() -> None:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: `make lighthouse` installs it (npm)")
    database = "imgportal_lighthouse"
    env = bench_env(database)
    fresh_database(env, database)
    manage(env, "seed_demo", "--force", "--members", "60")
    facts = json.loads(
        manage(env, "shell", "-c", SESSION_SCRIPT).strip().splitlines()[-1]
    )
    pages = [
        ("Front door (visitor)", "/", ""),
        ("Home (resident)", "/", facts["resident"]),
        ("Handbook page (resident)", facts["handbook_page"], facts["resident"]),
        ("Events list (resident)", "/events/", facts["resident"]),
        ("Member list (co-lead)", "/members/manage/", facts["co_lead"]),
    ]
    lines = [
        f"Lighthouse {version()} accessibility, {stamp()} (bench/lighthouse.py)",
        "",
        "| page | desktop, light | desktop, dark | phone, light | failing audits |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    worst = 100
    with gunicorn(env) as base:
        for label, path, cookie in pages:
            light, failing_light = lighthouse(base + path, cookie, dark=False)
            dark, failing_dark = lighthouse(base + path, cookie, dark=True)
            phone, failing_phone = lighthouse(base + path, cookie, False, phone=True)
            worst = min(worst, light, dark, phone)
            failing = sorted(
                set(failing_light) | set(failing_dark) | set(failing_phone)
            )
            lines.append(
                f"| {label} `{path}` | {light} | {dark} | {phone} "
                f"| {'; '.join(failing) or '–'} |"
            )
    write_report("lighthouse", lines)
    if worst < GOAL:
        sys.exit(f"a page scores {worst}, under the goal of {GOAL}")


if __name__ == "__main__":
    main()
