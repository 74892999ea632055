"""Anmeldung: local account form, or the city's identity provider when configured."""

from lagebild import ui

ui.login_form()
