#!/usr/bin/env bash
# What a deployer gets: a fresh venv with the interpreter's own pip (not upgraded),
# a plain `pip install .`, then `assistant ingest` and `assistant ask` on the demo
# corpus into a temporary index. Catches dependencies only `make` would pull in.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip --version
# a copy of the tree without local build output (a stale build/ would leak into the wheel)
mkdir "$work/src"
tar --exclude=./.venv --exclude=./build --exclude=./index --exclude='*.egg-info' \
    --exclude=./.git -cf - . | tar -xf - -C "$work/src"
"$work/venv/bin/python" -m pip install -q "$work/src"
# one top-level package: the wheel's top_level.txt is `assistant` alone (no ui, no evals);
# -I keeps the checkout (and its editable install's egg-info) off the path
"$work/venv/bin/python" -I - <<'PY'
from importlib.metadata import distribution
top = sorted({f.parts[0] for f in distribution("assistant").files or []
              if f.suffix == ".py" and f.parts[0] not in ("..",)})
assert top == ["assistant"], f"top-level packages in the wheel: {top}"
PY
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1
cd "$work"  # away from the source tree: only the installed package may be imported
"$work/venv/bin/assistant" ingest --corpus "$OLDPWD/corpus" --index "$work/index"
"$work/venv/bin/assistant" ask --json --index "$work/index" \
    "Quali aziende del cluster lavorano sui vaccini?" > "$work/answer.json"
"$work/venv/bin/python" - "$work/answer.json" <<'PY'
import json, sys
ans = json.load(open(sys.argv[1]))
assert ans["answer"].strip(), ans
assert ans["citations"], f"no citations: {ans}"
print("smoke ok:", len(ans["citations"]), "citations")
PY
