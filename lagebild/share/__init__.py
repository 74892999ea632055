"""Städtetreffen: signed share packages (tables suppressed over the whole package) and the comparison views."""
