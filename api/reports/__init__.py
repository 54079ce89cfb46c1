"""Figures for hub managers: the reports page, "what families told us",
CSV downloads, and the Prometheus /metrics endpoint for engineers."""
