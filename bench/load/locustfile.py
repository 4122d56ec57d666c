"""Mixed roles against a running server: officials, deputies, methodists, the
regional analyst and API clients, on the region of make_region.py.

    bench/load/run.sh            # gunicorn + PostgreSQL + 200 users for 5 minutes
"""

import os
import random
import re
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

PASSWORD = "Load-2026!"  # noqa: S105
MUNICIPALITIES = [f"{m:02d}" for m in range(1, 21)]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Person(FastHttpUser):
    """One person with their own cookies. FastHttpUser (geventhttpclient) costs a
    fraction of HttpUser's (python-requests) CPU a request: the generator shares the
    server's two cores, and every millisecond it burns is one the pages do not get."""

    abstract = True
    # An official reads a page before the next click: 5–20 s (about 16 requests a
    # second for 200 people). LOAD_WAIT="1,3" makes them click as fast as a script.
    wait_time = between(*(float(x) for x in os.environ.get("LOAD_WAIT", "5,20").split(",")))
    username = ""

    def on_start(self):
        page = self.client.get("/login/", name="/login/")
        token = CSRF.search(page.text).group(1)
        response = self.client.post(
            "/login/",
            data=urlencode(
                {"username": self.pick(), "password": PASSWORD, "csrfmiddlewaretoken": token}
            ),
            headers={
                "Referer": f"{self.host}/login/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            name="/login/ [POST]",
        )
        if "Неверное имя" in response.text:
            raise RuntimeError(f"login failed for {self.username}")
        # The roadmaps a person works in: the municipality's own (a hundred measures,
        # the one officials and schools follow) and the newest few of the list (the
        # schools' own, eight measures each).
        found = {
            level: [
                int(x)
                for x in re.findall(
                    r'href="/roadmaps/(\d+)/"',
                    self.client.get(f"/roadmaps/?level={level}", name="/roadmaps/").text,
                )
            ]
            for level in ("municipality", "school")
        }
        self.roadmaps = found["municipality"][:1] + found["school"][:4]

    def pick(self) -> str:
        raise NotImplementedError

    def open_roadmap(self):
        if self.roadmaps:
            self.client.get(f"/roadmaps/{random.choice(self.roadmaps)}/", name="/roadmaps/[id]/")


class Official(Person):
    weight = 3

    def pick(self):
        self.username = f"official{random.choice(MUNICIPALITIES)}"
        return self.username

    @task(3)
    def dashboard(self):
        self.client.get("/", name="/ (official)")

    @task(3)
    def roadmap(self):
        self.open_roadmap()

    @task(2)
    def review_queue(self):
        self.client.get("/roadmaps/reports/", name="/roadmaps/reports/")

    @task(1)
    def schools(self):
        self.client.get("/schools/", name="/schools/")


class Deputy(Person):
    weight = 5

    def pick(self):
        self.username = f"deputy98{random.randint(1, 1000):04d}"
        return self.username

    @task(3)
    def dashboard(self):
        self.client.get("/", name="/ (deputy)")

    @task(3)
    def my_measures(self):
        self.client.get("/roadmaps/my/", name="/roadmaps/my/")

    @task(1)
    def roadmap(self):
        self.open_roadmap()


class Methodist(Person):
    weight = 1

    def pick(self):
        self.username = f"methodist{random.choice(MUNICIPALITIES)}"
        return self.username

    @task
    def dashboard(self):
        self.client.get("/", name="/ (methodist)")

    @task
    def documents(self):
        self.client.get("/documents/", name="/documents/")


class Analyst(Person):
    weight = 1

    def pick(self):
        self.username = "analyst"
        return self.username

    @task(2)
    def dashboard(self):
        self.client.get("/", name="/ (analyst)")

    @task(1)
    def municipalities(self):
        self.client.get("/municipalities/", name="/municipalities/")

    @task(1)
    def api_schools(self):
        self.client.get(f"/api/v1/schools/?page={random.randint(1, 20)}", name="/api/v1/schools/")

    @task(1)
    def api_measures(self):
        self.client.get(
            f"/api/v1/measures/?page={random.randint(1, 100)}", name="/api/v1/measures/"
        )

    @task(1)
    def api_assignments(self):
        self.client.get(
            f"/api/v1/assignments/?page={random.randint(1, 100)}", name="/api/v1/assignments/"
        )
