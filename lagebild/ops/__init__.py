"""Operations (#20, second half): reporting completeness (who has not delivered), the admin
page "Betrieb" and the reminder e-mails to organisations whose delivery is overdue.

- ``completeness``: pure – delivery rhythm learnt from the reporting periods, due date,
  "überfällig" (see docs/operations.md, "Vollständigkeit der Meldungen");
- ``views``: completeness and operations facts in words (the store's ``DeliveriesMixin``
  holds the history and the admin's rhythm);
- ``reminders``: the reminder e-mails (once per overdue delivery);
The command ``lagebild erinnern`` is ``lagebild/cli/remind.py``.
"""
