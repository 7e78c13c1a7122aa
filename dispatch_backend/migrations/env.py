"""Alembic environment of the dispatch backend.

Used programmatically by :func:`dispatch_backend.db.migrate` (a connection is passed in
``config.attributes["connection"]``) and from the command line with
``alembic -c dispatch_backend/alembic.ini upgrade head`` (URL from REXIAN_DISPATCH_DB_URL).
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from dispatch_backend.models import Base
from dispatch_backend.settings import DEFAULT_DB_URL, resolve_sqlite_url

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(resolve_sqlite_url(os.environ.get("REXIAN_DISPATCH_DB_URL", DEFAULT_DB_URL)))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
