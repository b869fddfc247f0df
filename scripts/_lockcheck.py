"""Whether the dependency locks were made from pyproject.toml as it is now.

Each lock carries, in a comment line, the SHA-256 of the requirements it was
resolved from; a changed requirement changes that digest, so a stale lock is
found offline, before anything is installed from it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each lock and the extras it holds besides the runtime dependencies.
LOCKS = {"requirements.lock": (), "requirements-test.lock": ("test", "otel")}
PREFIX = "# dependencies-sha256: "


def digest(extras: tuple[str, ...]) -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project.get("optional-dependencies", {})
    wanted = {
        "requires-python": project.get("requires-python"),
        "dependencies": project["dependencies"],
        "extras": {name: optional.get(name, []) for name in extras},
    }
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def recorded(lock: Path) -> str | None:
    for line in lock.read_text().splitlines():
        if line.startswith(PREFIX):
            return line.removeprefix(PREFIX).strip()
    return None


def main(argv: list[str]) -> int:
    if argv[:1] == ["--header"]:
        print(PREFIX + digest(LOCKS[argv[1]]))
        return 0
    stale = [
        name
        for name, extras in LOCKS.items()
        if (ROOT / name).exists() is False or recorded(ROOT / name) != digest(extras)
    ]
    if stale:
        print(
            f"{', '.join(stale)} no longer match the dependencies in pyproject.toml:"
            " run scripts/lock and commit the result.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
