"""``python -m qmframe`` runs the command line."""

from qmframe.cli import main

raise SystemExit(main())
