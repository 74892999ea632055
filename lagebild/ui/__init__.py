"""The only Streamlit-aware helper package: cached accessors, session keys, guards.

Pages call these functions and show what they return; they never touch the store or
compute anything themselves. One module per area, one public namespace: pages write
``from lagebild import ui`` and ``ui.<name>``.

- ``_core``: resources (store, catalogue, settings), session and login, language, cached
  data (weekly grid, districts), overview helpers; every other module builds on it;
- ``_shell``: navigation by role, login form and page guards, sidebar (city, language, e-mail);
- ``_maps`` (#5), ``_alerts`` (#4), ``_trends`` (trend chart with alert band and measures),
  ``_uploads`` (#3), ``_accounts`` (#7), ``_measures`` (#6), ``_district`` (#6, district page),
  ``_daily`` (#17: daily signals of the last 7 days), ``_network`` (#19, Städtevergleich),
  ``_ops`` (#20: completeness of deliveries, the page "Betrieb"),
  ``_backup`` (#20, backups by the server), ``_drugcheck`` (#18), ``_warnings`` (#18:
  Substanzwarnungen on every start page and their page), ``_warning_languages``
  (#18: languages of the Substanzwarnung, their editor and sample PDFs).

No module imports another one's ``_private`` names, and there are no import circles
(tests/test_layering.py).
"""

from lagebild.ui._core import *  # noqa: F401,F403
from lagebild.ui._maps import *  # noqa: F401,F403
from lagebild.ui._alerts import *  # noqa: F401,F403
from lagebild.ui._uploads import *  # noqa: F401,F403
from lagebild.ui._accounts import *  # noqa: F401,F403
from lagebild.ui._measures import *  # noqa: F401,F403
from lagebild.ui._daily import *  # noqa: F401,F403
from lagebild.ui._network import *  # noqa: F401,F403
from lagebild.ui._trends import *  # noqa: F401,F403
from lagebild.ui._shell import *  # noqa: F401,F403
from lagebild.ui._district import *  # noqa: F401,F403
from lagebild.ui._ops import *  # noqa: F401,F403
from lagebild.ui._backup import *  # noqa: F401,F403  (#20: backups by the server)
from lagebild.ui._drugcheck import *  # noqa: F401,F403
from lagebild.ui._warning_languages import *  # noqa: F401,F403  (#18: languages of the warning)
from lagebild.ui._warnings import *  # noqa: F401,F403  (#18: Substanzwarnungen)
