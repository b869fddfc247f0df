"""PostGraphile v5 beside campus, on the same PostgreSQL database.

``package.json`` and ``package-lock.json`` pin PostGraphile, the
many-to-many and connection-filter plugins and a Node 22 runtime;
``server.mjs`` runs them as a user would in production. The benchmark
installs them on demand (``setup.install``), or reports PostGraphile as
skipped with the reason; ``mapping`` holds its answers to campus's.
"""
