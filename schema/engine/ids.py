"""Opaque global IDs: base64 of "Type:pk", as Relay servers make them."""

from __future__ import annotations

import base64
import binascii

__all__ = ["LARGEST_PK", "decode_id", "decode_id_of", "encode_id"]

# Every id column is an INTEGER: PostgreSQL refuses a larger value outright.
LARGEST_PK = 2**31 - 1


def encode_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def decode_id(global_id: str) -> tuple[str, int] | None:
    """The (type, pk) an ID names, or None when it is malformed."""
    try:
        raw = base64.b64decode(global_id.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    if not sep or not pk.isdigit() or not pk.isascii() or len(pk) > 10 or int(pk) > LARGEST_PK:
        return None
    return type_name, int(pk)


def decode_id_of(type_name: str, global_id: str) -> int | None:
    """The primary key of an ID of the given type, or None (malformed or of another type)."""
    decoded = decode_id(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
