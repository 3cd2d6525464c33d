"""The terms a batch talks about: ``--known`` names resolved, term cards for the study plan, and
the engine of the main process — in-process, or from a running service (``--server``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from tadoru.batch.inputs import BatchError
from tadoru.batch.journal import code_fingerprint, server_fingerprint
from tadoru.batch.worker import WorkerConfig
from tadoru.config import ConfigError
from tadoru.lexicon.load import lexicon_fingerprint
from tadoru.options import ReaderOptions


class BatchTerms:
    """Term cards for the study plan and ``--known`` names, in-process or from the service."""

    def __init__(self, options: Any) -> None:
        self.options = options
        #: The density the pages are marked at, settled from ``density`` and its old name ``first_only``.
        self.density = ReaderOptions(first_only=getattr(options, "first_only", False),
                                     density=getattr(options, "density", "") or "").density
        self.server: Any = None
        self._compiled: Any = None
        self._cards: dict[str, dict[str, Any] | None] = {}
        self.all_cards: dict[str, dict[str, Any]] | None = None
        if options.server_url:
            from tadoru.batch.worker import ServerEngine
            from tadoru.client import ClientError, TadoruClient

            try:
                self.client = TadoruClient(options.server_url)
                health = self.client.health()
                # The whole lexicon as cards: the workers need no more requests for cards, and
                # its hash tells when the service's lexicon changed.
                self.all_cards = self.client.all_cards()
            except ConfigError as exc:
                raise BatchError(f"--server {options.server_url}: {exc}") from None
            except ClientError as exc:
                raise BatchError(f"--server {options.server_url}: {exc.message}") from None
            self.server = ServerEngine(WorkerConfig(out_dir="", server_url=options.server_url), self.client)
            if self.all_cards is not None:
                self.server.prefill(self.all_cards)
            self.fingerprint = server_fingerprint(options.server_url, health, self.all_cards)
        else:
            self.fingerprint = lexicon_fingerprint(options.lexicon_dirs)  # from the files: no loading

    @property
    def compiled(self) -> Any:
        """The in-process compiled lexicon, on first use: from the on-disk cache when it is there
        (0.1 s), else loaded, validated and compiled (about a second) and cached."""
        if self._compiled is None and self.server is None:
            from tadoru.compiled_cache import load_compiled

            self._compiled = load_compiled(self.options.lexicon_dirs)[0]
        return self._compiled

    @property
    def lexicon(self) -> Any:
        return self.compiled.lexicon if self.server is None else None

    def card(self, concept_id: str) -> dict[str, Any] | None:
        if concept_id not in self._cards:
            if self.server is not None:
                self._cards[concept_id] = self.server.card(concept_id)
                return self._cards[concept_id]
            self._cards[concept_id] = self.lexicon.card(concept_id) if concept_id in self.lexicon else None
        return self._cards[concept_id]

    def resolve_known(self, names: Sequence[str], err: TextIO) -> tuple[list[str], list[str]]:
        """The concept ids of ``--known`` names, once each and in order, and the names that are
        not terms of the lexicon (said on ``err``: they are ignored, not fatal)."""
        ids: list[str] = []
        unknown: list[str] = []
        for name in names:
            cid = self.resolve(name)
            if cid is None:
                unknown.append(name)
            elif cid not in ids:
                ids.append(cid)
        if unknown:
            err.write(f"--known: not terms of the lexicon, ignored: {', '.join(unknown)}\n")
        return ids, unknown

    def engine_fingerprint(self) -> str:
        """The code and the lexicon (or service) that shape every output: part of each fingerprint."""
        return hashlib.sha256(f"{code_fingerprint()}\n{self.fingerprint}".encode()).hexdigest()

    def worker_config(self, out_dir: Path, known_ids: Sequence[str], *, offline: bool = True) -> WorkerConfig:
        """What every worker needs: the reader's options with the known ids applied, and where to
        find the lexicon (or the service and its cards)."""
        options = self.options
        reader = ReaderOptions(lang=options.lang, level=options.level, density=self.density,
                               discover=options.discover, known=tuple(sorted(known_ids)))
        return WorkerConfig(out_dir=str(out_dir), options=reader,
                            lexicon_dirs=tuple(str(Path(p).resolve()) for p in options.lexicon_dirs),
                            server_url=options.server_url, cards=self.all_cards, offline=offline)

    def resolve(self, name: str) -> str | None:
        if self.server is None:
            return self.lexicon.resolve(name)
        card = self.card(name)
        if card is not None:
            return str(card["id"])
        return self._search(name)

    def _search(self, name: str) -> str | None:
        from tadoru.client import ClientError
        from tadoru.text.normalize import normalize_label

        try:
            items = self.client.search(name)
        except ClientError:
            return None
        wanted = normalize_label(name)
        for item in items:
            labels = [*(item.get("label") or {}).values()]
            for more in (item.get("aliases") or {}).values():
                labels.extend(more)
            if any(normalize_label(str(label)) == wanted for label in labels):
                return str(item.get("id"))
        return None

    def engine(self, config: WorkerConfig) -> Any:
        """The engine of this process, built once on the lexicon the study plan uses too."""
        from tadoru.batch.worker import LocalEngine, ServerEngine

        if config.server_url:
            return ServerEngine(config, self.client)
        from tadoru.annotate import Annotator

        annotator = Annotator(compiled=self.compiled)
        annotator.warm_up()
        return LocalEngine(config, annotator)
