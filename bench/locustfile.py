"""Locust users for `bench/load.py`: each run measures one page. The page, the
sessions to use and whether to answer RSVPs come from the environment:

    BENCH_PATH     the page, e.g. /handbook/
    BENCH_COOKIES  sessionid values, comma-separated (empty: anonymous)
    BENCH_RSVP     "1": after each event page, POST yes/no on it (a write)
"""

import itertools
import os
import re

from locust import HttpUser, constant, task

PATH = os.environ["BENCH_PATH"]
COOKIES = [c for c in os.environ.get("BENCH_COOKIES", "").split(",") if c]
RSVP = os.environ.get("BENCH_RSVP") == "1"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_next_cookie = itertools.count()


class PortalUser(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.answer = "yes"
        if COOKIES:
            session = COOKIES[next(_next_cookie) % len(COOKIES)]
            self.client.cookies.set("sessionid", session)

    @task
    def page(self):
        response = self.client.get(PATH, name="page")
        if RSVP and response.status_code == 200:
            token = CSRF.search(response.text)
            if token:
                self.client.post(
                    f"{PATH}rsvp/",
                    data={
                        "answer": self.answer,
                        "guests": "0",
                        "csrfmiddlewaretoken": token.group(1),
                    },
                    headers={"Referer": self.client.base_url + PATH},
                    name="rsvp",
                    allow_redirects=False,
                )
                self.answer = "no" if self.answer == "yes" else "yes"
