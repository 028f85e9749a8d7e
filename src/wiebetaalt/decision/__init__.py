"""Policy, pure: outcomes, resolving the fired rules into one, explanations, which answers settle
an escalation, and the audit record. Nothing here imports durable_rules or the engine."""
