"""The synthetic demo city (Musterstadt), its measures, the large benchmark data set, and seeding a database."""
