"""The command line: ``wiebetaalt check``, ``decide``, ``batch``, ``test``, ``analyse``, ``schema``,
``recheck`` and ``kaders``. The entry point is :func:`wiebetaalt.cli.main.main`; the commands are in
:mod:`.frameworks` (rule files), :mod:`.decide` (one case) and :mod:`.batch`, and every Dutch text
they print is in :mod:`.text`."""
