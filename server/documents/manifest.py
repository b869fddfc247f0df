"""Manifests of trusted documents: the ``{hash: document}`` JSON that Relay's
compiler (``persistConfig`` with ``algorithm: "SHA256"``) and GraphQL Codegen's
client preset (``persistedDocuments: true``) write.

A manifest is checked whole before anything is stored: every hash must be
the SHA-256 of its document and every document must validate against the
schema, or nothing is imported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

__all__ = ["ManifestError", "read_manifest"]

# More than this many problems are counted, not listed.
SHOWN_PROBLEMS = 20


class ManifestError(ValueError):
    """A manifest that cannot be imported, with every reason why."""


def read_manifest(path: Path, problems: Callable[[str], list[str]]) -> dict[str, str]:
    """The manifest's documents by hash; ``problems`` says what is wrong with a document."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as error:
        raise ManifestError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, RecursionError) as error:  # also bad UTF-8, absurd nesting
        raise ManifestError(f"{path} is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ManifestError(
            f"{path} must hold a JSON object of {{hash: document}}, not {type(data).__name__}"
        )
    found: list[str] = []
    for hash_, document in data.items():
        digest = hashlib.sha256(document.encode()).hexdigest() if isinstance(document, str) else ""
        if not isinstance(document, str):
            found.append(f"{hash_}: the document must be a string")
        elif digest != hash_:
            found.append(f"{hash_}: not the SHA-256 of its document, which is {digest}")
        else:
            found.extend(f"{hash_}: {problem}" for problem in problems(document))
    if found:
        listed = found[:SHOWN_PROBLEMS]
        if len(found) > SHOWN_PROBLEMS:
            listed.append(f"… and {len(found) - SHOWN_PROBLEMS} more")
        raise ManifestError(
            f"{path}: nothing imported, {len(found)} problem(s):\n  " + "\n  ".join(listed)
        )
    return data
