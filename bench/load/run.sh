#!/usr/bin/env bash
# Load test: gunicorn on PostgreSQL, locust with mixed roles; prints throughput,
# p50/p95/p99 and errors. Usage: bench/load/run.sh [users] [duration] [--rebuild]
# LOAD_DATABASE_URL, LOAD_PORT and LOAD_OUT (prefix of the log and CSV files) keep a
# run apart from other people's on a shared machine; LOAD_WAIT sets the users' pause;
# LOAD_WORKERS and LOAD_THREADS gunicorn's processes and threads (gthread).
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS="${1:-200}"
DURATION="${2:-5m}"
[ -x .venv/bin/locust ] || .venv/bin/python -m pip install --quiet -e ".[dev,load]"
export DATABASE_URL="${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/roadmaps_load}"
DATABASE="${DATABASE_URL##*/}"
PORT="${LOAD_PORT:-8321}"
OUT="${LOAD_OUT:-/tmp/load}"
export DJANGO_PROFILE=production SECRET_KEY=load-test-secret-key-0123456789-abcdefghijklmnop
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false DEBUG=false
export CSRF_TRUSTED_ORIGINS="http://127.0.0.1:$PORT"
if [[ "${3:-}" == "--rebuild" ]] || ! psql -h 127.0.0.1 -U postgres -lqt | cut -d'|' -f1 | grep -qw "$DATABASE"; then
    .venv/bin/python bench/load/make_region.py --database "$DATABASE"
fi
# Cookies must travel over plain HTTP on loopback for the test.
export SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
# A region built before the latest migrations (indexes) gets them first.
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
# Keep-alive longer than a user's pause: a connection the server closes while the
# client reuses it is a reset, not a slow page.
# Production's processes and threads (config/gunicorn.py: 3 x 4) unless told otherwise.
# A process runs one thread of Python at a time (the GIL) and waits on PostgreSQL and
# Redis besides, so two processes left a core idle on two cores: p95 260-350 ms against
# 160-170 ms with three or four (bench/results/load-session12.txt).
WORKERS="${LOAD_WORKERS:-3}"
THREADS="${LOAD_THREADS:-4}"
echo "gunicorn: $WORKERS workers x $THREADS threads (gthread), production settings (config/gunicorn.py)"
# The production settings (config/gunicorn.py: the worker start that loads the URLs and
# freezes the collector, JSON access lines), with this run's address, size and log.
WEB_CONCURRENCY="$WORKERS" GUNICORN_THREADS="$THREADS" GUNICORN_KEEPALIVE=75 \
    GUNICORN_BIND="127.0.0.1:$PORT" \
    .venv/bin/gunicorn config.wsgi:application --config config/gunicorn.py \
    >"$OUT-gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
sleep 4
# Users arrive over a minute and a half (each logs in once, as people do in the
# morning); the figures are of the steady state after they all arrived
# (--reset-stats), the logins themselves are timed in a separate line below.
RATE="${RATE:-2}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/locust -f bench/load/locustfile.py --headless -u "$USERS" -r "$RATE" -t "$DURATION" \
    --host "http://127.0.0.1:$PORT" --only-summary --reset-stats --csv "$OUT" 2>&1 | tail -40
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_OUT="$OUT" .venv/bin/python - <<'PY'
import csv
import os
rows = list(csv.DictReader(open(os.environ["LOAD_OUT"] + "_stats.csv")))
total = next(r for r in rows if r["Name"] == "Aggregated")
print(f"\nthroughput {float(total['Requests/s']):.1f} req/s; requests {total['Request Count']}, "
      f"errors {total['Failure Count']}; p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms")
worst = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: -float(r["95%"] if r["95%"] not in ("", "N/A") else 0))[:5]
for r in worst:
    print(f"  p95 {r['95%']:>6} ms  {r['Name']}")
PY
