"""The app as the benchmarks serve it: the product plus a benchmark-only GET /hello.

The product has no public /hello (issue 13); the benchmarks need a baseline that pays for the
stack a member request pays for (session cookie, the logged-in person looked up, the request log)
but does no work of its own. `gunicorn bench.app:app` serves this; `bench/run.py` also serves a
bare Flask hello-world (`bench.app:bare`) the same way, so every route can be read as a ratio of
what Flask itself costs on this machine.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402


def with_hello(product: Flask) -> Flask:
    """Register GET /hello on the product app: session + user lookup, then "ok"."""
    from flask_login import current_user

    def hello():
        return "ok" if current_user.is_authenticated else "anonymous"

    product.add_url_rule("/hello", "bench_hello", hello)
    return product


def make_bare() -> Flask:
    """A bare Flask hello-world: the ceiling every route is compared with."""
    bare_app = Flask("bare")

    @bare_app.route("/hello")
    def hello():
        return "ok"

    @bare_app.route("/healthz")
    def healthz():
        return "ok"

    return bare_app


if os.environ.get("BENCH_BARE") == "1":
    app = bare = make_bare()
else:
    from wsgi import app as _product  # noqa: E402

    app = with_hello(_product)
    bare = make_bare()
