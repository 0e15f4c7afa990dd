// Nexus: the page's few behaviours. htmx sends the session's CSRF token with every request
// that changes something; long facets get a filter box; the review page answers to s / n / u.
"use strict";

document.addEventListener("htmx:configRequest", (event) => {
  const token = document.body.dataset.csrf;
  if (token) {
    event.detail.headers["X-CSRF-Token"] = token;
  }
});

function filterFacet(input) {
  const needle = input.value.trim().toLowerCase();
  const list = document.getElementById(input.dataset.facetList);
  if (!list) return;
  for (const item of list.querySelectorAll("li")) {
    item.hidden = needle !== "" && !item.textContent.toLowerCase().includes(needle);
  }
}

document.addEventListener("input", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.dataset.facetList) {
    filterFacet(target);
  }
});

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement) return;
  const button = document.querySelector(`[data-key="${event.key.toLowerCase()}"]`);
  if (button instanceof HTMLButtonElement && !button.disabled) {
    event.preventDefault();
    button.click();
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
