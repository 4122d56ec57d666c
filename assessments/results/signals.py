"""What results tell the apps above them, which results itself must not import
(analytics, objectivity): the layers point down, the news points up. The
receivers live in each app's `receivers.py`, connected in `AssessmentsConfig.ready`.

- `results_replacing`: an import is about to replace the pupil rows of some
  schools of a procedure (also sent by a dry run, which then writes nothing).
  Arguments: `procedure` (it may have no pk yet: a procedure the import creates),
  `school_ids`, `participants` (the (school id, participant code) pairs of the new
  rows). A receiver returns a dict of counts to add to the import's outcome (names
  of `ImportOutcome` fields), or None.
- `results_replaced`: inside the import's transaction, right after the new pupil
  rows are written. Arguments: `procedure`, `school_ids`. A receiver's writes are
  part of the import: if it raises, nothing is written.
- `results_imported`: a background import finished well and its transaction is
  committed (not sent for a dry run). Arguments: `procedure`, `batch`. Receivers
  queue their follow-up work; the worker runs it in another transaction.
"""

from django.dispatch import Signal

results_replacing = Signal()
results_replaced = Signal()
results_imported = Signal()
