// The form editor under the diagram: the selected user task's JSON Schema as one row per
// field, the raw JSON beside it (both kept in step), and a live preview rendered by the
// server exactly as the officer's task page shows the form.

import { addField, fieldsOf, removeField, renameField, setRequired, setTitle, setType } from './form-schema.js';

const PREVIEW_DELAY_MS = 300; // one preview per pause in typing, not one per key

export function createFormEditor({ root, rowTemplate, api, text, forms, onChange }) {
  const rows = root.querySelector('#form-fields');
  const json = root.querySelector('textarea[name=schema_json]');
  const jsonError = root.querySelector('#schema-error');
  const preview = root.querySelector('#form-preview');
  const fileLabel = root.querySelector('[data-show=form-file]');
  let file = null;
  let previewTimer = null;
  let previewSequence = 0;

  const schema = () => forms[file];

  function show(fileName) {
    if (fileName === file && !root.hidden) return;
    file = fileName;
    fileLabel.textContent = fileName;
    root.hidden = false;
    renderRows();
    renderJson();
    renderPreview();
  }

  function hide() {
    root.hidden = true;
    file = null;
    clearTimeout(previewTimer);
    previewSequence += 1; // an answer still on its way is for a form no longer shown
  }

  function renderRows() {
    rows.replaceChildren(...fieldsOf(schema()).map(rowOf));
  }

  function rowOf(field) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.dataset.property = field.path;
    row.querySelector('[name=key]').value = field.name;
    row.querySelector('[name=title]').value = field.spec.title || '';
    const type = row.querySelector('[name=type]');
    type.value = field.spec.type;
    if (type.value !== field.spec.type) type.value = ''; // a type list or a $ref: "other"
    row.querySelector('[name=required]').checked = field.required;
    if (field.children) {
      const children = row.querySelector('[data-children]');
      children.hidden = false;
      children.querySelector('[data-rows]').replaceChildren(...field.children.map(rowOf));
    }
    return row;
  }

  // Also drops an earlier parse error: the text shown is the schema again.
  function renderJson() {
    json.value = JSON.stringify(schema(), null, 2);
    showJsonError('');
  }

  function showJsonError(message) {
    jsonError.textContent = message;
    jsonError.hidden = !message;
  }

  // After every edit: the other view follows, the preview is redone, the draft is changed.
  function edited({ rerenderRows = false, rerenderJson = true } = {}) {
    if (rerenderRows) renderRows();
    if (rerenderJson) renderJson();
    schedulePreview();
    onChange();
  }

  function onInput(event) {
    const target = event.target;
    if (target === json) {
      applyJson(target.value);
    } else if (target.name === 'title') {
      setTitle(schema(), pathOf(target), target.value);
      edited();
    }
  }

  function applyJson(source) {
    let parsed;
    try {
      parsed = JSON.parse(source);
    } catch (error) {
      showJsonError(text('invalidJson', { message: error.message }));
      return;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      showJsonError(text('schemaNotObject'));
      return;
    }
    showJsonError('');
    forms[file] = parsed;
    edited({ rerenderRows: true, rerenderJson: false });
  }

  function onRowChange(event) {
    const target = event.target;
    const row = target.closest('[data-property]');
    if (!row) return;
    const path = row.dataset.property;
    if (target.name === 'type' && target.value) {
      setType(schema(), path, target.value);
      edited({ rerenderRows: true });
    } else if (target.name === 'required') {
      setRequired(schema(), path, target.checked);
      edited();
    } else if (target.name === 'key') {
      rename(target, path);
    }
  }

  function rename(input, path) {
    const problem = renameField(schema(), path, input.value.trim());
    const error = input.closest('[data-property]').querySelector(':scope > [data-show=row-error]');
    error.textContent = problem ? text(problem) : '';
    error.hidden = !problem;
    if (!problem) edited({ rerenderRows: true });
  }

  function onClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const row = button.closest('[data-property]');
    if (button.dataset.action === 'add-field') {
      const added = addField(schema(), row ? row.dataset.property : '');
      edited({ rerenderRows: true });
      rows.querySelector(`[data-property="${CSS.escape(added)}"] [name=title]`).focus();
    } else if (button.dataset.action === 'remove-field') {
      removeField(schema(), row.dataset.property);
      edited({ rerenderRows: true });
    }
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, PREVIEW_DELAY_MS);
  }

  async function renderPreview() {
    clearTimeout(previewTimer);
    const sequence = ++previewSequence;
    let result;
    try {
      result = await api.post('/form-preview', { schema: schema() });
    } catch {
      result = null;
    }
    if (sequence !== previewSequence) return; // a later edit's preview is on its way
    if (result && result.ok) {
      preview.innerHTML = result.data.html; // server-rendered, its values escaped there
    } else {
      preview.replaceChildren(previewProblems(result));
    }
  }

  function previewProblems(result) {
    const list = document.createElement('ul');
    list.className = 'error';
    const problems = (result && result.data.problems) || [];
    const messages = problems.length ? problems.map((problem) => problem.message) : [text('previewFailed')];
    list.replaceChildren(...messages.map((message) => {
      const item = document.createElement('li');
      item.textContent = message;
      return item;
    }));
    return list;
  }

  root.addEventListener('input', onInput);
  root.addEventListener('change', onRowChange);
  root.addEventListener('click', onClick);
  return { show, hide };
}

function pathOf(control) {
  return control.closest('[data-property]').dataset.property;
}
