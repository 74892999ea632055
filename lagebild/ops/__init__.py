"""Operations (#20, second half): reporting completeness (who has not delivered), the admin
page "Betrieb" and the reminder e-mails to organisations whose delivery is overdue.

- ``completeness``: pure – delivery rhythm learnt from the reporting periods, due date,
  "überfällig" (see docs/operations.md, "Vollständigkeit der Meldungen");
- ``store_mixin``: the store methods (history, the admin's rhythm, operations facts);
- ``reminders``: the reminder e-mails (once per overdue delivery);
- ``cli``: ``lagebild erinnern``.
"""
