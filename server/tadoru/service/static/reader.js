/*
 * Tadoru's PDF reader (/read): pdf.js draws the pages, the API's boxes become highlights.
 *
 * The PDF's bytes go twice: to pdf.js (vendored in static/pdfjs, run in its worker) to draw each
 * page when it comes into view, and to POST /api/v1/annotate-pdf, which answers each term with
 * its page and its boxes in PDF points from the page's top-left. Each box becomes a
 * <tadoru-term> over the canvas, so the shared tooltip (attached by web.js: hover, focus, Enter,
 * deeper terms, Back, "I know this") works as on every other page. No innerHTML anywhere; the
 * page's own policy allows scripts and the pdf.js worker from this origin only.
 *
 * A PDF arrives by the file picker, by drag and drop, from the paste form (web.js keeps it in
 * IndexedDB and opens /read#pending) or from the extension (a window message of the same page).
 * Words Tadoru does not know yet (issue 16) come back with boxes too when the reader asks
 * (?discover=off|names|all, or the select): dashed marks whose card the tooltip makes from the
 * mark's own attributes. Changing the level or that choice annotates the open PDF again.
 */
const root = document.getElementById("reader");
const pagesEl = document.getElementById("reader-pages");
const statusEl = document.getElementById("reader-status");
const levelEl = document.getElementById("reader-level");
const discoverEl = document.getElementById("reader-discover"); // each option carries the API's value (data-request)
const KNOWN_KEY = "tadoru.known";
const MIN_SCALE = 0.5;
const MAX_SCALE = 2;

const pdfjs = await import(root.dataset.pdfjs);
pdfjs.GlobalWorkerOptions.workerSrc = root.dataset.pdfjsWorker;

let current = null; // the open document: {doc, shells, observer, bytes, name}
let openToken = 0;

function message(name, values) {
  const template = root.dataset["msg" + name] || "";
  return template.replace(/\{(\w+)\}/g, (_, key) => (values && key in values ? String(values[key]) : ""));
}

function setStatus(text, isError) {
  statusEl.textContent = text;
  statusEl.classList.toggle("reader-error", !!isError);
}

function knownList() {
  try {
    const list = JSON.parse(window.localStorage.getItem(KNOWN_KEY) || "[]");
    return Array.isArray(list) ? list.filter((x) => typeof x === "string") : [];
  } catch (e) {
    return [];
  }
}

function isPdf(bytes) {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  return head.includes("%PDF");
}

async function annotate(bytes) {
  const params = new URLSearchParams({ level: levelEl.value });
  const known = knownList();
  if (known.length) params.set("known", known.join(","));
  params.set("discover", discoverEl.selectedOptions[0].dataset.request);
  const response = await fetch(root.dataset.annotate + "?" + params.toString(), {
    method: "POST",
    headers: { "Content-Type": "application/pdf", Accept: "application/json" },
    body: bytes,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const why = body && body.error && body.error.message ? body.error.message : "HTTP " + response.status;
    throw new Error(why);
  }
  return body;
}

function pageShell(number, width, height, scale) {
  const shell = document.createElement("div");
  shell.className = "reader-page";
  shell.dataset.page = String(number);
  shell.setAttribute("role", "region");
  shell.setAttribute("aria-label", message("Page", { page: number }));
  shell.style.width = Math.round(width * scale) + "px";
  shell.style.height = Math.round(height * scale) + "px";
  const layer = document.createElement("div");
  layer.className = "reader-marks";
  shell.appendChild(layer);
  pagesEl.appendChild(shell);
  return { number, shell, layer, scale, rendered: false, marks: [] };
}

async function renderPage(doc, item) {
  if (item.rendered) return;
  item.rendered = true;
  const page = await doc.getPage(item.number);
  const viewport = page.getViewport({ scale: item.scale });
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = Math.round(viewport.width) + "px";
  canvas.style.height = Math.round(viewport.height) + "px";
  canvas.setAttribute("aria-hidden", "true");
  item.shell.insertBefore(canvas, item.layer);
  await page.render({
    canvas,
    viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
  }).promise;
  page.cleanup();
}

/** A candidate's mark carries what its card is made of (as pages/mark.py writes it in HTML). */
function describeCandidate(mark, c, lang) {
  mark.setAttribute("data-candidate", c.kind);
  mark.setAttribute("data-surface", c.surface);
  if (c.long_form) mark.setAttribute("data-long-form", c.long_form);
  if (c.head) mark.setAttribute("data-head", c.head);
  mark.setAttribute("data-lang", lang);
}

function placeMarks(item, annotations, lang) {
  for (const a of annotations) {
    a.rects.forEach((rect, k) => {
      const [x0, y0, x1, y1] = rect;
      const mark = document.createElement("tadoru-term");
      if (a.kind) describeCandidate(mark, a, lang);
      else mark.setAttribute("data-term", a.term);
      // The first box of a term is its Tab stop; the boxes of its other lines are not.
      mark.setAttribute("tabindex", k === 0 ? "0" : "-1");
      mark.setAttribute("role", "button");
      mark.setAttribute("aria-label", a.kind ? a.surface : a.exact);
      mark.className = "reader-mark";
      mark.style.left = x0 * item.scale + "px";
      mark.style.top = y0 * item.scale + "px";
      mark.style.width = Math.max(2, (x1 - x0) * item.scale) + "px";
      mark.style.height = Math.max(2, (y1 - y0) * item.scale) + "px";
      item.layer.appendChild(mark);
    });
  }
}

async function openPdf(bytes, name) {
  const token = ++openToken;
  if (current) {
    current.observer.disconnect();
    current.doc.destroy();
    current = null;
  }
  pagesEl.replaceChildren();
  if (!isPdf(bytes)) {
    setStatus(message("NotPdf"), true);
    return;
  }
  setStatus(message("Loading", { name }));
  // pdf.js takes its copy to its worker; the API gets this one.
  const annotating = annotate(bytes.slice());
  let doc;
  try {
    doc = await pdfjs.getDocument({
      data: bytes.slice(),
      cMapUrl: root.dataset.cmaps,
      cMapPacked: true,
      standardFontDataUrl: root.dataset.fonts,
      wasmUrl: root.dataset.wasm,
    }).promise;
  } catch (error) {
    annotating.catch(() => {});
    setStatus(message("Failed", { message: error && error.message ? error.message : String(error) }), true);
    return;
  }
  if (token !== openToken) return;
  const first = await doc.getPage(1);
  const base = first.getViewport({ scale: 1 });
  const room = Math.max(320, pagesEl.clientWidth || 800);
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, room / base.width));
  const shells = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const size = n === 1 ? base : (await doc.getPage(n)).getViewport({ scale: 1 });
    shells.push(pageShell(n, size.width, size.height, scale));
  }
  // Lazy: a page is drawn when it comes near the viewport, so page 1 shows at once in a long paper.
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const item = shells[Number(entry.target.dataset.page) - 1];
      renderPage(doc, item).catch(() => {});
    }
  }, { rootMargin: "600px 0px" });
  shells.forEach((item) => observer.observe(item.shell));
  current = { doc, shells, observer, bytes, name };
  await showMarks(annotating, token);
}

/** Wait for the API's answer and lay its marks over the pages (those of an earlier answer go). */
async function showMarks(annotating, token) {
  const { doc, shells, name } = current;
  try {
    const result = await annotating;
    if (token !== openToken) return;
    pagesEl.setAttribute("lang", result.lang);
    const byPage = new Map();
    const candidates = result.candidates || [];
    for (const a of [...result.annotations, ...candidates]) {
      if (!byPage.has(a.page)) byPage.set(a.page, []);
      byPage.get(a.page).push(a);
    }
    for (const item of shells) {
      item.layer.replaceChildren();
      placeMarks(item, byPage.get(item.number) || [], result.lang);
    }
    const cards = result.terms || {};
    if (window.TadoruTooltip && window.TadoruTooltip.tint) { // tinted by level, as on every page
      window.TadoruTooltip.tint(pagesEl, (id) => (Object.hasOwn(cards, id) ? cards[id].level : null));
    }
    if ((result.warnings || []).includes("no_text_layer")) {
      setStatus(message("NoText", { name }));
    } else {
      const counts = {
        name, pages: doc.numPages, marks: result.annotations.length, terms: Object.keys(cards).length,
        candidates: new Set(candidates.map((c) => c.surface)).size,
      };
      setStatus(message(result.candidates ? "DoneNew" : "Done", counts));
    }
    root.dataset.state = "ready";
  } catch (error) {
    if (token !== openToken) return;
    setStatus(message("Failed", { message: error && error.message ? error.message : String(error) }), true);
    root.dataset.state = "failed";
  }
}

/** The level or the choice of new words changed: annotate the open PDF again (pages stay drawn). */
function reannotate() {
  if (!current) return;
  const token = ++openToken;
  root.dataset.state = "annotating";
  setStatus(message("Loading", { name: current.name }));
  showMarks(annotate(current.bytes.slice()), token);
}
levelEl.addEventListener("change", reannotate);
discoverEl.addEventListener("change", reannotate);

async function openFile(file) {
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  await openPdf(bytes, file.name || "PDF");
}

document.getElementById("reader-file").addEventListener("change", (event) => {
  openFile(event.target.files && event.target.files[0]);
});

document.addEventListener("dragover", (event) => {
  if (event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files")) event.preventDefault();
});
document.addEventListener("drop", (event) => {
  const file = event.dataTransfer && event.dataTransfer.files && event.dataTransfer.files[0];
  if (!file) return;
  event.preventDefault();
  openFile(file);
});

// The extension (its content script, in this page) hands over a PDF it fetched.
window.addEventListener("message", (event) => {
  const data = event.data;
  if (event.source !== window || !data || data.type !== "tadoru-open-pdf" || !(data.bytes instanceof ArrayBuffer)) return;
  openPdf(new Uint8Array(data.bytes), typeof data.name === "string" ? data.name : "PDF");
});

// The paste form's upload: web.js left the file in IndexedDB and came here.
async function takePending() {
  if (window.location.hash !== "#pending") return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  const file = await import("./pending.js").then((m) => m.takePendingPdf()).catch(() => null);
  if (file) await openFile(file);
}

const asked = new URLSearchParams(window.location.search);
const askedLevel = asked.get("level");
if (askedLevel && ["1", "2", "3"].includes(askedLevel)) levelEl.value = askedLevel;
const askedDiscover = asked.get("discover");
if (Array.from(discoverEl.options).some((o) => o.value === askedDiscover)) discoverEl.value = askedDiscover;
root.dataset.state = "idle";
takePending();
window.dispatchEvent(new CustomEvent("tadoru-reader-ready"));
