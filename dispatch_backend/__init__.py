"""Rexian's embedded dispatch backend: 12345 work orders over Open311 GeoReport v2.

Start it with ``python -m dispatch_backend`` (see :mod:`dispatch_backend.settings` for the
environment variables it reads) or build the ASGI app with :func:`dispatch_backend.app.create_app`.
"""
