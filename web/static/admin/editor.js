// The admin BPMN editor: loads the process's draft into the bpmn-js Modeler, saves it,
// dry-runs it (dry-run.js), publishes it, lists what blocks publishing on the diagram,
// and downloads the file.
// The page (admin/editor.html) holds the layout and every text; window.BpmnJS is the
// vendored modeler bundle, loaded before this module.

import { createApi, messageOf, Unreachable } from './api.js';
import { keepLoopDataNames } from './bpmn-model.js';
import { createContractLocks } from './contract-locks.js';
import { createDryRun } from './dry-run.js';
import { createFormEditor } from './form-editor.js';
import { createPanel } from './panel.js';
import { bpmnTranslations, loadTexts, localTime } from './texts.js';

const PROBLEM_MARKER = 'tf-problem';

const root = document.getElementById('editor');
const text = loadTexts(document.getElementById('admin-texts'));
const key = root.dataset.key;
const api = createApi(root.dataset.api, root.dataset.csrfToken);
const draftPath = `/processes/${encodeURIComponent(key)}/draft`;
const statusLine = document.getElementById('status');
const problemList = document.getElementById('problems');
const buttons = ['save-draft', 'dry-run', 'publish', 'download'].map((id) => document.getElementById(id));

let modeler = null;
let draft = null; // { forms, meta } as loaded; the forms are edited in place
let connectors = []; // what a service task may call (docs/connectors.md)
// Counted, not flagged: a change made while a save is on its way is not saved by it.
let changes = 0;
let savedChanges = 0;

function showStatus(message, kind = 'info') {
  statusLine.textContent = message;
  statusLine.dataset.kind = kind;
}

function setBusy(busy) {
  for (const button of buttons) button.disabled = busy;
}

function markChanged() {
  changes += 1;
}

// --- loading ---

async function start() {
  const [descriptor, rolesResult, draftResult, definitionsResult, connectorsResult] = await Promise.all([
    fetch(root.dataset.moddle).then((response) => response.json()),
    api.get('/roles'),
    api.get(draftPath),
    createApi('', root.dataset.csrfToken).get(root.dataset.definitions),
    api.get('/connectors'),
  ]);
  const failed = [draftResult, rolesResult, definitionsResult, connectorsResult].find((result) => !result.ok);
  if (failed) {
    showStatus(text('loadFailed', { message: messageOf(failed) }), 'error');
    return;
  }
  draft = draftResult.data;
  connectors = connectorsResult.data;
  modeler = new window.BpmnJS({
    container: '#canvas',
    moddleExtensions: { spiffworkflow: descriptor },
    additionalModules: [bpmnTranslations(document.getElementById('bpmn-words'))],
  });
  if (!(await importDiagram(draft.bpmn))) return;
  wire(rolesResult.data, publishedProcesses(definitionsResult.data));
  showStatus(draft.saved_at ? text('loadedSavedAt', { time: localTime(draft.saved_at) }) : text('loaded'));
  setBusy(false);
  root.dataset.state = 'ready'; // for browser tests: the diagram is in and the panel wired
}

async function importDiagram(xml) {
  try {
    const { warnings } = await modeler.importXML(xml);
    // What bpmn-js could not read is dropped on save: say so where a developer looks.
    for (const warning of keepLoopDataNames({ moddle: modeler.get('moddle') }, warnings)) {
      console.warn('BPMN import:', warning.message);
    }
  } catch (error) {
    showStatus(text('importFailed', { message: error.message }), 'error');
    return false;
  }
  modeler.get('canvas').zoom('fit-viewport');
  return true;
}

// What a call activity may call: each published process with its title and versions,
// from every published version (newest first within a key).
function publishedProcesses(definitions) {
  const byKey = new Map();
  for (const { key: processKey, title, version } of definitions) {
    if (!byKey.has(processKey)) byKey.set(processKey, { key: processKey, title: title || processKey, versions: [] });
    byKey.get(processKey).versions.push(version);
  }
  return [...byKey.values()].sort((left, right) => left.title.localeCompare(right.title, 'vi'));
}

function wire(roles, processes) {
  const formEditor = createFormEditor({
    root: document.getElementById('form-editor'),
    rowTemplate: document.getElementById('field-row'),
    api, text, forms: draft.forms, onChange: markChanged,
  });
  // The elements the code needs, locked on the diagram and in the panel.
  const locks = createContractLocks({ modeler, contract: draft.contract || [], text });
  createPanel({
    root: document.getElementById('panel'),
    modeler, roles, processes, forms: draft.forms, text, formEditor, locks, onFormsChanged: markChanged,
    rowTemplate: document.getElementById('mapping-row'),
    decisionTables: draft.decision_tables, decisionPage: root.dataset.decisionPage, connectors,
  });
  // Registered after the import, whose own command-stack reset is no change.
  modeler.on('commandStack.changed', markChanged);
  problemList.addEventListener('click', selectProblemElement);
  document.getElementById('save-draft').addEventListener('click', () => act(saveDraft));
  const dryRun = createDryRun({
    root: document.getElementById('dry-run-panel'), modeler, api, draftPath, text, draft, saveDraft, showStatus,
  });
  document.getElementById('dry-run').addEventListener('click', () => act(dryRun.run));
  document.getElementById('publish').addEventListener('click', () => act(publish));
  document.getElementById('download').addEventListener('click', () => act(download));
}

// One action at a time: the buttons wait until the server has answered.
async function act(action) {
  setBusy(true);
  try {
    await action();
  } catch (error) {
    showStatus(error instanceof Unreachable ? text('unreachable') : error.message, 'error');
  } finally {
    setBusy(false);
  }
}

// --- saving and publishing ---

// The problems that block publishing when the server kept the draft, else null.
async function saveDraft() {
  showStatus(text('saving'), 'busy');
  showProblems([]);
  const sent = changes;
  const { xml } = await modeler.saveXML({ format: true });
  const result = await api.put(draftPath, { bpmn: xml, forms: draft.forms, meta: draft.meta });
  if (!result.ok) {
    showProblems(result.data.problems || []);
    showStatus(text('notSaved', { message: messageOf(result) }), 'error');
    return null;
  }
  savedChanges = sent;
  const problems = result.data.problems || [];
  showProblems(problems);
  const time = localTime(result.data.saved_at);
  showStatus(problems.length ? text('savedWithProblems', { time }) : text('savedReady', { time }),
    problems.length ? 'warning' : 'ok');
  return problems;
}

async function publish() {
  const problems = await saveDraft();
  if (!problems) return;
  if (problems.length) { // the server has just said it would refuse
    showStatus(text('fixBeforePublishing'), 'error');
    return;
  }
  showStatus(text('publishing'), 'busy');
  const result = await api.post(`${draftPath}/publish`);
  if (!result.ok) {
    showProblems(result.data.problems || []);
    showStatus(text('notPublished', { message: messageOf(result) }), 'error');
    return;
  }
  showStatus(text('published', { version: result.data.version }), 'ok');
}

async function download() {
  const { xml } = await modeler.saveXML({ format: true });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
  link.download = `${key}.bpmn`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href)); // after the click has started the download
}

// --- problems ---

function showProblems(problems) {
  clearProblemMarkers();
  problemList.replaceChildren(...problems.map(problemItem));
  const canvas = modeler.get('canvas');
  const registry = modeler.get('elementRegistry');
  for (const problem of problems) {
    if (problem.element && registry.get(problem.element)) canvas.addMarker(problem.element, PROBLEM_MARKER);
  }
}

function clearProblemMarkers() {
  const canvas = modeler.get('canvas');
  modeler.get('elementRegistry')
    .filter((element) => canvas.hasMarker(element, PROBLEM_MARKER))
    .forEach((element) => canvas.removeMarker(element, PROBLEM_MARKER));
}

function problemItem(problem) {
  const item = document.createElement('li');
  if (!problem.element) {
    item.textContent = problem.message;
    return item;
  }
  // A button, to reach the element from the keyboard too; the message names the element.
  item.dataset.element = problem.element;
  const target = document.createElement('button');
  target.type = 'button';
  target.className = 'link';
  target.textContent = problem.message;
  item.append(target);
  return item;
}

function selectProblemElement(event) {
  const item = event.target.closest('li[data-element]');
  const element = item && modeler.get('elementRegistry').get(item.dataset.element);
  if (!element) return;
  modeler.get('canvas').scrollToElement(element);
  modeler.get('selection').select(element);
}

// --- leaving with unsaved changes ---

window.addEventListener('beforeunload', (event) => {
  if (changes !== savedChanges) {
    event.preventDefault();
    event.returnValue = ''; // older browsers ask only when this is set
  }
});

start().catch((error) => {
  showStatus(error instanceof Unreachable ? text('unreachable') : text('loadFailed', { message: error.message }), 'error');
});
