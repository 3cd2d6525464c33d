/*
 * The page's visible text: its text nodes in document order, skipping what readers do not read
 * as prose (docs/ARCHITECTURE.md, "The walk"), the apparatus of LaTeXML papers such as arXiv's
 * HTML (maths, citations, bibliography…: `LATEXML_SKIP_CLASSES`) and Tadoru's own UI.
 *
 * This is the same walk as `server/tadoru/text/visible.py` (`SKIP_TAGS`, `BLOCK_TAGS`,
 * `LATEXML_SKIP_CLASSES`, `LATEXML_KEEP_CLASSES`, `[contenteditable]`), so the
 * text the extension sends is the text the service would see in the same page; a test compares
 * the two lists and the two walks' output on every fixture page.  The extension sends this
 * text (not the HTML), so the offsets that come back index exactly these nodes.
 *
 * Plain script: defines `globalThis.TadoruWalk`.
 */
(function (root) {
  "use strict";

  /** Elements whose text is never annotated: keep equal to visible.py's SKIP_TAGS. */
  const SKIP_TAGS = new Set([
    "code", "pre", "kbd", "samp", "script", "style", "textarea", "input", "select", "button",
    "svg", "math", "noscript", "template", "iframe", "object", "head", "title", "tadoru-tooltip",
  ]);
  /**
   * Elements whose edges are word breaks even without whitespace in the markup
   * (`<td>LoRA</td><td>22GB</td>`), and `math`: a formula between two words separates them
   * (`neural<math>…</math>network`).  Keep equal to visible.py's BLOCK_TAGS.
   */
  const BLOCK_TAGS = new Set([
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "img", "li", "main", "nav", "ol", "p", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "body", "html", "math",
  ]);
  /**
   * LaTeXML classes (arXiv's HTML papers) of parts that are not prose: an element with one is
   * skipped with all it holds and is a word break, on any page (the `ltx_` names are LaTeXML's
   * own, and paper readers embed LaTeXML fragments without `article.ltx_document`).  Captions,
   * footnote text and tables stay; only the `ltx_tag` ("Figure 1:") inside a caption goes.
   * Keep equal to visible.py's LATEXML_SKIP_CLASSES, which says why each is there.
   */
  const LATEXML_SKIP_CLASSES = new Set([
    "ltx_equation", "ltx_equationgroup", "ltx_eqn_table", "ltx_cite", "ltx_ref", "ltx_tag",
    "ltx_note_mark", "ltx_bibliography", "ltx_authors", "ltx_dates", "ltx_page_footer", "ltx_listing",
  ]);
  /** Classes that keep an element anyway: `\href` links are `a.ltx_ref.ltx_href`, prose. Keep equal to visible.py's. */
  const LATEXML_KEEP_CLASSES = new Set(["ltx_href"]);
  /** Tadoru's highlight element: text inside it is already done, never walked again. */
  const TERM_TAG = "tadoru-term";

  /**
   * Whether element `el` is LaTeXML apparatus (visible.py's `latexml_skipped`).  Most elements
   * have no `ltx_` in their class attribute, and one substring search settles them.
   */
  function latexmlSkipped(el) {
    const cls = el.getAttribute("class");
    if (cls === null || !cls.includes("ltx_")) return false;
    let skip = false;
    for (const name of cls.split(/\s+/)) {
      if (LATEXML_KEEP_CLASSES.has(name)) return false;
      if (LATEXML_SKIP_CLASSES.has(name)) skip = true;
    }
    return skip;
  }

  function isSkippedElement(el) {
    const tag = el.localName;
    if (SKIP_TAGS.has(tag) || tag === TERM_TAG) return true;
    const editable = el.getAttribute("contenteditable");
    if (editable !== null && editable.toLowerCase() !== "false") return true;
    return latexmlSkipped(el);
  }

  /** Whether `node` sits inside a skipped element (or is one), looking up to the document. */
  function insideSkipped(node) {
    for (let n = node.nodeType === 1 ? node : node.parentNode; n && n.nodeType === 1; n = n.parentNode) {
      if (isSkippedElement(n)) return true;
    }
    return false;
  }

  /**
   * Whether a block edge comes right before text node `node`, by visible.py's rule: the node
   * is the first child of a block element, or follows a block element or a skipped LaTeXML
   * part.  (A node after a comment or another text node is not: the server's parser sees one
   * run of text there.)
   */
  function breakBefore(node) {
    const prev = node.previousSibling;
    if (prev === null) return node.parentNode !== null && node.parentNode.nodeType === 1 && BLOCK_TAGS.has(node.parentNode.localName);
    return prev.nodeType === 1 && (BLOCK_TAGS.has(prev.localName) || latexmlSkipped(prev));
  }

  /**
   * Text nodes under `roots` (elements or text nodes), in document order, with their UTF-16
   * offsets in the concatenated text.  `exclude(textNode)` drops nodes already annotated.
   *
   * Returns `{text, nodes: [{node, start, end, data}], breaks}`; `data` is the node's text
   * when walked, so a caller can tell later whether the page changed it meanwhile; `breaks`
   * are the UTF-16 offsets where a block edge separates words (sorted, no duplicates).
   */
  function walkText(roots, exclude) {
    const nodes = [];
    const parts = [];
    const breaks = [];
    let pos = 0;
    const take = (node) => {
      const data = node.data;
      if (!data || (exclude && exclude(node))) return;
      if (breakBefore(node) && breaks[breaks.length - 1] !== pos) breaks.push(pos);
      nodes.push({ node, start: pos, end: pos + data.length, data });
      parts.push(data);
      pos += data.length;
    };
    for (const top of roots) {
      if (!top || !top.isConnected) continue;
      if (top.nodeType === 3) {
        if (!insideSkipped(top.parentNode)) take(top);
        continue;
      }
      if (top.nodeType !== 1 && top.nodeType !== 11) continue;
      if (top.nodeType === 1 && insideSkipped(top)) continue;
      const doc = top.ownerDocument || document;
      const walker = doc.createTreeWalker(top, 0x1 | 0x4 /* SHOW_ELEMENT | SHOW_TEXT */, {
        acceptNode(node) {
          if (node.nodeType === 1) return isSkippedElement(node) ? 2 /* REJECT */ : 3; /* SKIP */
          return 1; /* ACCEPT */
        },
      });
      for (let n = walker.nextNode(); n; n = walker.nextNode()) take(n);
    }
    return { text: parts.join(""), nodes, breaks };
  }

  // ------------------------------------------------------------------ roles (density)

  /** Text roles: prose, a heading (starts a section) or page furniture (never marked under calm). */
  const BODY = 0;
  const HEADING = 1;
  const FURNITURE = 2;
  /** Keep these equal to server/tadoru/text/sections.py (a test compares them). */
  const HEADING_TAGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);
  const FURNITURE_TAGS = new Set(["nav", "header", "footer", "aside", "address"]);
  const FURNITURE_ROLES = new Set(["navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar",
    "toolbar", "tablist"]);
  const FURNITURE_CLASS = /(?:^|[\s_-])(?:byline|author|authors|meta|tags?|taglist|categories|breadcrumbs?|share|social|sidebar|toc)(?:$|[\s_-])/i;
  const FURNITURE_RELS = new Set(["tag", "author"]);

  /** sections.py's `is_furniture`: navigation, header/footer/aside, bylines, tag lists, tables of contents. */
  function isFurniture(el) {
    if (FURNITURE_TAGS.has(el.localName)) return true;
    const role = el.getAttribute("role");
    if (role && FURNITURE_ROLES.has(role.trim().toLowerCase())) return true;
    const rel = el.getAttribute("rel");
    if (rel && rel.toLowerCase().split(/\s+/).some((r) => FURNITURE_RELS.has(r))) return true;
    const cls = el.getAttribute("class");
    return !!cls && FURNITURE_CLASS.test(cls);
  }

  /** The page's main content when it says which (sections.py's `_main_element`), else null. */
  function mainElement(doc) {
    const main = doc.querySelector("main") || doc.querySelector('[role="main" i]');
    if (main) return main;
    const articles = doc.getElementsByTagName("article");
    return articles.length === 1 ? articles[0] : null;
  }

  /**
   * A role finder for one walk: `roleOf(element)` is BODY, HEADING or FURNITURE by the element
   * and its ancestors, as sections.py's `_Roles` decides (memoised: one look per element).
   */
  function roleFinder(doc) {
    const main = mainElement(doc);
    const memo = new Map();
    const own = (el, inherited) => {
      if (el === main) return BODY;
      if (inherited === FURNITURE) return inherited;
      if (isFurniture(el)) return FURNITURE;
      const role = el.getAttribute("role");
      if (HEADING_TAGS.has(el.localName) || (role && role.trim().toLowerCase() === "heading")) return HEADING;
      return inherited;
    };
    return function roleOf(element) {
      const chain = [];
      let n = element;
      while (n && n.nodeType === 1 && !memo.has(n)) {
        chain.push(n);
        n = n.parentNode;
      }
      let role = n && n.nodeType === 1 ? memo.get(n) : (main ? FURNITURE : BODY);
      for (let i = chain.length - 1; i >= 0; i--) {
        role = own(chain[i], role);
        memo.set(chain[i], role);
      }
      return role;
    };
  }

  /**
   * The heading and furniture stretches of walked `nodes` as `[start, end, role]` runs (offsets
   * as the nodes', neighbours of one role merged): what `TadoruPageDoc.toHtml` wraps so the
   * service sees where sections start and what is not prose.
   */
  function roleRuns(nodes) {
    if (!nodes.length) return [];
    const doc = nodes[0].node.ownerDocument || document;
    const roleOf = roleFinder(doc);
    const runs = [];
    for (const n of nodes) {
      const parent = n.node.parentNode;
      const role = parent && parent.nodeType === 1 ? roleOf(parent) : BODY;
      if (role === BODY) continue;
      const last = runs[runs.length - 1];
      if (last && last[2] === role && last[1] === n.start) last[1] = n.end;
      else runs.push([n.start, n.end, role]);
    }
    return runs;
  }

  /** The starting point of the page walk: `<body>`, as on the server. */
  function pageRoot(doc) {
    return doc.body || doc.documentElement;
  }

  const api = Object.freeze({
    SKIP_TAGS, BLOCK_TAGS, LATEXML_SKIP_CLASSES, LATEXML_KEEP_CLASSES, TERM_TAG,
    latexmlSkipped, isSkippedElement, insideSkipped, breakBefore, walkText, pageRoot,
    HEADING_TAGS, FURNITURE_TAGS, FURNITURE_ROLES, FURNITURE_CLASS, FURNITURE_RELS, BODY, HEADING, FURNITURE,
    isFurniture, mainElement, roleFinder, roleRuns,
  });
  root.TadoruWalk = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
