// The session timeout warning (GOV.UK pattern). Progressive enhancement: without it the server
// still signs an idle session out after the timeout; with it, people are warned before and can
// stay signed in. The server is asked how long is left before warning, so activity in another
// tab or an autosave is taken into account.
const dialog = document.getElementById("session-timeout");

if (dialog && typeof dialog.showModal === "function") {
  const warningSeconds = Number(dialog.dataset.warningSeconds);
  const timeoutSeconds = Number(dialog.dataset.timeoutSeconds);
  const statusUrl = dialog.dataset.statusUrl;
  const extendUrl = dialog.dataset.extendUrl;
  const stayButton = dialog.querySelector("[data-timeout-action=stay]");
  const countdown = dialog.querySelector(".app-timeout-dialog__countdown");
  const countdownText = dialog.querySelector(".app-timeout-dialog__countdown-text");
  const announce = document.getElementById("session-timeout-announce");
  const csrfToken = dialog.querySelector("input[name=csrfmiddlewaretoken]").value;
  // A little past the server's deadline, so reloading never lands just before it.
  const MARGIN_SECONDS = 2;

  let warnTimer = null;
  let tickTimer = null;
  let deadline = 0;
  let lastSpoken = "";
  let returnFocusTo = null;

  const clearTimers = () => {
    clearTimeout(warnTimer);
    clearInterval(tickTimer);
  };

  const describe = (seconds) => {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  };

  const signedOut = () => {
    clearTimers();
    // The server has signed the session out: reloading shows the sign-in page, with the
    // reason, and brings the person back here after signing in.
    window.location.reload();
  };

  const askServer = async () => {
    const response = await fetch(statusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    return response.json();
  };

  const tick = () => {
    const left = Math.round((deadline - Date.now()) / 1000);
    if (left <= -MARGIN_SECONDS) {
      signedOut();
      return;
    }
    const words = describe(Math.max(left, 0));
    countdown.textContent = words;
    countdownText.textContent = words;
    // Announce each minute, then at 30 and 10 seconds: not every second.
    const spoken = left > 60 ? describe(left) : left <= 10 ? "10 seconds" : left <= 30 ? "30 seconds" : "1 minute";
    if (spoken !== lastSpoken) {
      lastSpoken = spoken;
      announce.textContent = `You will be signed out in ${spoken}.`;
    }
  };

  const open = () => {
    if (!dialog.open) {
      returnFocusTo = document.activeElement;
      lastSpoken = "";
      dialog.showModal();
      stayButton.focus();
    }
    tick();
    tickTimer = setInterval(tick, 1000);
  };

  const close = () => {
    if (dialog.open) {
      dialog.close();
    }
    announce.textContent = "";
    if (returnFocusTo && typeof returnFocusTo.focus === "function") {
      returnFocusTo.focus();
    }
  };

  const schedule = (secondsLeft) => {
    clearTimers();
    deadline = Date.now() + secondsLeft * 1000;
    warnTimer = setTimeout(check, Math.max(0, secondsLeft - warningSeconds) * 1000);
  };

  async function check() {
    let left = (deadline - Date.now()) / 1000;
    try {
      const status = await askServer();
      if (!status.signed_in) {
        signedOut();
        return;
      }
      left = status.seconds_left;
    } catch {
      // Offline for a moment: keep to the deadline we had.
    }
    if (left > warningSeconds + 1) {
      schedule(left); // there was activity elsewhere: wait again
      return;
    }
    deadline = Date.now() + left * 1000;
    open();
  }

  const stay = async () => {
    stayButton.disabled = true;
    try {
      const response = await fetch(extendUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
      });
      const status = await response.json();
      if (!status.signed_in) {
        signedOut();
        return;
      }
      clearTimers();
      close();
      schedule(status.seconds_left);
    } finally {
      stayButton.disabled = false;
    }
  };

  stayButton.addEventListener("click", stay);
  // Escape means "stay signed in", as in the GOV.UK pattern.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    stay();
  });
  // Autosaves and other htmx requests are activity on the server: start the wait again.
  document.body.addEventListener("htmx:afterRequest", () => {
    if (!dialog.open) {
      schedule(timeoutSeconds);
    }
  });

  schedule(timeoutSeconds);
}
