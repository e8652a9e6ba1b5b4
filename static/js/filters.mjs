// The needs list's filters (templates/public/needs.html): behind "Show filters" on a phone,
// always shown beside the results on a wider screen (GOV.UK Frontend's tablet breakpoint).
const WIDE = window.matchMedia("(min-width: 40.0625em)");

export function initFilters(root = document) {
  for (const details of root.querySelectorAll('[data-module="app-filters"]')) {
    const fit = () => {
      details.classList.toggle("app-filters--wide", WIDE.matches);
      if (WIDE.matches) details.open = true;
    };
    WIDE.addEventListener("change", fit);
    fit();
  }
}
