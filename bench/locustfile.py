"""The mixed load of ``bench/load.py``: partners who browse, filter, search, open details and
now and then post a comment, each signed in as a scale member of their own (a session made by
the bench, so the load measures the portal, not the sign-in form).

Reads the sessions and the ids of the measured pages from the JSON file in ``LMI_LOAD_PLAN``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["LMI_LOAD_PLAN"]).read_text())
_sessions = itertools.cycle(PLAN["sessions"])
_lock = threading.Lock()
QUERIES = ("onderhoud", "boxer sensor", "contract ervaring", "onderhuod")


class Partner(HttpUser):
    # A person reads a page before opening the next.
    wait_time = between(1, 3)

    def on_start(self) -> None:
        with _lock:
            session = next(_sessions)
        self.client.cookies.set("sessionid", session)
        self.rng = random.Random(session)

    @task(1)
    def reference(self) -> None:
        self.client.get("/over/", name="/over/ (ref)")

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/", name="/")

    @task(3)
    def initiatives(self) -> None:
        self.client.get("/initiatieven/", name="/initiatieven/")

    @task(2)
    def filtered(self) -> None:
        theme = PLAN["theme"]
        self.client.get(
            f"/initiatieven/?phase=pilot&theme={theme}&sort=title",
            name="/initiatieven/?phase&theme&sort",
        )

    @task(1)
    def board(self) -> None:
        self.client.get("/initiatieven/bord/", name="/initiatieven/bord/")

    @task(3)
    def detail(self) -> None:
        pk = self.rng.choice(PLAN["initiatives"])
        self.client.get(f"/initiatieven/{pk}/", name="/initiatieven/<id>/")

    @task(2)
    def library(self) -> None:
        self.client.get("/kennis/", name="/kennis/")

    @task(1)
    def document(self) -> None:
        if PLAN["document"]:
            self.client.get(f"/kennis/{PLAN['document']}/", name="/kennis/<id>/")

    @task(2)
    def search(self) -> None:
        query = self.rng.choice(QUERIES)
        self.client.get("/zoeken/", params={"q": query}, name="/zoeken/?q")

    @task(1)
    def network(self) -> None:
        self.client.get("/netwerk/", name="/netwerk/")

    @task(1)
    def comment(self) -> None:
        """Open an initiative, then react to it (the form's CSRF token from the cookie)."""
        pk = self.rng.choice(PLAN["initiatives"])
        self.client.get(f"/initiatieven/{pk}/", name="/initiatieven/<id>/")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            f"/initiatieven/{pk}/reacties/",
            data={"body": PLAN["comment"], "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/initiatieven/{pk}/"},
            name="POST /initiatieven/<id>/reacties/",
            allow_redirects=False,  # the POST itself; the page it leads to is measured above
        )  # fmt: skip
