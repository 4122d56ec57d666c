"""The owner triple as abstract models: where a tenant row sits in the tree
(region → municipality → school), declared once. The nodes are named by their
labels, so that the history log and the node models can both build on these."""

from django.db import models

from schools.scoping import ScopedManager, ScopePaths


class Owned(models.Model):
    """The owner triple of a record filed at one node of the tree: its region, and the
    municipality and school below it when it is filed that low. Scoped by that node.

    The reverse accessors are off ("+") and rows go with their node (CASCADE). Models
    whose owner differs keep their own fields and say why: a school row whose every
    level is required (SchoolOwned), a node that may not vanish under its roadmaps
    (PROTECT), or reverse accessors the code reads (`school.import_batches`).
    """

    region = models.ForeignKey("schools.Region", on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(
        "schools.Municipality", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedManager()

    class Meta:
        abstract = True


class SchoolOwned(models.Model):
    """The owner triple of a row about one school (a finding, an answer, a route): all
    three levels required, the region and municipality copied from the school so that
    scoping needs no join. Reverse accessors are off ("+") unless a model names one."""

    region = models.ForeignKey("schools.Region", on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(
        "schools.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedManager()

    class Meta:
        abstract = True
