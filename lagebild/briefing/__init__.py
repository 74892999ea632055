"""The briefing for the Drogenrapport: data (read once) -> model -> sections -> PDF/HTML/charts; build.py makes it all."""
