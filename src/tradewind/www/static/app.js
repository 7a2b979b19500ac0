// Tradewind web UI: small progressive enhancements. Every page works without this file.
"use strict";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

// Pause toggles: flip in place with fetch instead of reloading the page.
function setupPauseToggles() {
  document.querySelectorAll("form[data-pause-form]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector(".switch");
      const field = form.querySelector('input[name="is_paused"]');
      const pausing = field.value === "true";
      button.classList.add("busy");
      try {
        const response = await fetch(form.action, {
          method: "POST",
          headers: { Accept: "application/json", "X-CSRF-Token": csrfToken() },
          body: new URLSearchParams(new FormData(form)),
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const body = await response.json();
        const paused = body.is_paused;
        button.classList.toggle("on", !paused);
        button.setAttribute("aria-checked", String(!paused));
        button.title = paused ? "Paused: click to unpause" : "Active: click to pause";
        field.value = paused ? "false" : "true";
        const row = form.closest("tr");
        if (row) row.classList.toggle("paused", paused);
      } catch (error) {
        alert(`Could not ${pausing ? "pause" : "unpause"} the DAG: ${error.message}`);
      } finally {
        button.classList.remove("busy");
      }
    });
  });
}

// <select data-autosubmit> submits its form on change.
function setupAutosubmit(root = document) {
  root.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
}

// <form data-confirm="..."> asks before posting.
function setupConfirms() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

// The conf editor: must be empty or a JSON object; checked as you type and before sending.
function confProblem(text) {
  if (text.trim() === "") return "";
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `Not valid JSON: ${error.message}`;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return "The conf must be a JSON object, like {\"key\": \"value\"}.";
  }
  return "";
}

function setupConfEditor() {
  const form = document.querySelector("form[data-conf-form]");
  if (!form) return;
  const area = form.querySelector("textarea[data-json-object]");
  const box = document.getElementById("conf-error");
  const button = form.querySelector('button[type="submit"]');
  const check = () => {
    const problem = confProblem(area.value);
    area.classList.toggle("invalid", problem !== "");
    if (problem || !box.dataset.server) {
      box.textContent = problem;
      box.classList.toggle("shown", problem !== "");
    }
    button.disabled = problem !== "";
    return problem;
  };
  if (box.textContent.trim()) box.dataset.server = "1";
  area.addEventListener("input", () => {
    delete box.dataset.server;
    check();
  });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Tab") {  // indent instead of leaving the editor
      event.preventDefault();
      area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
    }
  });
  form.addEventListener("submit", (event) => {
    if (check()) event.preventDefault();
  });
  check();
}

// A running task's log: poll for what was appended, every second, until the try ends.
function setupLogFollow() {
  const log = document.getElementById("log");
  if (!log || log.dataset.follow !== "true") return;
  const status = document.getElementById("log-status");
  const tryNumber = Number(log.dataset.try);
  let offset = Number(log.dataset.offset);
  const poll = async () => {
    let body;
    try {
      const join = log.dataset.url.includes("?") ? "&" : "?";
      const url = `${log.dataset.url}${join}try_number=${Math.max(tryNumber, 1)}&offset=${offset}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (error) {
      if (status) status.textContent = `log unavailable (${error.message}); retrying`;
      setTimeout(poll, 2000);
      return;
    }
    if (body.try_number > tryNumber) {  // a new try started: show it
      const url = new URL(window.location.href);
      url.searchParams.set("try_number", body.try_number);
      url.hash = "log-card";
      window.location.replace(url);
      return;
    }
    if (tryNumber > 0 && body.text) {
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
      log.append(document.createTextNode(body.text));
      offset = body.offset;
      if (atBottom) log.scrollTop = log.scrollHeight;
      document.getElementById("log-missing")?.remove();
    }
    const badge = document.querySelector("#ti-state .badge");
    if (badge && badge.textContent !== body.state) {
      badge.className = `badge state-${body.state}`;
      badge.textContent = body.state === "none" ? "no status" : body.state;
    }
    if (body.follow) {
      if (status) status.textContent = `following\u2026 (${body.state})`;
      setTimeout(poll, body.more ? 50 : 1000);
    } else if (status) {
      status.textContent = `finished: ${body.state}`;
    }
  };
  log.scrollTop = log.scrollHeight;
  setTimeout(poll, 1000);
}

// Pages showing active runs (grid, run) refresh their section until the runs finish.
function setupRefresh() {
  const section = document.querySelector("[data-refresh]");
  if (!section) return;
  const every = Number(section.dataset.refresh);
  const refresh = async () => {
    if (document.hidden) {
      setTimeout(refresh, every);
      return;
    }
    try {
      const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(section.id);
      if (!fresh) return;
      section.innerHTML = fresh.innerHTML;
      setupAutosubmit(section);
      if (!fresh.hasAttribute("data-refresh")) {
        section.removeAttribute("data-refresh");
        return;
      }
    } catch (error) {
      /* the server restarts, the network blips: try again later */
    }
    setTimeout(refresh, every);
  };
  setTimeout(refresh, every);
}

// Grid task groups: open and close in place, keeping ?expand= in the URL so the periodic
// refresh (which fetches this URL) and a reload show the same rows. Links work without JS.
function openGroups(url) {
  const wanted = url.searchParams.getAll("expand");
  if (!wanted.includes("*")) return new Set(wanted);
  return new Set([...document.querySelectorAll("[data-group-toggle]")].map((a) => a.dataset.groupToggle));
}

function showGroups(open) {
  document.querySelectorAll("a[data-group-toggle]").forEach((link) => {
    link.setAttribute("aria-expanded", String(open.has(link.dataset.groupToggle)));
  });
  document.querySelectorAll("tr[data-in-groups]").forEach((row) => {
    row.hidden = !row.dataset.inGroups.split(" ").every((group) => open.has(group));
  });
}

function setupGroupToggles() {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-group-toggle]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const url = new URL(window.location.href);
    const open = openGroups(url);
    const group = link.dataset.groupToggle;
    if (open.has(group)) open.delete(group);
    else open.add(group);
    url.searchParams.delete("expand");
    [...open].sort().forEach((id) => url.searchParams.append("expand", id));
    history.replaceState(null, "", url);
    showGroups(open);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupPauseToggles();
  setupAutosubmit();
  setupConfirms();
  setupConfEditor();
  setupLogFollow();
  setupRefresh();
  setupGroupToggles();
});
