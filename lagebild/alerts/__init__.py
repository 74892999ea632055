"""Alerts: configuration, computing and storing signals (service), reasons in words, views, e-mail."""
