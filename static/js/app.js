// Progressive enhancement only: every page works without JavaScript.
document.querySelectorAll("[data-imprimer]").forEach((bouton) => {
  bouton.hidden = false;
  bouton.addEventListener("click", () => window.print());
});

// Attendance grid: tick every child at once, then untick the few who were absent.
document.querySelectorAll("[data-tout-cocher]").forEach((bouton) => {
  const cases = document.querySelectorAll(`input[type=checkbox][name="${bouton.dataset.toutCocher}"]`);
  if (!cases.length) return;
  bouton.hidden = false;
  bouton.addEventListener("click", () => {
    const toutes = [...cases].every((c) => c.checked);
    cases.forEach((c) => {
      c.checked = !toutes;
    });
    bouton.textContent = toutes ? "Tout cocher" : "Tout décocher";
  });
});
