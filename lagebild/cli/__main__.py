"""``python -m lagebild.cli``: the same as the ``lagebild`` command."""

from lagebild.cli import main

raise SystemExit(main())
