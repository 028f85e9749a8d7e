"""What a framework and a case are, and what a condition means: no I/O, no engine."""
