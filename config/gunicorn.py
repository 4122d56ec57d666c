"""gunicorn's settings in production (`gunicorn -c config/gunicorn.py config.wsgi`):
docker-compose and the smoke test (tests/production/test_smoke.py) use this file."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Threads overlap a request's waits on PostgreSQL and Redis; the GIL lets one thread of
# a process run Python at a time, and a process also waits, so there is a process more
# than cores (bench/results/load-session12.txt: on two cores, 3 x 4 and 4 x 4 had a p95
# of 160-170 ms, 2 x 4 260-350 ms).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A client (or a proxy) that keeps its connection between requests finds it open.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# One access line per request on stdout, with the request id the product answers
# with (X-Request-ID) and the time taken in milliseconds.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s agent="%(a)s"'
# Behind a proxy that terminates TLS: trust its X-Forwarded-* from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn's own lines (start, workers, errors) and its access lines in the product's
# format: JSON under production (LOG_FORMAT, as config/settings.py decides).
_log_format = os.environ.get(
    "LOG_FORMAT", "json" if os.environ.get("DJANGO_PROFILE") == "production" else "text"
)
if _log_format == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
                "json_ensure_ascii": False,
            }
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json"},
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


# Prometheus: with several worker processes, their figures meet in this folder
# (config/metrics.py reads it); emptied when gunicorn starts.
_multiproc = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if _multiproc:
        os.makedirs(_multiproc, exist_ok=True)
        for name in os.listdir(_multiproc):
            os.unlink(os.path.join(_multiproc, name))


def child_exit(server, worker):
    if _multiproc:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """The URL configuration (and the admin it loads) read before the first request,
    then every object made so far moved out of the garbage collector's sight
    (gc.freeze): the modules, classes and templates live as long as the process, and
    each full collection walked all of them again. In-process, 300 requests of
    /roadmaps/my/ on the load region: mean CPU 35.7 -> 32.3 ms, p99 58 -> 44 ms."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  the import is the point
    gc.collect()
    gc.freeze()
