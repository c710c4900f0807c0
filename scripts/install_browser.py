"""Make the browser test runnable where the machine allows it (called by `make test`).

tests/test_browser.py drives Debian's Chromium (/usr/bin/chromium) with Playwright for Python; it
never downloads a browser. This script installs the Debian package `chromium` with apt-get when it
is missing, we are root and apt-get is there; otherwise it prints a note. It never fails (exit 0
always) and returns at once when Chromium is already installed.

Set COOPX_SKIP_BROWSER_INSTALL=1 to skip it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("COOPX_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_S = 900


def note(message: str) -> None:
    print(f"install_browser: {message}", flush=True)


def apt(*args: str) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        res = subprocess.run(["apt-get", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        note(f"apt-get {' '.join(args)} failed: {exc}")
        return False
    if res.returncode != 0:
        note(f"apt-get {' '.join(args)} failed: {res.stderr.strip().splitlines()[-1:] or res.returncode}")
    return res.returncode == 0


def main() -> int:
    if os.environ.get("COOPX_SKIP_BROWSER_INSTALL"):
        note("skipped (COOPX_SKIP_BROWSER_INSTALL is set)")
        return 0
    if importlib.util.find_spec("playwright") is None:
        note("the playwright package is missing: `pip install -e '.[test]'`; the browser test will be skipped")
    if os.path.exists(CHROMIUM):
        return 0  # already installed: nothing to do
    if shutil.which("apt-get") is None:
        note(f"{CHROMIUM} not found and no apt-get here: install Chromium to run tests/test_browser.py (skipped until then)")
        return 0
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        note(f"{CHROMIUM} not found: run `sudo apt-get install chromium` to run tests/test_browser.py (skipped until then)")
        return 0
    note("installing Debian's chromium for the browser test (apt-get install chromium) ...")
    if not apt("install", "-y", "-q", "--no-install-recommends", "chromium"):
        note("retrying after apt-get update ...")
        if not (apt("update", "-q") and apt("install", "-y", "-q", "--no-install-recommends", "chromium")):
            note("could not install chromium; tests/test_browser.py will be skipped")
            return 0
    note(f"chromium installed at {CHROMIUM}" if os.path.exists(CHROMIUM) else f"chromium installed, but {CHROMIUM} is missing")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # never fail the test run
        note(f"unexpected problem ({exc}); the browser test may be skipped")
        sys.exit(0)
