"""Reading and writing files: YAML with line numbers, CSV/XLSX tables, atomic outputs."""
