// The elements the code needs (the draft's `contract`, engine/contracts.py): a lock on
// each, drawn as a bpmn-js overlay before the admin tries to rename or delete one (the
// server refuses both). The lock belongs to the element as loaded, whatever id it is
// given afterwards; an element given a contracted id is locked too.

const LOCK = 'contract-lock'; // the overlay type and the badge's class
const SVG = 'http://www.w3.org/2000/svg';

export function createContractLocks({ modeler, contract, text }) {
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  const selection = modeler.get('selection');
  const loaded = new Map(contract.map((entry) => [entry, loadedElement(registry, entry)]));
  const badges = new Map(); // element -> { overlayId, badge }

  // What is locked now: the elements as loaded that are still drawn (bpmn-js removes their
  // overlays with a deleted shape; an undo draws the same element again), and any element
  // holding a contracted id.
  function locked() {
    const found = new Map();
    for (const [entry, element] of loaded) {
      for (const candidate of [element, registry.get(entry.element)]) {
        if (candidate && registry.get(candidate.id) === candidate && !found.has(candidate)) found.set(candidate, entry);
      }
    }
    return found;
  }

  function sync() {
    const now = locked();
    for (const [element, shown] of badges) {
      if (!now.has(element) || !overlays.get(shown.overlayId)) {
        overlays.remove(shown.overlayId);
        badges.delete(element);
      }
    }
    for (const [element, entry] of now) {
      let shown = badges.get(element);
      if (!shown) {
        const badge = lockIcon(LOCK);
        badge.setAttribute('role', 'img');
        // Clicking the lock is clicking its element: selected, the panel says why it is locked.
        badge.addEventListener('click', () => selection.select(element));
        const overlayId = overlays.add(element, LOCK, {
          position: { top: -12, right: 14 }, html: badge, scale: { min: 1, max: 1.5 },
        });
        shown = { overlayId, badge };
        badges.set(element, shown);
      }
      shown.badge.dataset.lockedElement = element.id;
      const words = describe(element, entry);
      shown.badge.title = words;
      shown.badge.setAttribute('aria-label', words);
    }
  }

  // The lock's words: who needs the element, and its id to restore once it was changed.
  function describe(element, entry) {
    const neededBy = entry.needed_by.join('; ');
    return element.id === entry.element ? text('contractLock', { needed_by: neededBy })
      : text('contractLockRenamed', { needed_by: neededBy, id: entry.element });
  }

  modeler.get('eventBus').on('elements.changed', sync);
  sync();

  return {
    // The words for a locked element, else null (the side panel shows them).
    noteOf(element) {
      const entry = element && locked().get(element);
      return entry ? { text: describe(element, entry), renamed: element.id !== entry.element } : null;
    },
  };
}

// The element of the diagram that the entry names: by its id, else, in a draft saved
// after the id was changed, by its diagram shape, whose id bpmn-js keeps (`<id>_di`).
function loadedElement(registry, entry) {
  return registry.get(entry.element)
    || registry.find((element) => !element.labelTarget && element.di && element.di.id === `${entry.element}_di`)
    || null;
}

// A padlock in the current colour (admin.css): an HTML element holding an SVG.
export function lockIcon(className) {
  const holder = document.createElement('span');
  holder.className = className;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const shackle = document.createElementNS(SVG, 'path');
  shackle.setAttribute('d', 'M5 7.5V5a3 3 0 0 1 6 0v2.5');
  shackle.setAttribute('class', 'lock-shackle');
  const body = document.createElementNS(SVG, 'rect');
  body.setAttribute('x', '3');
  body.setAttribute('y', '7');
  body.setAttribute('width', '10');
  body.setAttribute('height', '8');
  body.setAttribute('rx', '1.5');
  body.setAttribute('class', 'lock-body');
  svg.append(shackle, body);
  holder.append(svg);
  return holder;
}
