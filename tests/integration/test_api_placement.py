"""``GET``/``POST /api/v1/placement`` through real HTTP (issue 15 #2)."""

from __future__ import annotations

import pytest
import requests


def test_the_placement_lists_cards_and_answers_a_level_and_known_terms(live_server):
    r = requests.get(f"{live_server.url}/api/v1/placement", timeout=30)
    assert r.status_code == 200
    cards = r.json()["terms"]
    assert len(cards) == 21 and [c["level"] for c in cards] == sorted(c["level"] for c in cards)
    assert all(c["label"]["ja"] and c["label"]["en"] and c["definition"]["en"] for c in cards)
    level1 = [c["id"] for c in cards if c["level"] == 1]
    answer = requests.post(f"{live_server.url}/api/v1/placement", json={"can_explain": level1}, timeout=30)
    assert answer.status_code == 200
    body = answer.json()
    assert body["level"] == 2 and set(level1) <= set(body["known"])
    # The known list it gives works as a known list: those terms are no longer annotated.
    text = {"text": "A model learns from data; a neural network is one kind of model.", "known": body["known"]}
    annotated = requests.post(f"{live_server.url}/api/v1/annotate", json=text, timeout=30).json()
    assert not {a["term"] for a in annotated["annotations"]} & set(body["known"])


@pytest.mark.parametrize(("payload", "code"), [
    ([], "invalid_request"),
    ({"can_explain": "model"}, "invalid_field"),
    ({"can_explain": [1]}, "invalid_field"),
    ({"known": ["model"]}, "unknown_field"),
])
def test_a_bad_placement_answer_is_a_clear_422(live_server, payload, code):
    r = requests.post(f"{live_server.url}/api/v1/placement", json=payload, timeout=30)
    assert r.status_code == 422 and r.json()["error"]["code"] == code
