#!/usr/bin/env python3
"""CELR from Python with nothing but the standard library (Python 3.9+): get a token, list learners,
create one, change it safely with If-Match, and read the change feed.

    CELR_URL=http://localhost:3000 python3 quickstart.py

CELR_CLIENT_ID and CELR_CLIENT_SECRET default to the demo client `npm start` prints. The docs include
this file (site/guides/python.md) and tests/docs run it against the reference API, so it works as shown.
"""

import json
import os
import random
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

BASE_URL = os.environ.get("CELR_URL", "http://localhost:3000").rstrip("/")
CLIENT_ID = os.environ.get("CELR_CLIENT_ID", "demo-northbridge")
CLIENT_SECRET = os.environ.get("CELR_CLIENT_SECRET", "demo-northbridge-secret")


# region problem
class CelrProblem(Exception):
    """An RFC 9457 problem document: `type` says what went wrong, `errors` which fields and why."""

    def __init__(self, status, problem):
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {problem.get('type')}: {problem.get('detail') or problem.get('title')}")


def request(method, path, token=None, body=None, headers=None, form=None):
    """Sends one request; returns (body as JSON, response headers). A 4xx or 5xx raises CelrProblem."""
    headers = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(BASE_URL + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            text = response.read()
            return (json.loads(text) if text else None), response.headers
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            problem = json.loads(text)
        except ValueError:
            problem = {"type": "about:blank", "title": text.decode(errors="replace")}
        raise CelrProblem(error.code, problem) from None
# endregion problem


# region token
def get_token():
    """OAuth 2.0 client credentials: the client id and secret for an access token (form-encoded)."""
    answer, _ = request(
        "POST",
        "/oauth/token",
        form={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    return answer["access_token"]
# endregion token


# region list
def list_learners(token, page_size=200):
    """Every learner your organisation may see, following each page's `next` link to the end."""
    path = f"/v1/learners?limit={page_size}"
    while path:
        page, _ = request("GET", path, token)
        yield from page["items"]
        path = page.get("next")
# endregion list


# region create
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(last_twelve):
    """The DfE check letter of a UPN's last twelve characters (a temporary UPN ends in a letter)."""
    total = 0
    for position, char in enumerate(last_twelve, start=2):
        value = UPN_LETTERS.index(char) if position == 13 and not char.isdigit() else int(char)
        total += value * position
    return UPN_LETTERS[total % 23]


def create_learner(token, upn):
    """Creates a learner; the Idempotency-Key makes a retry after a lost answer return the same one."""
    learner = {
        "jurisdiction": "england",
        "name": {"given": "Sam", "family": "Python"},
        "dateOfBirth": "2013-05-14",
        "identifiers": [{"system": "upn", "value": upn}],
        "careStatus": {"status": "looked-after", "legalStatus": "C2", "since": "2022-09-02"},
        "responsibleAuthority": {"scheme": "la-code", "code": "990", "name": "Northbridge Borough Council"},
    }
    created, headers = request(
        "POST", "/v1/learners", token, body=learner, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    return created, headers["ETag"]
# endregion create


# region update
def change_preferred_name(token, learner_id, etag, preferred):
    """A JSON merge patch sent with If-Match: refused with 412 if someone changed the record since."""
    changed, headers = request(
        "PATCH",
        f"/v1/learners/{learner_id}",
        token,
        body={"name": {"given": "Sam", "family": "Python", "preferred": preferred}},
        headers={"Content-Type": "application/merge-patch+json", "If-Match": etag},
    )
    return changed, headers["ETag"]
# endregion update


# region changes
def changes_since(token, after=None):
    """The change feed from a cursor; keep the last page's `cursor` and pass it as `after` next time."""
    query = {"limit": 1000, **({"after": after} if after else {})}
    items = []
    while True:
        page, _ = request("GET", "/v1/changes?" + urllib.parse.urlencode(query), token)
        items.extend(page["items"])
        query["after"] = page["cursor"]
        if not page.get("next"):
            return items, page["cursor"]
# endregion changes


# region run
def main():
    token = get_token()
    print(f"token: {len(token)} characters")

    learners = list(list_learners(token))
    print(f"learners: {len(learners)}")

    _, cursor = changes_since(token)

    last_twelve = "990" + "".join(random.choice("0123456789") for _ in range(9))
    upn = upn_check_letter(last_twelve) + last_twelve
    learner, etag = create_learner(token, upn)
    print(f"created {learner['id']} (UPN {upn}), version {learner['meta']['version']}, ETag {etag}")

    changed, new_etag = change_preferred_name(token, learner["id"], etag, "Sammy")
    print(f"changed to version {changed['meta']['version']}, ETag {new_etag}")

    try:
        change_preferred_name(token, learner["id"], etag, "Samuel")
    except CelrProblem as problem:
        print(f"the old ETag is refused: {problem.status} {problem.problem['type']}")

    try:
        create_learner(token, "A" + last_twelve if upn[0] != "A" else "B" + last_twelve)
    except CelrProblem as problem:
        for issue in problem.problem.get("errors", []):
            print(f"refused: {issue['pointer']} {issue['rule']}: {issue['message']}")

    items, _ = changes_since(token, cursor)
    mine = [item["change"] for item in items if item["recordId"] == learner["id"]]
    print(f"changes since the start: {', '.join(mine)}")


if __name__ == "__main__":
    try:
        main()
    except CelrProblem as problem:
        print(problem, file=sys.stderr)
        sys.exit(1)
# endregion run
