"""Django's model permissions, for the admin's staff only; and the user of a session
read together with the scope stamp.

Everyone's permissions in the product are the rules of schools/policy.py (django-rules,
the first backend). Django's ModelBackend answers after it for every permission a rule
refused, and for a user outside the admin it read the user's and the groups'
permissions from the database: two queries on every page, for the menu items the role
does not have. Nobody outside the admin staff is granted model permissions here.
"""

from django.contrib.auth.backends import ModelBackend
from django.db.models.expressions import RawSQL

# The token of schools.models.ScopeStamp, read in the user's own query: the key under
# which schools.scoping.memberships_of finds the user's memberships cached.
STAMP_ATTRIBUTE = "scope_stamp_token"


def with_stamp(queryset):
    """`queryset` with the scope stamp's token on every row (as STAMP_ATTRIBUTE), read
    by the same statement. Constant SQL rather than a Subquery: the subquery's own
    compilation cost a third of a millisecond on every request."""
    stamp = RawSQL("SELECT token FROM schools_scopestamp WHERE id = 1", ())  # noqa: S611 - constant SQL, no parameters
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
        password ends other sessions (the session's hash) at once."""
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = with_stamp(model._default_manager.all()).get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
