"""``python -m rexian`` runs the ``rexian`` command."""

from rexian.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
