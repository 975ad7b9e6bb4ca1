// Small progressive enhancement; every page works without it.
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// A CSV file chosen on the prices page fills the textarea the form posts.
document.addEventListener("change", async (event) => {
  const target = event.target.getAttribute("data-fills");
  const file = event.target.files?.[0];
  if (target && file) document.getElementById(target).value = await file.text();
});
