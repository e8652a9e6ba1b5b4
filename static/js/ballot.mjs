// The knapsack ballot's running total, as residents tick options. The server
// checks every ballot; this only saves a round trip to "Update my total".
const pounds = (pence) =>
  "£" + (pence / 100).toLocaleString("en-GB", { minimumFractionDigits: pence % 100 ? 2 : 0, maximumFractionDigits: 2 });

export function initBallots(root = document) {
  for (const form of root.querySelectorAll('[data-module="app-ballot"]')) {
    const budget = Number(form.dataset.budget);
    const box = form.querySelector("#ballot-total");
    if (!budget || !box) continue;
    const update = () => {
      let total = 0;
      for (const input of form.querySelectorAll('input[name="options"]:checked')) total += Number(input.dataset.cost);
      const left = budget - total;
      box.textContent =
        `Your choices come to ${pounds(total)} of the ${pounds(budget)} budget: ` +
        (left >= 0 ? `${pounds(left)} left.` : `over budget by ${pounds(-left)}.`);
      box.classList.toggle("app-ballot-total--over", left < 0);
    };
    form.addEventListener("change", update);
    const button = form.querySelector("[data-ballot-update]");
    if (button) button.hidden = true;
    update();
  }
}
