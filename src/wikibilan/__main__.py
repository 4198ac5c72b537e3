"""``python -m wikibilan`` runs the command line."""

from wikibilan.cli import main

raise SystemExit(main())
