"""The only Streamlit-aware helper package: cached accessors, session keys, guards.

Pages call these functions and show what they return; they never touch the store or
compute anything themselves. One module per area, one public namespace: pages write
``from lagebild import ui`` and ``ui.<name>``.

- ``_core``: resources (store, catalogue, settings), session and login, navigation, city and
  language, cached data (weekly grid, districts), overview and trend helpers;
- ``_maps`` (#5), ``_alerts`` (#4), ``_uploads`` (#3), ``_accounts`` (#7), ``_measures`` (#6),
  ``_daily`` (#17: daily signals of the last 7 days), ``_network`` (#19, Städtevergleich).
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
from lagebild.ui._drugcheck import *  # noqa: F401,F403
