"""The one registry module of the `assessments` app: Django imports it at start-up,
and it imports the model modules of the three sub-domains so that every model
registers under the app label `assessments` (tables, migrations and content
types unchanged). Import models from their own modules, never from here:

- `assessments.results.models`: procedures, tasks, scales, privacy, import
  batches, results, school aggregates;
- `assessments.analytics.models`: pupils' learning routes;
- `assessments.objectivity.models`: check settings, runs, schools, findings,
  flag answers, official lists.
"""

from assessments.analytics import models as analytics_models  # noqa: F401
from assessments.objectivity import models as objectivity_models  # noqa: F401
from assessments.results import models as results_models  # noqa: F401
