"""Who reads a roadmap and the rows below it: the roadmap's node, shared down the
tree once approved (roadmaps.models uses these for every model's scope_paths)."""

from django.conf import settings
from django.db.models import Q

from schools.scoping import ScopePaths


def shared_unless_draft(prefix: str = ""):
    """Rows of roadmaps shared down the tree only once approved, unless the setting
    ROADMAP_DRAFTS_SHARED_DOWN lets schools read drafts too."""

    def when() -> Q:
        if settings.ROADMAP_DRAFTS_SHARED_DOWN:
            return Q()
        return ~Q(**{f"{prefix}status": "draft"})

    return when


def roadmap_scope(prefix: str = "") -> ScopePaths:
    """The scope of a roadmap (prefix "") or of a row below it (prefix "roadmap__",
    "measure__roadmap__"): the roadmap's node, shared down the tree unless a draft."""
    return ScopePaths(
        region=f"{prefix}region",
        municipality=f"{prefix}municipality",
        school=f"{prefix}school",
        shared_down=True,
        shared_down_when=shared_unless_draft(prefix),
    )
