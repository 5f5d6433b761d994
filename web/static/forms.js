// Forms (docs/screens.md, "Forms"): the summary of a refused form takes the focus, so that it
// is read out and seen even when the field in error sits below the fold; each of its links
// puts the focus in its field. Without this script the links still scroll to the fields.
// A block: the page's scripts share one global scope.
{
  const summary = document.querySelector('.error-summary');
  if (summary) {
    summary.focus();
    summary.addEventListener('click', (event) => {
      const link = event.target.closest('a[href^="#"]');
      const field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!field) return;
      event.preventDefault();
      field.scrollIntoView({ block: 'center' }); // its label and message in view too
      field.focus({ preventScroll: true });
    });
  }
}
