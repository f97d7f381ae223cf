"""Visits (走访): records, care-tag intervals, coverage, quiet chiefs, full-coverage campaigns."""
