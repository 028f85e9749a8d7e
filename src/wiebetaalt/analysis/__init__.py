"""Questions about a whole framework or a stored outcome: the grey-zone map, rechecking.

The map: ``explore`` (the tree of partial cases the engine decides) · ``analyse`` (the leaves
grouped into classes of cases, and the rules that never fire) · ``findings`` (the map as data) ·
``text`` (the map in Dutch). Rechecking a stored outcome: ``recheck``.
"""
