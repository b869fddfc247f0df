"""Serve the naive or floor app under uvicorn as ``campus serve`` serves campus.

Through ``server.cli.serving``, so that with several workers their connections
keep TCP_NODELAY too (uvicorn's own ``--workers`` loses it; see that module):
otherwise each keep-alive request to them would wait ~40 ms for a delayed ACK
and the comparison would measure that, not the servers.
"""

from __future__ import annotations

import argparse

from server.cli import serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("app", help="an app factory, as module:function")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serving.run(
        args.app,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
