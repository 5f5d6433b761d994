// An instance's diagram on its admin page: the BPMN of the version it runs, with what it
// has passed, where it stands and what failed marked (styles in admin.css). Reads
// <div id="diagram" data-diagram-url="..."> after the vendored navigated viewer (window.BpmnJS),
// its words (a collapsed sub-process's "Open" button) in the page's language.

import { bpmnTranslations } from './texts.js';

const MARKERS = { completed: 'tf-completed', current: 'tf-current', failed: 'tf-failed' };
const container = document.getElementById('diagram');

async function loadDiagram() {
  const response = await fetch(container.dataset.diagramUrl, {
    headers: { Accept: 'application/json' }, credentials: 'same-origin',
  });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

function mark(viewer, diagram) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  for (const [list, marker] of Object.entries(MARKERS)) {
    // An id the drawing lacks (an element without a shape) has nothing to mark.
    for (const id of diagram[list] || []) if (registry.get(id)) canvas.addMarker(id, marker);
  }
  markPathTaken(canvas, registry, diagram);
}

// The engine reports elements, not flows: a flow from an element passed to one passed
// or waiting is part of the path taken.
function markPathTaken(canvas, registry, diagram) {
  const passed = new Set(diagram.completed || []);
  const reached = new Set([...passed, ...(diagram.current || [])]);
  const flows = registry.filter((element) => element.type === 'bpmn:SequenceFlow');
  for (const flow of flows) {
    if (passed.has(flow.source.id) && reached.has(flow.target.id)) canvas.addMarker(flow.id, MARKERS.completed);
  }
}

async function show() {
  const diagram = await loadDiagram();
  const viewer = new window.BpmnJS({
    container,
    additionalModules: [bpmnTranslations(document.getElementById('bpmn-words'))],
  });
  await viewer.importXML(diagram.bpmn);
  viewer.get('canvas').zoom('fit-viewport');
  mark(viewer, diagram);
  container.dataset.state = 'ready';
}

if (container) {
  show().catch((error) => {
    container.dataset.state = 'error';
    container.textContent = error.message;
  });
}
