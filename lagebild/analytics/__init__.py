"""Analysemethoden für Lagebild (Ausbruchserkennung u. a.).

Die öffentliche Schnittstelle der Alarmverfahren liegt in :mod:`lagebild.analytics.alerts`.
"""
