/* The trace picture on a term page: pointing at a term, or focusing it with the keyboard, lights
 * the path from the traced term down to it (issue 15 #5).
 *
 * The server writes, on every node and arrow, the terms whose path it lies on (data-path-to);
 * this script only toggles classes (trace.css draws them).  No inline script, no markup
 * written: the page's CSP allows scripts from this origin only. */
(function () {
  "use strict";

  function nodeOf(target) {
    if (!(target instanceof Element)) return null;
    var node = target.closest(".trace-node");
    if (node) return node;
    var link = target.closest(".trace-link");
    return link ? link.querySelector(".trace-node") : null;
  }

  function clear(svg) {
    svg.classList.remove("trace-lit");
    svg.querySelectorAll(".trace-on").forEach(function (el) { el.classList.remove("trace-on"); });
  }

  function light(svg, node) {
    clear(svg);
    var term = node.getAttribute("data-term");
    svg.classList.add("trace-lit");
    svg.querySelectorAll("[data-path-to]").forEach(function (el) {
      if (el.getAttribute("data-path-to").split(" ").indexOf(term) !== -1) el.classList.add("trace-on");
    });
  }

  function attach(svg) {
    function enter(event) {
      var node = nodeOf(event.target);
      if (node) light(svg, node);
    }
    function leave(event) {
      var node = nodeOf(event.target);
      if (node && nodeOf(event.relatedTarget) !== node) clear(svg);
    }
    svg.addEventListener("mouseover", enter);
    svg.addEventListener("mouseout", leave);
    svg.addEventListener("focusin", enter);
    svg.addEventListener("focusout", leave);
  }

  function start() {
    document.querySelectorAll("svg.trace-svg").forEach(attach);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
