// Client-side sorting and filtering of the region table, and focus on form errors.
// Plain JavaScript, no build step; the page works without it (unsorted; the filters are a
// form the server applies).
"use strict";

function cellValue(row, index) {
  const cell = row.cells[index];
  return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
}

function compare(a, b) {
  const x = Number(a), y = Number(b);
  if (a !== "" && b !== "" && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return a.localeCompare(b, document.documentElement.lang || "nb");
}

function setUpSorting(table) {
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach((th, index) => {
    const button = th.querySelector("button.sort");
    if (!button) return;
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((r1, r2) => {
        const order = compare(cellValue(r1, index), cellValue(r2, index));
        return ascending ? order : -order;
      });
      rows.forEach((row) => body.appendChild(row));
    });
  });
}

function setUpFilters(container) {
  const table = document.getElementById(container.dataset.filterFor);
  // A table cut short by the server (a region the size of a country): the form filters.
  if (!table || container.dataset.partial === "yes") return;
  const count = document.getElementById("region-count");
  const controls = Array.from(container.querySelectorAll("[data-filter]"));
  const apply = () => {
    const wanted = {};
    controls.forEach((c) => { wanted[c.dataset.filter] = c.type === "checkbox" ? c.checked : c.value.trim().toLowerCase(); });
    let shown = 0;
    const rows = Array.from(table.tBodies[0].rows);
    rows.forEach((row) => {
      const text = (row.cells[0].textContent + " " + row.cells[1].textContent).toLowerCase();
      const visible =
        (!wanted.text || text.includes(wanted.text)) &&
        (!wanted.stage || row.dataset.stage === wanted.stage) &&
        (!wanted.county || row.dataset.county.toLowerCase() === wanted.county) &&
        (!wanted.trust || row.dataset.trust.toLowerCase() === wanted.trust) &&
        (!wanted.overdue || row.dataset.overdue === "yes");
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    if (count) {
      const total = count.dataset.total || rows.length;
      count.textContent = count.dataset.template.replace("{shown}", shown).replace("{total}", total);
    }
  };
  controls.forEach((c) => c.addEventListener(c.type === "checkbox" || c.tagName === "SELECT" ? "change" : "input", apply));
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(setUpSorting);
  document.querySelectorAll("[data-filter-for]").forEach(setUpFilters);
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
