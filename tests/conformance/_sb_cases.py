"""Sizes of the Safe Browsing vector suites (checked against the files by test_suite_sizes)."""

GGLSBL_CANON = 40
GGLSBL_PERMUTATIONS = 6
MOZILLA = 27
