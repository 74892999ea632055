"""Drug checking (issue #18): test results per sample and substance.

``substances`` the catalogue (data/substances.toml), ``parse`` file bytes -> validated rows
(no database), ``importer`` one upload in one transaction (with the derived indicators
``schnelltests`` / ``schnelltests_positiv``), ``template`` the upload template, ``report``
the figures of ``lagebild substances`` (``lagebild/cli/substances.py``); the table is the
store's ``DrugChecksMixin`` (``lagebild/store/drugchecks.py``). The statistics are pure functions in ``lagebild.analytics.drugcheck``.
See docs/drugcheck.md.
"""
