#!/usr/bin/env bash
# Starts django-oauth-toolkit on 127.0.0.1:PORT with a fresh database. Usage: run.sh PORT
set -euo pipefail
cd "$(dirname "$0")"
PY=.venv/bin/python
export TARGET_DB="${TARGET_DB:-$(mktemp -d)/db.sqlite3}"
$PY manage.py migrate --verbosity 0
$PY seed.py
exec $PY manage.py runserver "127.0.0.1:$1" --noreload
