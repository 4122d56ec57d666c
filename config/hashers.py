"""The password hasher: Argon2id at a cost one login can afford on a small server.

Django's own Argon2PasswordHasher asks for 100 MiB and 8 lanes a hash, which takes
several hundred milliseconds on a 2-core machine; PBKDF2 at Django 5.2's 1,000,000
iterations takes about 0.3 s of CPU. This one uses OWASP's baseline Argon2id setting
(19 MiB, two passes, one lane): about 30 ms of CPU here, so a login stays cheap when
two hundred people arrive at once; bench/bench_login.py prints what a hash and a
login cost. Hashes made with other parameters, or by PBKDF2, are rewritten
with these at the user's next login (Django does it for the first hasher in
PASSWORD_HASHERS).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
