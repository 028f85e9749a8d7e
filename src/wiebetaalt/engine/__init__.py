"""Matching: the compiler (a framework as durable_rules rules), the model of durable's limits, and
the Engine, which derives facts, matches and resolves. The only package that touches durable_rules."""
