// The editor's dry run (docs/dry-runs.md): saves the draft, runs it on the server with the
// start data typed here and the steps added so far, in a transaction the server undoes,
// then marks the path on the diagram (the instance viewer's markers) and lists the tasks
// that would open, the timers, messages, cases and connector calls. A task listed can be
// completed with JSON data: that adds a step and runs everything again from the start.

import { readSpiffProperty } from './bpmn-model.js';

const MARKERS = { completed: 'tf-completed', current: 'tf-current', failed: 'tf-failed' };

export function createDryRun({ root, modeler, api, draftPath, text, draft, saveDraft, showStatus }) {
  const dataInput = root.querySelector('#dry-run-data');
  const dataError = root.querySelector('#dry-run-data-error');
  const stepsBox = root.querySelector('[data-show=steps]');
  const stepList = root.querySelector('#dry-run-steps');
  const result = root.querySelector('#dry-run-result');
  const reportTemplate = document.getElementById('dry-run-report');
  const completeTemplate = document.getElementById('dry-run-complete');
  let steps = [];

  dataInput.value = JSON.stringify(draft.meta.start_data_example || {}, null, 2);
  root.querySelector('[data-action=clear-steps]').addEventListener('click', () => {
    steps = [];
    showSteps();
  });
  // A changed diagram no longer shows what the marked run did.
  modeler.on('commandStack.changed', clearMarkers);

  async function run() {
    root.hidden = false;
    const data = parsed(dataInput.value, dataError);
    if (data === null) return;
    const problems = await saveDraft();
    if (!problems) return;
    if (problems.length) {
      showStatus(text('dryRunNotRun', { message: text('fixBeforePublishing') }), 'error');
      return;
    }
    showStatus(text('dryRunning'), 'busy');
    const answer = await api.post(`${draftPath}/dry-run`, { data, steps });
    if (!answer.ok) {
      showStatus(text('dryRunNotRun', { message: answer.data.message || String(answer.status) }), 'error');
      return;
    }
    show(answer.data);
    showStatus(summary(answer.data), answer.data.refusals.length ? 'warning' : 'ok');
    root.scrollIntoView({ block: 'start' });
  }

  function summary(report) {
    if (report.status === 'refused') return text('dryRunRefused');
    const status = text(`dryRunStatus_${report.status}`, { error: report.error || '' });
    return text('dryRunSummary', { version: report.version, status });
  }

  function show(report) {
    clearMarkers();
    mark(report);
    const page = reportTemplate.content.cloneNode(true);
    page.querySelector('[data-show=summary]').textContent = summary(report);
    const refusals = page.querySelector('[data-show=refusals]');
    refusals.replaceChildren(...report.refusals.map((refusal) => item(refusal)));
    fillList(page, 'tasks', report.tasks.map(taskRow), report.task_count - report.tasks.length);
    fillList(page, 'timers', report.timers.map((timer) => item(text('dryRunTimer', {
      label: timer.label, process: timer.process_key, due: timer.due,
    }))));
    fillList(page, 'messages', report.messages.map((sent) => item(text('dryRunMessage', {
      kind: sent.kind, name: sent.name, said: sent.said, payload: JSON.stringify(sent.payload),
    }))));
    fillList(page, 'cases', caseGroups(report.cases).map((group) => item(text('dryRunCase', group))),
      report.case_count - report.cases.length);
    fillList(page, 'connector_calls', report.connector_calls.map((call) => item(text('dryRunConnector', {
      title: call.title, connector: call.connector, target: call.target || '—', status: call.said,
    }))));
    result.replaceChildren(page);
  }

  // The server lists the first ones: ``more`` says how many it left out.
  function fillList(page, name, rows, more = 0) {
    const list = page.querySelector(`[data-list=${name}]`);
    if (!rows.length) rows.push(emptyRow(list));
    if (more > 0) rows.push(item(text('dryRunMore', { count: more })));
    list.replaceChildren(...rows);
  }

  function emptyRow(list) {
    if (list.tagName !== 'TBODY') return item(text('dryRunNone'));
    const row = document.createElement('tr');
    const cell = document.createElement('td');
    cell.colSpan = 5;
    cell.textContent = text('dryRunNone');
    row.append(cell);
    return row;
  }

  function taskRow(task) {
    const row = document.createElement('tr');
    row.dataset.element = task.element;
    for (const value of [task.title, task.process_key, task.role, task.due || '—']) {
      const cell = document.createElement('td');
      cell.textContent = value;
      row.append(cell);
    }
    const cell = document.createElement('td');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary small';
    button.textContent = text('dryRunComplete');
    button.addEventListener('click', () => openCompletion(row, task), { once: true });
    cell.append(button);
    row.append(cell);
    return row;
  }

  function openCompletion(row, task) {
    const form = completeTemplate.content.firstElementChild.cloneNode(true);
    const input = form.querySelector('textarea');
    const error = form.querySelector('.field-error');
    input.value = JSON.stringify(skeleton(formOf(task)), null, 2);
    form.querySelector('[data-action=add-step]').addEventListener('click', async () => {
      const data = parsed(input.value, error);
      if (data === null) return;
      steps.push({ element: task.element, data });
      showSteps();
      await run();
    });
    row.after(form);
    input.focus();
  }

  // The draft's own forms are known here; a called process's task starts from {}.
  function formOf(task) {
    const element = task.process_key === draft.key && modeler.get('elementRegistry').get(task.element);
    const file = element && readSpiffProperty(element, 'formJsonSchemaFilename');
    return (file && draft.forms[file]) || null;
  }

  function showSteps() {
    stepsBox.hidden = !steps.length;
    stepList.replaceChildren(...steps.map((step) => item(text('dryRunStep', {
      element: step.element, data: JSON.stringify(step.data),
    }))));
  }

  function mark(report) {
    const canvas = modeler.get('canvas');
    const registry = modeler.get('elementRegistry');
    for (const [list, marker] of Object.entries(MARKERS)) {
      for (const id of report[list] || []) if (registry.get(id)) canvas.addMarker(id, marker);
    }
    const passed = new Set(report.completed);
    const reached = new Set([...report.completed, ...report.current]);
    for (const flow of registry.filter((element) => element.type === 'bpmn:SequenceFlow')) {
      if (passed.has(flow.source.id) && reached.has(flow.target.id)) canvas.addMarker(flow.id, MARKERS.completed);
    }
  }

  function clearMarkers() {
    const canvas = modeler.get('canvas');
    for (const element of modeler.get('elementRegistry').getAll()) {
      for (const marker of Object.values(MARKERS)) canvas.removeMarker(element, marker);
    }
  }

  function parsed(value, error) {
    error.hidden = true;
    try {
      const data = JSON.parse(value || '{}');
      if (data && typeof data === 'object' && !Array.isArray(data)) return data;
      throw new Error(typeof data);
    } catch (problem) {
      error.textContent = text('dryRunNotObject', { message: problem.message });
      error.hidden = false;
      return null;
    }
  }

  return { run };
}

function item(words) {
  const element = document.createElement('li');
  element.textContent = words;
  return element;
}

function caseGroups(cases) {
  const byProcess = new Map();
  for (const { process_key: processKey, said: status } of cases) {
    const group = byProcess.get(processKey) || { process: processKey, count: 0, byStatus: new Map() };
    group.count += 1;
    group.byStatus.set(status, (group.byStatus.get(status) || 0) + 1);
    byProcess.set(processKey, group);
  }
  return [...byProcess.values()].map((group) => ({
    ...group, statuses: [...group.byStatus].map(([status, count]) => `${count} ${status}`).join(', '),
  }));
}

// What a person would send, as a start to edit: each required field with an empty value
// of its kind (the first choice of a list of choices).
function skeleton(schema) {
  if (!schema || schema.type !== 'object') return {};
  const data = {};
  for (const name of schema.required || []) data[name] = emptyValue(schema.properties?.[name] || {});
  return data;
}

function emptyValue(field) {
  if (field.oneOf?.length && 'const' in field.oneOf[0]) return field.oneOf[0].const;
  if (field.enum?.length) return field.enum[0];
  switch (field.type) {
    case 'boolean': return false;
    case 'integer': case 'number': return field.minimum ?? 0;
    case 'array': return [];
    case 'object': return skeleton(field);
    default: return '';
  }
}
