// Staff console: small conveniences on top of pages that work without script.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A click anywhere on a conversation row opens it, like the case link does.
  for (const row of document.querySelectorAll("tr.row-link")) {
    row.addEventListener("click", (event) => {
      if (event.target.closest("a, button, input, select, form")) return;
      const link = row.querySelector("a.case-link");
      if (link) window.location.assign(link.href);
    });
  }

  // "All suites" ticks or clears every suite box.
  for (const master of document.querySelectorAll("input[data-select-all]")) {
    const boxes = () => document.querySelectorAll(`input[name="${master.dataset.selectAll}"]`);
    master.addEventListener("change", () => {
      for (const box of boxes()) box.checked = master.checked;
    });
  }

  // The flash message has been read once the page is used; let it fade.
  const flash = document.getElementById("flash");
  if (flash) setTimeout(() => flash.classList.add("seen"), 6000);
});
