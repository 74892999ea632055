"""Measures and meetings: the model (status, bodies, checks) and the tables of the pages."""
