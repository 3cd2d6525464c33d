/*
 * Tadoru shared tooltip (docs/ARCHITECTURE.md, "Markup") — ONE copy, used by the browser extension, the service's web
 * pages (served at /static/tooltip.js) and the batch outputs (inlined). Plain script: no
 * modules, no build step, no network access of its own, no innerHTML: every piece of text is
 * set with textContent.
 *
 * API (stable, version 1) — defines globalThis.TadoruTooltip:
 *
 *   const tip = TadoruTooltip.attach({
 *     root: document,                 // Document, Element or ShadowRoot holding the highlights
 *                                     //   <tadoru-term data-term="ID" tabindex="0">text</tadoru-term>
 *                                     //   (event delegation: terms added later work too)
 *     lang: "ja" | "en",              // language of the definition and of the tooltip's own words
 *     getCard: async (id) => card,    // the API's term card {id, label:{en,ja}, definition:{en,ja},
 *                                     //   level, deeper:[ids], related:[ids], links, ...}
 *                                     //   (results are cached per attach(); a rejection shows an
 *                                     //   error line and is retried next time)
 *     termPageUrl: (id) => url|null,  // optional: link to the term page (null/absent hides it)
 *     onKnown: async (id) => {},      // optional: "I know this" clicked (null/absent hides the
 *                                     //   button); the caller un-highlights the term
 *     onOpen: (id) => {},             // optional: a term's card was opened (the reader looked it up)
 *     cssText: "...",                 // the stylesheet put inside the shadow root, as text
 *     cssUrl: "...",                  //   …or as a URL (give one of them; tooltip.css is it)
 *     linkTarget: "_blank",           // optional: target of the term-page link (default "_blank")
 *     hoverDelay: 250                 // optional: ms the pointer rests on a highlight before its card
 *                                     //   opens (default 250; 0 opens at once; focus and clicks never wait)
 *   }) -> { open(el), close(), destroy() }
 *
 *   tip.open(el)   open the card of a <tadoru-term> element (as a click would: it stays open)
 *   tip.close()    close it
 *   tip.destroy()  remove every listener and the <tadoru-tooltip> element
 *   TadoruTooltip.version === 1
 *   TadoruTooltip.tint(root, levelOf)   set data-level="1|2|3" on each highlight from levelOf(id)
 *                                       //   (anything else removes it): the level tints
 *
 *   searchUrl: (word, lang) => url|null  // optional: where a candidate's "Search" link goes (absent:
 *                                        //   Wikipedia's search in the page's language; null: no link)
 *
 * Candidates (issue 16): a <tadoru-term data-candidate="definition|acronym|compound"> (no
 * data-term) is a word Tadoru does not know yet.  Its card is made from the element itself:
 * the word, "no card yet", the page's own long form (data-long-form), the known concept it
 * builds on (data-head: a button that traces into that card, with Back) and a search link for
 * the word in the page's language (data-lang).
 *
 * Keyboard (issue 15 #3): the page's highlights are ONE Tab stop (roving focus): the first
 * piece of each highlight is marked data-tadoru-stop, only the current one has tabindex="0";
 * arrow keys or j/k move between highlights (Home/End: first/last), Enter opens the card, Esc
 * closes it, Tab leaves the highlights.  Each highlight has role="button", aria-haspopup="dialog"
 * and its text as its name (a candidate's name adds "no card yet").
 *
 * Behaviour: the tooltip opens when the pointer rests on a <tadoru-term> (hoverDelay) and on focus of one; a click or Enter
 * opens it and keeps it open (Enter also moves focus into it, so Tab reaches its buttons); Esc
 * closes it (and gives focus back to the term). Moving the pointer away closes an unpinned
 * tooltip after a short delay. It shows both preferred labels, the definition in `lang`, the
 * level, the deeper terms as buttons (a click shows that term's card in the same tooltip, with a
 * Back button: the "trace"), the related terms, "I know this" and a link to the term page. It
 * stays inside the viewport, follows scrolling, moves into the fullscreen element, and follows
 * prefers-color-scheme (in tooltip.css).
 *
 * Markup (user stylesheets and tests may rely on it): one <tadoru-tooltip> host element, styled
 * `all: initial`, with an OPEN shadow root holding:
 *   .tadoru-card                  the panel (role=dialog, data-term = the term shown)
 *   .tadoru-back                  Back button (only after following a deeper/related term)
 *   .tadoru-label-en / -ja        the two preferred labels
 *   .tadoru-level                 "Level 2 · practitioner" (data-level)
 *   .tadoru-definition            the definition
 *   .tadoru-deeper button         one per deeper term (data-term)
 *   .tadoru-related button        one per related term (data-term)
 *   .tadoru-known                 "I know this"
 *   .tadoru-term-link             link to the term page
 *   .tadoru-error                 shown when getCard failed, with the reason (.tadoru-error-detail:
 *                                 the error's message, e.g. "the service is not running") and
 *                                 a .tadoru-retry button
 *   .tadoru-candidate-note        a candidate's "no card yet" line (the card has data-candidate)
 *   .tadoru-long-form             what the page says a candidate stands for
 *   .tadoru-head button           the known concept a candidate builds on (data-term)
 *   .tadoru-search-link           search the web for a candidate
 */
(function () {
  "use strict";

  var VERSION = 1;
  if (globalThis.TadoruTooltip && globalThis.TadoruTooltip.version >= VERSION) {
    return;
  }

  var TERM = "tadoru-term";
  var CANDIDATE = "\u0000candidate";  // currentId while a candidate's card is shown (never a term id)
  var HOST = "tadoru-tooltip";
  var CLOSE_DELAY = 300;
  var HOVER_DELAY = 250;
  var STOP = "data-tadoru-stop";
  var GAP = 6;
  var MARGIN = 8;

  var WORDS = {
    en: {
      level: "Level", levels: { 1: "everyday", 2: "practitioner", 3: "specialist" },
      deeper: "Builds on", related: "Related", back: "Back", known: "I know this",
      page: "Term page", loading: "Loading…", error: "Could not load this term.", close: "Close", retry: "Retry",
      dialog: "Term", unknownWord: "no card yet", noCard: "Tadoru has no card for this word yet.", standsFor: "This page spells it out as",
      kindOf: "A kind of", coined: "It looks like a technical name or abbreviation.", search: "Search the web"
    },
    ja: {
      level: "レベル", levels: { 1: "一般", 2: "実務", 3: "専門" },
      deeper: "前提となる用語", related: "関連", back: "戻る", known: "知っている",
      page: "用語のページ", loading: "読み込み中…", error: "この用語を読み込めませんでした。", close: "閉じる", retry: "再試行",
      dialog: "用語", unknownWord: "カードはまだありません", noCard: "この語のカードは Tadoru にまだありません。", standsFor: "このページでの正式な名前",
      kindOf: "もとになる用語", coined: "技術的な名前か略語のようです。", search: "ウェブで検索"
    }
  };

  function make(doc, tag, cls, text) {
    var el = doc.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  function termOf(target) {
    if (!target || typeof target.closest !== "function") return null;
    return target.closest(TERM);
  }

  /** Wikipedia's search for a word, in the page's language: a candidate's default search link. */
  function wikipediaSearch(word, lang) {
    return "https://" + (lang === "ja" ? "ja" : "en") + ".wikipedia.org/w/index.php?search=" + encodeURIComponent(word);
  }

  function labelOf(card, lang) {
    if (!card || !card.label) return null;
    return card.label[lang] || card.label.en || card.label.ja || card.id || null;
  }

  function attach(options) {
    var opts = options || {};
    if (typeof opts.getCard !== "function") {
      throw new TypeError("TadoruTooltip.attach: getCard must be a function");
    }
    var root = opts.root || document;
    var doc = root.nodeType === 9 ? root : root.ownerDocument;
    var win = doc.defaultView || globalThis;
    var lang = opts.lang === "ja" ? "ja" : "en";
    var other = lang === "ja" ? "en" : "ja";
    var words = WORDS[lang];
    var linkTarget = typeof opts.linkTarget === "string" ? opts.linkTarget : "_blank";
    var hoverDelay = typeof opts.hoverDelay === "number" && opts.hoverDelay >= 0 ? opts.hoverDelay : HOVER_DELAY;
    var hoverTimer = 0;

    var cache = new Map();
    var host = null;
    var shadow = null;
    var card = null;
    var anchor = null;      // the <tadoru-term> the tooltip belongs to
    var currentId = null;   // the term whose card is shown (may be a deeper one)
    var history = [];       // ids to go Back to
    var pinned = false;     // opened by click/Enter or interacted with: only Esc/outside click close
    var closeTimer = 0;
    var renderToken = 0;
    var listeners = [];
    var destroyed = false;
    var refocusing = null;  // the term focus is given back to on close: that focus must not reopen

    function restoreFocus(el) {
      if (!el || typeof el.focus !== "function") return;
      refocusing = el;
      el.focus();
      refocusing = null;
    }

    function listen(target, type, fn, capture) {
      target.addEventListener(type, fn, !!capture);
      listeners.push([target, type, fn, !!capture]);
    }

    function fetchCard(id) {
      if (!cache.has(id)) {
        var p = Promise.resolve().then(function () { return opts.getCard(id); }).then(function (c) {
          if (!c || typeof c !== "object") throw new Error("no card for " + id);
          return c;
        });
        p.catch(function () { cache.delete(id); });
        cache.set(id, p);
      }
      return cache.get(id);
    }

    // ------------------------------------------------------------------ host element

    function setHostStyle(prop, value) {
      host.style.setProperty(prop, value, "important");
    }

    function ensureHost() {
      if (host) {
        var container = doc.fullscreenElement || doc.body || doc.documentElement;
        if (host.parentNode !== container) container.appendChild(host);
        return;
      }
      host = doc.createElement(HOST);
      setHostStyle("all", "initial");
      setHostStyle("position", "fixed");
      setHostStyle("z-index", "2147483647");
      setHostStyle("top", "0px");
      setHostStyle("left", "0px");
      setHostStyle("display", "none");
      shadow = host.attachShadow({ mode: "open" });
      if (typeof opts.cssText === "string" && opts.cssText) {
        var adopted = false;
        try {
          if ("adoptedStyleSheets" in shadow && typeof win.CSSStyleSheet === "function") {
            var sheet = new win.CSSStyleSheet();
            sheet.replaceSync(opts.cssText);  // not subject to the page's CSP, unlike <style>
            shadow.adoptedStyleSheets = [sheet];
            adopted = true;
          }
        } catch (e) {
          adopted = false;
        }
        if (!adopted) shadow.appendChild(make(doc, "style", null, opts.cssText));
      } else if (typeof opts.cssUrl === "string" && opts.cssUrl) {
        var link = doc.createElement("link");
        link.rel = "stylesheet";
        link.href = opts.cssUrl;
        shadow.appendChild(link);
      }
      card = make(doc, "div", "tadoru-card");
      card.setAttribute("role", "dialog");
      card.setAttribute("aria-label", words.dialog);
      card.tabIndex = -1;
      shadow.appendChild(card);
      listen(card, "click", onCardClick);
      listen(card, "keydown", onKeydown);
      listen(host, "mouseenter", cancelClose);
      listen(host, "mouseleave", function () { if (!pinned) scheduleClose(); });
      listen(host, "pointerdown", function () { pinned = true; });
      (doc.fullscreenElement || doc.body || doc.documentElement).appendChild(host);
    }

    function isOpen() {
      return !!host && host.style.getPropertyValue("display") !== "none";
    }

    // ------------------------------------------------------------------ rendering

    function section(cls, heading, ids, names) {
      var box = make(doc, "div", cls);
      box.appendChild(make(doc, "div", "tadoru-heading", heading));
      var list = make(doc, "div", "tadoru-buttons");
      ids.forEach(function (id) {
        // The card names the terms it links to (`names`): the button reads right at once, in the
        // reader's language, instead of showing the (English) id until that term's card arrives.
        var named = names && names[id] ? labelOf({ id: id, label: names[id] }, lang) : null;
        var b = make(doc, "button", null, named || String(id).replace(/-/g, " "));
        b.type = "button";
        b.setAttribute("data-term", id);
        list.appendChild(b);
        if (named) {
          var alt0 = labelOf({ id: id, label: names[id] }, other);
          if (alt0 && alt0 !== named) b.title = alt0;
          return;
        }
        var token = renderToken;
        fetchCard(id).then(function (c) {
          if (token !== renderToken) return;
          b.textContent = labelOf(c, lang);
          var alt = labelOf(c, other);
          if (alt && alt !== b.textContent) b.title = alt;
        }, function () { /* keep the id as the button text */ });
      });
      box.appendChild(list);
      return box;
    }

    function nav() {
      var bar = make(doc, "div", "tadoru-nav");
      if (history.length) {
        var back = make(doc, "button", "tadoru-back", "← " + words.back);
        back.type = "button";
        bar.appendChild(back);
      }
      var close = make(doc, "button", "tadoru-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", words.close);
      close.title = words.close;
      bar.appendChild(close);
      return bar;
    }

    function renderMessage(id, cls, text) {
      card.replaceChildren();
      card.setAttribute("data-term", id);
      card.appendChild(nav());
      card.appendChild(make(doc, "p", cls, text));
    }

    /** A card that could not load: why (the service down, say), and a way to try again. */
    function renderFailure(id, err) {
      renderMessage(id, "tadoru-error", words.error);
      var detail = err && typeof err.message === "string" ? err.message : "";
      if (detail) card.appendChild(make(doc, "p", "tadoru-error-detail", detail));
      var retry = make(doc, "button", "tadoru-retry", words.retry);
      retry.type = "button";
      retry.setAttribute("data-retry", id);
      card.appendChild(retry);
    }

    function renderCard(c) {
      card.replaceChildren();
      card.setAttribute("data-term", c.id);
      card.setAttribute("lang", lang);
      card.appendChild(nav());

      var labels = make(doc, "div", "tadoru-labels");
      var main = make(doc, "span", "tadoru-label-" + lang + " tadoru-label-main", labelOf(c, lang));
      main.setAttribute("lang", lang);
      var second = make(doc, "span", "tadoru-label-" + other + " tadoru-label-other", labelOf(c, other));
      second.setAttribute("lang", other);
      if (second.textContent === main.textContent) second.hidden = true;
      labels.appendChild(main);
      labels.appendChild(second);
      // How the Japanese label sounds (過学習 → かがくしゅう), for readers who cannot read it yet.
      var sound = c.reading && typeof c.reading.ja === "string" ? c.reading.ja : "";
      if (sound && c.label && c.label.ja && !(lang === "en" && second.hidden)) {
        var said = make(doc, "span", "tadoru-reading", sound);
        said.setAttribute("lang", "ja");
        labels.insertBefore(said, lang === "ja" ? second : null);
      }
      card.appendChild(labels);

      var level = Number(c.level);
      if (level) {
        var lv = make(doc, "span", "tadoru-level",
          words.level + " " + level + (words.levels[level] ? " · " + words.levels[level] : ""));
        lv.setAttribute("data-level", String(level));
        card.appendChild(lv);
      }

      var def = c.definition || {};
      var defLang = def[lang] ? lang : other;
      var p = make(doc, "p", "tadoru-definition", def[defLang] || "");
      p.setAttribute("lang", defLang);
      card.appendChild(p);

      if (Array.isArray(c.deeper) && c.deeper.length) {
        card.appendChild(section("tadoru-deeper", words.deeper, c.deeper, c.names));
      }
      if (Array.isArray(c.related) && c.related.length) {
        card.appendChild(section("tadoru-related", words.related, c.related, c.names));
      }

      var actions = make(doc, "div", "tadoru-actions");
      if (typeof opts.onKnown === "function") {
        var known = make(doc, "button", "tadoru-known", words.known);
        known.type = "button";
        actions.appendChild(known);
      }
      var url = typeof opts.termPageUrl === "function" ? opts.termPageUrl(c.id) : null;
      if (url) {
        var a = make(doc, "a", "tadoru-term-link", words.page + " →");
        a.href = url;
        if (linkTarget && linkTarget !== "_self") {
          a.target = linkTarget;
          a.rel = "noopener noreferrer";
        }
        actions.appendChild(a);
      }
      if (actions.childNodes.length) card.appendChild(actions);
    }

    function renderCandidate(el) {
      var kind = el.getAttribute("data-candidate") || "";
      var word = el.getAttribute("data-surface") || el.textContent || "";
      card.replaceChildren();
      card.setAttribute("data-term", "");
      card.setAttribute("data-candidate", kind);
      card.setAttribute("lang", lang);
      card.appendChild(nav());
      var labels = make(doc, "div", "tadoru-labels");
      labels.appendChild(make(doc, "span", "tadoru-label-main tadoru-candidate-word", word));
      card.appendChild(labels);
      card.appendChild(make(doc, "p", "tadoru-candidate-note", words.noCard));
      var longForm = el.getAttribute("data-long-form");
      if (longForm) {
        var said = make(doc, "p", "tadoru-long-form");
        said.appendChild(make(doc, "span", "tadoru-heading", words.standsFor));
        said.appendChild(make(doc, "span", "tadoru-long-form-text", longForm));
        card.appendChild(said);
      } else if (kind === "acronym") {
        card.appendChild(make(doc, "p", "tadoru-candidate-note", words.coined));
      }
      var head = el.getAttribute("data-head");
      if (head) card.appendChild(section("tadoru-head", kind === "compound" ? words.kindOf : words.standsFor, [head]));
      var pageLang = el.getAttribute("data-lang") || lang;
      var url = typeof opts.searchUrl === "function" ? opts.searchUrl(word, pageLang)
        : opts.searchUrl === null ? null : wikipediaSearch(word, pageLang);
      if (url && /^https?:/i.test(url)) {
        var actions = make(doc, "div", "tadoru-actions");
        var a = make(doc, "a", "tadoru-search-link", words.search + " →");
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        actions.appendChild(a);
        card.appendChild(actions);
      }
    }

    function showCandidate(el, focusCard) {
      ensureHost();
      currentId = CANDIDATE;
      ++renderToken;
      renderCandidate(el);
      setHostStyle("display", "block");
      position();
      if (focusCard) card.focus({ preventScroll: true });
    }

    function show(id, focusCard) {
      if (id === CANDIDATE) { showCandidate(anchor, focusCard); return Promise.resolve(); }
      ensureHost();
      card.removeAttribute("data-candidate");
      if (currentId !== id && typeof opts.onOpen === "function") {
        try { opts.onOpen(id); } catch (e) { /* a caller's bookkeeping never breaks the card */ }
      }
      currentId = id;
      var token = ++renderToken;
      renderMessage(id, "tadoru-loading", words.loading);
      setHostStyle("display", "block");
      position();
      return fetchCard(id).then(function (c) {
        if (token !== renderToken || destroyed) return;
        renderCard(c);
        position();
        if (focusCard) card.focus({ preventScroll: true });
      }, function (err) {
        if (token !== renderToken || destroyed) return;
        renderFailure(id, err);
        position();
      });
    }

    function position() {
      if (!host || !anchor) return;
      if (!anchor.isConnected) { close(); return; }
      var rects = anchor.getClientRects();
      var r = rects.length ? rects[0] : anchor.getBoundingClientRect();
      var vw = doc.documentElement.clientWidth || win.innerWidth;
      var vh = doc.documentElement.clientHeight || win.innerHeight;
      var w = card.offsetWidth;
      var h = card.offsetHeight;
      var left = Math.min(Math.max(MARGIN, r.left), Math.max(MARGIN, vw - w - MARGIN));
      var top = r.bottom + GAP;
      if (top + h > vh - MARGIN) {
        var above = r.top - GAP - h;
        top = above >= MARGIN ? above : Math.max(MARGIN, vh - h - MARGIN);
      }
      setHostStyle("left", Math.round(left) + "px");
      setHostStyle("top", Math.round(top) + "px");
    }

    // ------------------------------------------------------------------ open / close

    function open(el, how) {
      if (destroyed || !el) return;
      var id = el.hasAttribute("data-candidate") ? CANDIDATE : el.getAttribute("data-term");
      if (!id) return;
      cancelClose();
      var mode = how || { pin: true };
      if (anchor === el && isOpen() && history.length === 0 && currentId === id) {
        pinned = pinned || !!mode.pin;
        if (mode.focus) card.focus({ preventScroll: true });
        return;
      }
      anchor = el;
      history = [];
      pinned = !!mode.pin;
      show(id, !!mode.focus);
    }

    function close() {
      cancelClose();
      renderToken++;
      if (host) setHostStyle("display", "none");
      anchor = null;
      currentId = null;
      history = [];
      pinned = false;
    }

    function scheduleClose() {
      cancelClose();
      closeTimer = win.setTimeout(close, CLOSE_DELAY);
    }

    function cancelClose() {
      if (closeTimer) win.clearTimeout(closeTimer);
      closeTimer = 0;
    }

    function focusInside() {
      return !!shadow && !!shadow.activeElement;
    }

    // ------------------------------------------------------------------ events

    function onCardClick(e) {
      var target = e.target;
      var button = target && target.closest ? target.closest("button") : null;
      if (!button) return;
      pinned = true;
      var hadFocus = focusInside();
      if (button.classList.contains("tadoru-retry")) {
        show(button.getAttribute("data-retry"), hadFocus);  // the failed fetch left the cache
      } else if (button.classList.contains("tadoru-close")) {
        var back = anchor;
        close();
        if (hadFocus) restoreFocus(back);
      } else if (button.classList.contains("tadoru-back")) {
        if (history.length) show(history.pop(), hadFocus);
      } else if (button.classList.contains("tadoru-known")) {
        var id = currentId;
        var term = anchor;
        Promise.resolve().then(function () { return opts.onKnown(id); }).then(function () {
          if (currentId === id || anchor === term) close();
        }, function () {
          renderMessage(id, "tadoru-error", words.error);
        });
      } else if (button.hasAttribute("data-term")) {
        history.push(currentId);
        show(button.getAttribute("data-term"), hadFocus);
      }
    }

    function onKeydown(e) {
      if (e.key === "Escape" && isOpen()) {
        var back = anchor;
        var restore = focusInside();
        close();
        if (restore) restoreFocus(back);
        e.stopPropagation();
      }
    }

    // ------------------------------------------------------------------ roving focus

    var current = null;  // the one highlight that is a Tab stop

    /** The first pieces of the highlights, in document order (new ones are adopted first). */
    function stops() {
      adopt();
      return Array.prototype.slice.call(root.querySelectorAll(TERM + "[" + STOP + "]"));
    }

    /**
     * Make highlights added since the last look part of the one Tab stop: a first piece (marked
     * tabindex="0" by whoever made it) becomes a stop with tabindex="-1", a role and a name.
     */
    function adopt() {
      var fresh = root.querySelectorAll(TERM + '[tabindex="0"]:not([' + STOP + "])");
      for (var i = 0; i < fresh.length; i++) {
        var el = fresh[i];
        el.setAttribute(STOP, "");
        el.setAttribute("role", "button");
        el.setAttribute("aria-haspopup", "dialog");
        if (el.hasAttribute("data-candidate")) {
          // The word from data-surface: a PDF reader's box has no text of its own.
          var word = el.getAttribute("data-surface") || el.textContent || "";
          el.setAttribute("aria-label", word + " (" + words.unknownWord + ")");
        }
        if (el !== current) el.setAttribute("tabindex", "-1");
      }
      if (!current || !current.isConnected) {
        current = root.querySelector(TERM + "[" + STOP + "]");
        if (current) current.setAttribute("tabindex", "0");
      }
    }

    function makeCurrent(el) {
      if (current && current !== el && current.isConnected) current.setAttribute("tabindex", "-1");
      current = el;
      el.setAttribute("tabindex", "0");
    }

    function stopOf(t) {
      if (t.hasAttribute(STOP)) return t;
      var all = stops();
      var id = t.getAttribute("data-term");
      for (var i = all.length - 1; i >= 0; i--) {  // the piece's own first piece: the last stop before it
        if (all[i].getAttribute("data-term") === id &&
            (all[i].compareDocumentPosition(t) & 4 /* FOLLOWING */)) return all[i];
      }
      return t;
    }

    var observer = null;
    if (typeof win.MutationObserver === "function") {
      var pending = false;
      observer = new win.MutationObserver(function () {
        if (pending) return;
        pending = true;
        win.setTimeout(function () { pending = false; if (!destroyed) adopt(); }, 0);
      });
      observer.observe(root.nodeType === 9 ? root.documentElement : root, { childList: true, subtree: true });
    }
    adopt();

    function move(from, key) {
      var all = stops();
      var k = all.indexOf(stopOf(from));
      var next = key === "Home" ? 0 : key === "End" ? all.length - 1
        : (key === "ArrowRight" || key === "ArrowDown" || key === "j") ? k + 1 : k - 1;
      if (next < 0 || next >= all.length || next === k) return false;
      makeCurrent(all[next]);
      all[next].focus();
      return true;
    }

    function cancelHover() {
      if (hoverTimer) win.clearTimeout(hoverTimer);
      hoverTimer = 0;
    }

    listen(root, "mouseover", function (e) {
      var t = termOf(e.target);
      if (!t) return;
      if (t === anchor) { cancelClose(); cancelHover(); return; }
      if (pinned && isOpen()) return;
      cancelHover();
      if (!hoverDelay) { open(t, { pin: false }); return; }
      hoverTimer = win.setTimeout(function () {
        hoverTimer = 0;
        if (!destroyed && !(pinned && isOpen())) open(t, { pin: false });
      }, hoverDelay);
    });
    listen(root, "mouseout", function (e) {
      var t = termOf(e.target);
      if (t && hoverTimer && !(e.relatedTarget && t.contains(e.relatedTarget))) cancelHover();
      if (!t || t !== anchor || pinned) return;
      if (e.relatedTarget && (t.contains(e.relatedTarget) || e.relatedTarget === host)) return;
      scheduleClose();
    });
    listen(root, "focusin", function (e) {
      var t = termOf(e.target);
      if (t) makeCurrent(stopOf(t));
      if (t && t !== anchor && t !== refocusing) open(t, { pin: false });
    });
    listen(root, "focusout", function (e) {
      var t = termOf(e.target);
      if (!t || t !== anchor || pinned) return;
      if (e.relatedTarget === host) return;
      scheduleClose();
    });
    listen(root, "click", function (e) {
      var t = termOf(e.target);
      if (t) { cancelHover(); open(t, { pin: true }); }
    });
    listen(root, "keydown", function (e) {
      var t = termOf(e.target);
      if (!t || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        open(t, { pin: true, focus: true });
      } else if (["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp", "Home", "End", "j", "k"].indexOf(e.key) >= 0) {
        e.preventDefault();  // the page does not scroll: focus moves (and scrolls it into view)
        move(t, e.key);
      }
    });
    listen(doc, "keydown", onKeydown);
    listen(doc, "pointerdown", function (e) {
      if (!isOpen()) return;
      var path = typeof e.composedPath === "function" ? e.composedPath() : [e.target];
      if (path.indexOf(host) >= 0) return;
      if (termOf(e.target)) return;
      close();
    }, true);
    listen(win, "scroll", function () { if (isOpen()) position(); }, true);
    listen(win, "resize", function () { if (isOpen()) position(); });
    listen(doc, "fullscreenchange", function () { if (host) ensureHost(); if (isOpen()) position(); });

    return {
      open: function (el) { open(el, { pin: true }); },
      close: close,
      destroy: function () {
        destroyed = true;
        cancelHover();
        if (observer) observer.disconnect();
        close();
        listeners.forEach(function (l) { l[0].removeEventListener(l[1], l[2], l[3]); });
        listeners = [];
        if (host && host.parentNode) host.parentNode.removeChild(host);
        host = shadow = card = null;
        cache.clear();
      }
    };
  }

  /**
   * Tint the highlights by level (issue 15 #2): every mark of a term gets data-level from
   * levelOf(id) (1, 2 or 3), or loses it when levelOf gives anything else, so a reader sees
   * at a glance which terms are everyday, practitioner or specialist ones.  The colours are in
   * tooltip.css and the extension's highlight.css.  Returns the number of marks tinted.
   */
  function tint(root, levelOf) {
    var marks = root.querySelectorAll(TERM + "[data-term]");
    var tinted = 0;
    for (var i = 0; i < marks.length; i++) {
      var level = levelOf(marks[i].getAttribute("data-term"));
      if (level === 1 || level === 2 || level === 3) {
        if (marks[i].getAttribute("data-level") !== String(level)) marks[i].setAttribute("data-level", String(level));
        tinted++;
      } else if (marks[i].hasAttribute("data-level")) {
        marks[i].removeAttribute("data-level");
      }
    }
    return tinted;
  }

  globalThis.TadoruTooltip = Object.freeze({ version: VERSION, attach: attach, tint: tint });
})();
