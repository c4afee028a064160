"""moto's server for SQS, SNS, SES v2 and Cognito, bound to loopback, with one lock.

moto's server is threaded and its backends hold no locks of their own, so concurrent
requests can race inside moto (not in the code under test). This launcher serialises
every request through one lock, except SQS long polls (ReceiveMessage with a wait),
which would otherwise hold the lock for their whole wait.

Usage: python moto_server.py PORT
"""

import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

HOST = "127.0.0.1"
_LOCK = threading.Lock()


def _is_long_poll(environ):
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target.endswith(".ReceiveMessage")


def _locked(app):
    def wrapper(environ, start_response):
        if _is_long_poll(environ):
            return app(environ, start_response)
        with _LOCK:
            # Materialise the body under the lock: WSGI apps may be lazy.
            return list(app(environ, start_response))

    return wrapper


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: moto_server.py PORT")
    port = int(sys.argv[1])
    # State is in memory only: on SIGTERM leave at once (werkzeug's serve_forever can
    # take seconds to notice a SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        HOST,
        port,
        _locked(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
