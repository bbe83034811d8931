/* The book's own behaviour in the reader's browser (Jupyter Book loads every script in
   _static/ on every page). tools/check_pages.py tests each part in Chromium. */
"use strict";

(() => {
  const contentRoot = new URL(document.documentElement.dataset.content_root || "./", location.href).href;

  /* Search results opened from files: Sphinx fetches each result's page to show an excerpt,
     and browsers refuse fetch() on file:// addresses. The build writes each page's text as a
     script (_static/page-text/<page>.js, tools/book_html.py), which a file:// page may load. */
  const offlineSearchExcerpts = () => {
    const pageText = (page) =>
      new Promise((resolve, reject) => {
        window.bookPageText = window.bookPageText || {};
        if (page in window.bookPageText) {
          resolve(window.bookPageText[page]);
          return;
        }
        const script = document.createElement("script");
        script.src = `${contentRoot}_static/page-text/${page}.js`;
        script.onload = () => resolve(window.bookPageText[page] || "");
        script.onerror = () => reject(new Error(`no text for ${page}`));
        document.head.appendChild(script);
      });
    const fetchFromNetwork = window.fetch.bind(window);
    window.fetch = (resource, options) => {
      const url = new URL(resource instanceof Request ? resource.url : resource, location.href);
      if (url.protocol === "file:" && url.href.startsWith(contentRoot) && url.pathname.endsWith(".html")) {
        const page = decodeURIComponent(url.href.slice(contentRoot.length).split("#")[0]).replace(/\.html$/, "");
        return pageText(page).then((text) => new Response(text));
      }
      return fetchFromNetwork(resource, options);
    };
  };
  if (location.protocol === "file:" && location.pathname.endsWith("/search.html")) {
    offlineSearchExcerpts();
  }

  /* The language switch keeps the reader's place: both editions have the same anchors, so the
     link carries the address's #fragment (a section's link, a click in the contents). */
  const keepPlaceOnLanguageSwitch = () => {
    const link = document.querySelector(".language-switch a");
    if (!link) {
      return;
    }
    const target = link.getAttribute("href").split("#")[0];
    const update = () => link.setAttribute("href", target + location.hash);
    update();
    window.addEventListener("hashchange", update);
  };

  /* Code, tables and display formulas that scroll sideways (most code on a phone, a few long
     formulas, wide tables) can be scrolled from the keyboard: such a block is a Tab stop, and
     only while it scrolls (the theme marks tables once, at load, not after a resize). */
  const scrollingBlocksAreFocusable = () => {
    const blocks = "div.highlight pre, .pst-scrollable-table-container, div.math mjx-container";
    const update = () => {
      for (const block of document.querySelectorAll(blocks)) {
        if (block.scrollWidth > block.clientWidth + 1) {
          block.setAttribute("tabindex", "0");
        } else if (block.tagName !== "MJX-CONTAINER") {
          block.removeAttribute("tabindex");
        } else {
          block.setAttribute("tabindex", "-1"); // MathJax's own setting, menuOptions.settings.inTabOrder: false
        }
      }
    };
    /* Watched block by block: the column also changes width without the window resizing (the
       sidebar hidden or shown, the scrollbar coming or going). */
    const observer = new ResizeObserver(update);
    const watchAll = () => {
      for (const block of document.querySelectorAll(blocks)) {
        observer.observe(block);
      }
      update();
    };
    watchAll();
    window.addEventListener("load", () => {
      if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        MathJax.startup.promise.then(watchAll); // the formulas exist once MathJax has typeset them
      }
    });
  };

  const whenReady = (callback) => {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback);
    } else {
      callback();
    }
  };
  whenReady(keepPlaceOnLanguageSwitch);
  whenReady(scrollingBlocksAreFocusable);
})();
