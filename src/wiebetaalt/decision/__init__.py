"""Policy, pure: from the truth of a case's rules to its outcome. Nothing here imports durable_rules
or the engine.

``outcome`` (the outcomes as data) · ``resolve`` (which rules decide) · ``build`` (the outcome they
lead to) · ``parties`` (who a funder is for a case) · ``open_facts`` (which facts leave a condition
open) · ``explain`` (every sentence of an explanation) · ``settle`` (which answers settle an
escalation) · ``questions`` (asking for them) · ``audit`` (what an outcome was decided from) ·
``memo`` (the bounded caches of what cases share).
"""
