"""The app as the growth bench serves it through gunicorn (`bench.wsgi:app`), on the bench's
database (BENCH_DATABASE_URI), with kept pages unless BENCH_PAGE_CACHE=0, and with a bare
route beside the pages: `/bench-bare` does no work, so a page's requests per second against
it say what the page itself costs. `/bench-sign-in` signs the bench's officer in (the bench's
own app only: it asks for no password), for the pages as a signed-in reader gets them."""

from __future__ import annotations

import os

from brokerage import create_app

app = create_app(
    {
        "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URI"],
        "REDIS_URL": os.environ.get("TEST_REDIS_URL") or None,
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "GC_FREEZE": True,  # as in production
        # BENCH_PAGE_CACHE=0: every request rendered (a signed-in reader's cost).
        "PAGE_CACHE": os.environ.get("BENCH_PAGE_CACHE", "1") != "0",
    }
)


@app.get("/bench-bare")
def bench_bare():
    return "ok"


@app.get("/bench-sign-in")
def bench_sign_in():
    from flask_login import login_user
    from sqlalchemy import select

    from models import User, db

    login_user(db.session.scalar(select(User).where(User.email == "officer@bench.example.org")))
    return "signed in"
