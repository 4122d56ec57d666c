"""Django's model permissions, for the admin's staff only.

Everyone's permissions in the product are the rules of schools/policy.py (django-rules,
the first backend). Django's ModelBackend answers after it for every permission a rule
refused, and for a user outside the admin it read the user's and the groups'
permissions from the database: two queries on every page, for the menu items the role
does not have. Nobody outside the admin staff is granted model permissions here.
"""

from django.contrib.auth.backends import ModelBackend


class StaffModelBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None):
        if not user_obj.is_staff:
            return set()
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_staff:
            return set()
        return super().get_group_permissions(user_obj, obj)
