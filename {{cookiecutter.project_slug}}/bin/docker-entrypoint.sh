#!/bin/sh
# Container entry point.
#   web            serve with gunicorn (the default command; settings in gunicorn.conf.py)
#   migrate        apply database migrations, then exit
#   manage ARGS    run a Django management command
#   anything else  executed as given
set -eu

command="${1:-web}"
[ $# -gt 0 ] && shift

case "$command" in
    web) exec gunicorn config.wsgi "$@" ;;
    migrate) exec python manage.py migrate --noinput "$@" ;;
    manage) exec python manage.py "$@" ;;
    *) exec "$command" "$@" ;;
esac
