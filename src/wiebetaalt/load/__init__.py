"""Rule files and tables in: strict YAML with a source map, overlays, the checks of a rule file, the
installed frameworks and the postcode table. Every problem found is located (file, line, column)."""
