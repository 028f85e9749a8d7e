"""Questions about a whole framework or a stored outcome: the grey-zone map, rechecking.

The map: ``explore`` (the tree of partial cases the engine decides) · ``below`` (what can still
change below a node: which periods stay together, which unknown facts to fill in) · ``sample``
(random dives past the budget) · ``analyse`` (the leaves grouped into classes of cases with minimal
witnesses, and the rules that never fire) · ``findings`` (the map as data) · ``text`` (the map in
Dutch). Rechecking a stored outcome: ``recheck``.
"""
