"""The command line: ``wiebetaalt check``, ``decide``, ``batch``, ``test``, ``analyse``, ``schema``,
``recheck`` and ``kaders``. The entry point is :func:`wiebetaalt.cli.main.main`."""
