"""Water-quality evaluation: GB 3838 classes, rounding, period means and indices (Python + SQL)."""
