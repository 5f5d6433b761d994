// The decision-table editor: the draft's table in dmn-js's decision-table view, saved into
// the draft, published, and tried on example data (docs/decision-tables.md). The page
// (admin/decision.html) holds every text; window.DmnJS is the vendored modeler bundle.

import { createApi, messageOf, Unreachable } from './api.js';
import { loadTexts, localTime } from './texts.js';

const root = document.getElementById('decision-editor');
const text = loadTexts(document.getElementById('admin-texts'));
const api = createApi(root.dataset.api, root.dataset.csrfToken);
const key = encodeURIComponent(root.dataset.key);
const tablePath = `/processes/${key}/decisions/${encodeURIComponent(root.dataset.file)}`;
const statusLine = document.getElementById('status');
const problemList = document.getElementById('problems');
const saveButton = document.getElementById('save-table');
const publishButton = document.getElementById('publish');
const inputs = document.getElementById('test-inputs');
const result = document.getElementById('test-result');

let modeler = null;
let changes = 0;
let savedChanges = 0;

function showStatus(message, kind = 'info') {
  statusLine.textContent = message;
  statusLine.dataset.kind = kind;
}

async function start() {
  const loaded = await api.get(tablePath);
  if (!loaded.ok) {
    showStatus(text('loadFailed', { message: messageOf(loaded) }), 'error');
    return;
  }
  modeler = new window.DmnJS({ container: '#table', common: { keyboard: { bindTo: window } } });
  try {
    await modeler.importXML(loaded.data.dmn);
    const table = modeler.getViews().find((view) => view.type === 'decisionTable');
    if (table) await modeler.open(table);
  } catch (error) {
    showStatus(text('importFailed', { message: error.message }), 'error');
    return;
  }
  modeler.on('views.changed', watchChanges);
  watchChanges();
  fillInputs(loaded.data.names);
  saveButton.disabled = publishButton.disabled = false;
  showStatus(text('loaded'));
  root.dataset.state = 'ready'; // for browser tests: the table is in and the buttons wired
}

function watchChanges() {
  const viewer = modeler.getActiveViewer();
  viewer?.get('eventBus').on('elements.changed', () => { changes += 1; });
}

function fillInputs(names) {
  const template = document.getElementById('test-input');
  for (const name of names) {
    const row = template.content.firstElementChild.cloneNode(true);
    const field = row.querySelector('input');
    field.id = `test-${name}`;
    field.name = name;
    row.querySelector('label').htmlFor = field.id;
    row.querySelector('label').textContent = name;
    inputs.append(row);
  }
}

async function currentXml() {
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

async function save() {
  saveButton.disabled = true;
  showStatus(text('saving'));
  const saving = changes;
  try {
    const saved = await api.put(tablePath, { dmn: await currentXml() });
    if (!saved.ok) {
      showStatus(text('notSaved', { message: messageOf(saved) }), 'error');
      showProblems(saved.data.problems || []);
      return;
    }
    savedChanges = saving;
    showProblems(saved.data.problems);
    const time = localTime(saved.data.saved_at);
    showStatus(text(saved.data.problems.length ? 'savedWithProblems' : 'savedReady', { time }),
      saved.data.problems.length ? 'error' : 'info');
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    showStatus(text('unreachable'), 'error');
  } finally {
    saveButton.disabled = false;
  }
}

async function publish() {
  if (changes !== savedChanges) {
    showStatus(text('saveFirst'), 'error');
    return;
  }
  publishButton.disabled = true;
  showStatus(text('publishing'));
  try {
    const published = await api.post(`/processes/${key}/draft/publish`);
    if (!published.ok) {
      showProblems(published.data.problems || []);
      showStatus(text('notPublished', { message: messageOf(published) }), 'error');
      return;
    }
    showProblems([]);
    showStatus(text('published', { version: published.data.version }));
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    showStatus(text('unreachable'), 'error');
  } finally {
    publishButton.disabled = false;
  }
}

function showProblems(problems) {
  problemList.replaceChildren(...problems.map((problem) => {
    const item = document.createElement('li');
    item.textContent = problem.message;
    return item;
  }));
}

async function tryTable(event) {
  event.preventDefault();
  const data = {};
  for (const field of inputs.querySelectorAll('input')) {
    if (field.value.trim() === '') continue;
    try {
      data[field.name] = JSON.parse(field.value);
    } catch {
      showResult(text('invalidValue', { name: field.name }), true);
      field.focus();
      return;
    }
  }
  showResult(text('testing'));
  try {
    const tried = await api.post('/decision-test', { dmn: await currentXml(), data });
    if (!tried.ok) showResult(messageOf(tried), true);
    else if (tried.data.error) showResult(text('testFailed', { message: tried.data.error }), true);
    else showValue(tried.data.result);
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    showResult(text('unreachable'), true);
  }
}

function showResult(message, failed = false) {
  const line = document.createElement('p');
  line.textContent = message;
  if (failed) line.className = 'field-error';
  result.replaceChildren(line);
}

// One rule's outputs (a row), several (rows), or an aggregated number.
function showValue(value) {
  if (value === null || (Array.isArray(value) && value.length === 0)) {
    showResult(text('noMatch'));
    return;
  }
  if (typeof value !== 'object') {
    showResult(String(value));
    return;
  }
  const rows = Array.isArray(value) ? value : [value];
  const names = Object.keys(rows[0]);
  const table = document.createElement('table');
  table.className = 'tasks';
  table.id = 'test-output';
  const head = table.createTHead().insertRow();
  for (const name of names) head.append(Object.assign(document.createElement('th'), { textContent: name }));
  const body = table.createTBody();
  for (const row of rows) {
    const line = body.insertRow();
    for (const name of names) line.insertCell().textContent = row[name] === null ? '—' : JSON.stringify(row[name]);
  }
  result.replaceChildren(table);
}

saveButton.addEventListener('click', save);
publishButton.addEventListener('click', publish);
document.getElementById('test-form').addEventListener('submit', tryTable);
start();
