# Sourced by the scripts beside it: make .venv with exactly the locked versions
# installed, those of the test lock when $1 is "test", and this project on top.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_python.sh

"$python" scripts/_lockcheck.py
lock=requirements${1:+-$1}.lock
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --require-hashes --no-deps -r "$lock"
.venv/bin/python -m pip install --quiet --no-deps -e .
