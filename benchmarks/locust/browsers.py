"""Browsers and admins: catalog pages and search as someone types, typos included; the
rare operator on the dashboard, jobs and cache pages."""

from __future__ import annotations

from locust import between, task

from benchmarks.locust.people import CONFIG, ApiError, Person
from benchmarks.locust.steps import CACHE, DASHBOARD, HANDS, JOBS, SEARCH, SESSIONS, SUGGEST, TITLE

_FALLBACK_WORDS = ("wsop", "main event", "paradise", "colossus", "europe", "bracelet")


class Browser(Person):
    weight = 1

    @task(3)
    def type_a_search(self) -> None:
        try:
            titles = [item["title"] for item in self.home()]
            words = [w for t in titles for w in t.lower().split() if len(w) >= 4 and w.isalpha()]
            word = self.rng.choice(words or list(_FALLBACK_WORDS))
            # One suggestion request per key press, as the search box sends them.
            for end in range(1, min(len(word), 5) + 1):
                self.api.call("GET", "/api/search/suggest", SUGGEST, params={"q": word[:end]})
            hits = self.api.call("GET", "/api/search", SEARCH, params={"q": self._typo(word)})
            for hit in hits["hits"][:2]:
                self.api.call("GET", f"/api/contents/{hit['id']}", TITLE)
        except ApiError:
            return

    @task(1)
    def title_pages(self) -> None:
        try:
            for item in self.rng.sample(items := self.home(), min(3, len(items))):
                self.api.call("GET", f"/api/contents/{item['id']}", TITLE)
                self.api.call("GET", f"/api/contents/{item['id']}/hands", HANDS)
            self.api.call("GET", "/api/stream/sessions", SESSIONS)
        except ApiError:
            return

    def _typo(self, word: str) -> str:
        """One edit (SPEC §4.1 forgives it from four letters): two neighbours swapped or a
        letter dropped."""
        at = self.rng.randrange(len(word) - 1)
        if self.rng.random() < 0.5:
            return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        return word[:at] + word[at + 1 :]


class Admin(Person):
    fixed_count = 1
    wait_time = between(5, 15)

    def email(self) -> str:
        return CONFIG.admin_email

    @task
    def look_around(self) -> None:
        try:
            self.api.call("GET", "/api/admin/dashboard", DASHBOARD)
            self.api.call("GET", "/api/admin/jobs", JOBS, params={"limit": 20})
            if CONFIG.admin_cache:
                self.api.call("GET", "/api/admin/cache", CACHE)
        except ApiError:
            return
