"""Questions about a whole framework or a stored outcome: the grey-zone map, rechecking."""
