"""Drug checking (issue #18): test results per sample and substance.

``substances`` the catalogue (data/substances.toml), ``parse`` file bytes -> validated rows
(no database), ``importer`` one upload in one transaction (with the derived indicators
``schnelltests`` / ``schnelltests_positiv``), ``store_mixin`` the store methods,
``template`` the upload template, ``report`` the figures of ``lagebild substances``,
``cli`` that command. The statistics are pure functions in ``lagebild.analytics.drugcheck``.
See docs/drugcheck.md.
"""
