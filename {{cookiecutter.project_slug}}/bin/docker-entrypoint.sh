#!/bin/sh
# Container entry point.
#   web            serve with gunicorn (the default command; settings in gunicorn.conf.py)
#   migrate        apply database migrations, then exit
{%- if cookiecutter.task_executor != "sync" %}
#   worker         run the task worker ({{ cookiecutter.task_executor }})
{%- endif %}
{%- if cookiecutter.task_executor == "celery" %}
#   beat           run celery beat, the periodic task scheduler (one per deployment)
{%- endif %}
#   manage ARGS    run a Django management command
#   anything else  executed as given
# Health checks for each of them: bin/healthcheck.py web|worker|beat.
set -eu

command="${1:-web}"
[ $# -gt 0 ] && shift

case "$command" in
    web) exec gunicorn config.wsgi "$@" ;;
    migrate) exec python manage.py migrate --noinput "$@" ;;
{%- if cookiecutter.task_executor == "celery" %}
    # --quiet: no text banner on stdout, whose lines are JSON logs in production.
    worker) exec celery -A config --quiet worker --loglevel INFO "$@" ;;
    beat) exec celery -A config --quiet beat --loglevel INFO --schedule /tmp/celerybeat-schedule "$@" ;;
{%- elif cookiecutter.task_executor == "django_q" %}
    worker) exec python manage.py qcluster "$@" ;;
{%- elif cookiecutter.task_executor == "django_tasks" %}
    worker) exec python manage.py db_worker "$@" ;;
{%- elif cookiecutter.task_executor == "dramatiq" %}
    worker) exec python manage.py rundramatiq --processes 1 --threads "${WORKER_CONCURRENCY:-2}" "$@" ;;
{%- elif cookiecutter.task_executor == "huey" %}
    worker) exec python manage.py run_huey "$@" ;;
{%- endif %}
    manage) exec python manage.py "$@" ;;
    *) exec "$command" "$@" ;;
esac
