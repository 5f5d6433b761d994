// Every page's layout (docs/screens.md): the header's menu button and the tables' card labels.
// Without this script the menu stays open and the cards show their values without labels.

// Below 700 px the button shows and hides the header's menu (app.css); Escape closes it.
const toggle = document.querySelector('.menu-toggle');
if (toggle) {
  const menu = document.getElementById(toggle.getAttribute('aria-controls'));
  const open = (yes) => toggle.setAttribute('aria-expanded', String(yes));
  open(false);
  toggle.hidden = false;
  toggle.addEventListener('click', () => open(toggle.getAttribute('aria-expanded') !== 'true'));
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && getComputedStyle(toggle).display !== 'none') {
      open(false);
      toggle.focus();
    }
  });
}

// Below 600 px each table row is a card (app.css): each cell gets its column header's text, and
// a cell with nothing in it is marked to be left out of its card.
const blank = (cell) => !cell.textContent.trim() && !cell.querySelector('input, select, textarea, button, img, svg');
for (const table of document.querySelectorAll('table')) {
  const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
  if (!head) continue;
  const titles = [];
  for (const th of head.cells) {
    for (let i = 0; i < th.colSpan; i += 1) titles.push(th.textContent.replace(/\s+/g, ' ').trim());
  }
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      let column = 0;
      for (const cell of row.cells) {
        if (cell.tagName === 'TD' && blank(cell)) cell.dataset.blank = '';
        else if (cell.tagName === 'TD' && titles[column]) cell.dataset.label = titles[column];
        column += cell.colSpan;
      }
    }
  }
}
