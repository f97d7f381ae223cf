"""Figures (one definition each), dashboards, the red list, stories, commendations, the report."""
