"""What every request shares: the annotator and what the pages derive from it.

Blueprints reach it through ``state()`` (like flaskr's ``get_db()``), so they never import the
application factory and the factory imports them without a circle.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

from tadoru.config import Settings
from tadoru.lexicon import Lexicon


class TadoruState:
    """Per-process state shared by every request: the annotator and derived, cached data."""

    def __init__(self, annotator: Any, settings: Settings) -> None:
        self.annotator = annotator
        self.settings = settings
        self._lock = threading.Lock()
        self._glossary: Any = None
        self._cards: dict[str, dict[str, Any]] = {}

    @property
    def lexicon(self) -> Lexicon:
        return self.annotator.lexicon

    def card(self, concept_id: str) -> dict[str, Any]:
        """The term card of a concept (built once; treat it as read-only)."""
        card = self._cards.get(concept_id)
        if card is None:
            card = self._cards[concept_id] = self.lexicon.card(concept_id)
        return card

    @property
    def glossary(self) -> Any:
        """Definitions annotated once, and which terms mention which (for the term pages)."""
        if self._glossary is None:
            with self._lock:
                if self._glossary is None:
                    from tadoru.service.glossary import Glossary

                    self._glossary = Glossary(self.annotator)
        return self._glossary

    def warm_up(self) -> None:
        """Do every lazy step now: before the workers fork, not on a reader's first request."""
        self.annotator.warm_up()
        _ = self.glossary


def state() -> TadoruState:
    """The ``TadoruState`` of the current application."""
    return current_app.extensions["tadoru"]
