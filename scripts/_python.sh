# Sourced by the scripts beside it: $python, a Python 3.11 or newer.
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python=$candidate; break; fi
  done
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Campus GraphQL needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi
