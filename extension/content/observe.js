/*
 * Content added after load (single-page apps, infinite scroll, "load more" buttons).
 *
 * A MutationObserver collects the nodes added to the page and, once the page has been quiet
 * for `delay` ms (or `maxWait` ms have passed since the first change, so endless tickers still
 * get annotated), hands them to `onAdded(nodes)` in one batch.  The extension's own changes are
 * made inside `quietly(fn)`, which disconnects the observer, so marking never feeds back into
 * the observer; text that was already sent is filtered out by the caller's `done` set.
 *
 * Plain script: defines `globalThis.TadoruObserve`.
 */
(function (root) {
  "use strict";

  function create(target, onAdded, { delay = 250, maxWait = 2000 } = {}) {
    const pending = new Set();
    let timer = null;
    let firstAt = 0;
    let running = false;

    function collect(records) {
      for (const r of records) {
        if (r.type === "childList") {
          for (const n of r.addedNodes) {
            if (n.nodeType === 1 || n.nodeType === 3) pending.add(n);
          }
        } else if (r.type === "characterData" && r.target.nodeType === 3) {
          pending.add(r.target);
        }
      }
      if (pending.size) schedule();
    }

    function schedule() {
      const now = Date.now();
      if (!timer) firstAt = now;
      clearTimeout(timer);
      const wait = Math.max(0, Math.min(delay, firstAt + maxWait - now));
      timer = setTimeout(flush, wait);
    }

    function flush() {
      timer = null;
      if (!pending.size) return;
      const nodes = Array.from(pending).filter((n) => n.isConnected);
      pending.clear();
      // Drop nodes inside other pending nodes: the walk of the outer one covers them.
      const set = new Set(nodes);
      const tops = nodes.filter((n) => {
        for (let p = n.parentNode; p; p = p.parentNode) if (set.has(p)) return false;
        return true;
      });
      if (tops.length) onAdded(tops);
    }

    const observer = new MutationObserver(collect);
    const options = { childList: true, subtree: true, characterData: true };

    return {
      start() {
        if (!running) {
          observer.observe(target, options);
          running = true;
        }
      },
      stop() {
        if (running) observer.disconnect();
        running = false;
        clearTimeout(timer);
        timer = null;
        pending.clear();
      },
      /** Run `fn` (the extension's own DOM changes) without observing them. */
      quietly(fn) {
        if (!running) return fn();
        collect(observer.takeRecords()); // the page's changes so far still count
        observer.disconnect();
        try {
          return fn();
        } finally {
          observer.observe(target, options);
        }
      },
      flushNow: flush,
    };
  }

  const api = Object.freeze({ create });
  root.TadoruObserve = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
