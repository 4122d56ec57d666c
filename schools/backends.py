"""Django's model permissions, for the admin's staff only; and the user of a session
read together with the scope stamp.

Everyone's permissions in the product are the rules of schools/policy.py (django-rules,
the first backend). Django's ModelBackend answers after it for every permission a rule
refused, and for a user outside the admin it read the user's and the groups'
permissions from the database: two queries on every page, for the menu items the role
does not have. Nobody outside the admin staff is granted model permissions here.
"""

from functools import lru_cache

from django.contrib.auth.backends import ModelBackend
from django.db.models.expressions import RawSQL

# The token of schools.models.ScopeStamp, read in the user's own query: the key under
# which schools.scoping.memberships_of finds the user's memberships cached.
STAMP_ATTRIBUTE = "scope_stamp_token"
STAMP_SQL = "SELECT token FROM schools_scopestamp WHERE id = 1"


def with_stamp(queryset):
    """`queryset` with the scope stamp's token on every row (as STAMP_ATTRIBUTE), read
    by the same statement. Constant SQL rather than a Subquery: the subquery's own
    compilation cost a third of a millisecond on every request."""
    stamp = RawSQL(STAMP_SQL, ())  # noqa: S611 - constant SQL, no parameters
    return queryset.annotate(**{STAMP_ATTRIBUTE: stamp})


class StaffModelBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None):
        if not user_obj.is_staff:
            return set()
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_staff:
            return set()
        return super().get_group_permissions(user_obj, obj)

    def get_user(self, user_id):
        """ModelBackend's, with the scope stamp in the same query. The user's row itself
        is read on every request, as before: a deactivated user is refused and a changed
        password ends other sessions (the session's hash) at once. Raw SQL, written once
        per database: building and compiling the ORM's query cost three times the
        statement itself, on every request (bench/results/mix-pgcpu.txt)."""
        from django.contrib.auth import get_user_model

        model = get_user_model()
        manager = model._default_manager
        found = list(manager.raw(_user_sql(model, manager.db), [user_id]))
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None


@lru_cache(maxsize=8)
def _user_sql(model, using: str) -> str:
    """The user's row by its key, and the scope stamp's token as STAMP_ATTRIBUTE."""
    from django.db import connections

    quote = connections[using].ops.quote_name
    return (
        f"SELECT u.*, ({STAMP_SQL}) AS {quote(STAMP_ATTRIBUTE)}"  # noqa: S608 - quoted names of the model, the key a parameter
        f" FROM {quote(model._meta.db_table)} u WHERE u.{quote(model._meta.pk.column)} = %s"
    )
