"""Alembic environment of the dispatch backend.

Used programmatically by :func:`dispatch_backend.db.migrate` (a connection is passed in
``config.attributes["connection"]``) and from the command line with
``alembic -c dispatch_backend/alembic.ini upgrade head`` (URL: the configuration's ``dispatch.db_url``, i.e.
REXIAN_DISPATCH_DB_URL or rexian.yml).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from configuration import load_config
from dispatch_backend.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(load_config().dispatch.db_url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
