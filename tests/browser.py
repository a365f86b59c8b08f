"""Debian's Chromium for the browser tests (the HTML report, the demo page): found, or installed with apt-get
once per session, or the reason it cannot be, for the test to skip with. A plain module, like tiny_checkpoints."""

from __future__ import annotations

import functools
import shutil
import subprocess


@functools.lru_cache(maxsize=1)
def find_chromium() -> tuple[str | None, str]:
    """Debian's chromium, installed with apt-get when missing (once per session); (path, why not)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found, ""
    if shutil.which("apt-get") is None:
        return None, "chromium is not installed and there is no apt-get to install it"
    log = []
    for command in (["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                    ["apt-get", "update"],
                    ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                                  env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"`{' '.join(command)}` failed: {error}"
        log.append(done.stderr.strip().splitlines()[-1:] if done.returncode else [])
        if command[1] == "install" and done.returncode == 0 and shutil.which("chromium"):
            return shutil.which("chromium"), ""
    reason = " / ".join(line for lines in log for line in lines) or "no chromium after apt-get install"
    return None, f"chromium could not be installed with apt-get: {reason}"
