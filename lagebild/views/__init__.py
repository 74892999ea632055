"""View models: pure functions from analytics frames to what a page shows (translated)."""
