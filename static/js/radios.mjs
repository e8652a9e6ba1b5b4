// GOV.UK Frontend's radios mark a radio that reveals a conditional section with
// aria-expanded, which ARIA does not allow on a radio (axe: aria-allowed-attr, critical).
// The reveal itself is unchanged; only the attribute goes, whenever it is set.
export function dropAriaExpandedFromRadios(root = document) {
  const radios = root.querySelectorAll(".govuk-radios__input[aria-controls]");
  if (!radios.length) return;
  const drop = (input) => input.removeAttribute("aria-expanded");
  radios.forEach(drop);
  const observer = new MutationObserver((changes) => changes.forEach((change) => drop(change.target)));
  radios.forEach((input) => observer.observe(input, { attributes: true, attributeFilter: ["aria-expanded"] }));
}
