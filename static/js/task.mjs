// A long task's page (templates/components/task.html): ask the task's status route every
// few seconds, move the progress bar, say what changed in the live region, and load the
// page again (which then shows the outcome) once the task has finished. Without
// JavaScript the page's "Check progress" button does the same by hand.
const EVERY_MS = 2000;

export function initTasks(root = document) {
  for (const box of root.querySelectorAll('[data-module="app-task"]')) {
    const url = box.dataset.statusUrl;
    const bar = box.querySelector("progress");
    const message = box.querySelector("[data-task-message]");
    if (!url || !bar || !message) continue;
    let said = message.textContent.trim();
    const poll = async () => {
      let status;
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return; // "Check progress" still works
        status = await response.json();
      } catch {
        setTimeout(poll, EVERY_MS * 2);
        return;
      }
      bar.value = status.progress;
      bar.textContent = `${status.progress}%`;
      if (status.message !== said) {
        said = status.message;
        message.textContent = said;
      }
      if (status.finished) {
        window.location.assign(status.url);
      } else {
        setTimeout(poll, EVERY_MS);
      }
    };
    setTimeout(poll, EVERY_MS);
  }
}
