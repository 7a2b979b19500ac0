#!/usr/bin/env bash
# The checks that need no service: lint, formatting and types. Run before the tests by
# .ci/run; run it yourself before pushing. The tools come with the `test` extra
# (scripts/install-test-deps.sh). Layer boundaries are a pytest test (tests/test_layers.py),
# so the README's test command covers them too.
set -euo pipefail
cd "$(dirname "$0")/.."

set -x
ruff check .
ruff format --check .
mypy
