// The side panel: the selected element's id and name, and what its kind carries in our
// BPMN dialect (bpmn/README.md): a lane's role, a user task's form, instructions and
// escalation policy, a timer's expression, a gateway flow's condition, a script, a call
// activity's called process and mappings, a multi-instance's settings.
// The fields are in the page (translated there); this shows the ones that apply and
// writes each change to the diagram when the field is left (one undo step per change).

import {
  CALL_PREFIXES, LOOP_FIELDS, VERSION_PROPERTY, idProblem, isA, isConditionalFlow, isDataName, isMeaningfulId,
  RESULT_PROPERTY, loopItemProblem, readCalledDecision, readCalledElement, readOperator, writeOperator, readCondition, readDocumentation, readLoop, readLoopKind,
  readPrefixedProperties, readScript, readSpiffProperty, readTimer, sameEntries, timerOf, writeCalledElement,
  writeCondition, writeDocumentation, writeLoop, writeLoopKind, writePrefixedProperties, writeScript,
  writeCalledDecision, writeSpiffProperty, writeTimer,
} from './bpmn-model.js';
import { lockIcon } from './contract-locks.js';
import { minimalSchema } from './form-schema.js';

const FORM_PROPERTY = 'formJsonSchemaFilename';
const NEW_FORM = '+new'; // the "new form…" option; "+" is never in a form file name
const POLICY_PROPERTIES = ['due', 'reminders', 'escalation', 'escalation_action'];

// Loop fields holding data names (the others hold expressions), and the two data items.
const LOOP_NAMES = ['collection', 'item', 'outputCollection', 'outputItem'];
const LOOP_ITEMS = ['item', 'outputItem'];
const loopField = (field) => `loop_${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`;

export function createPanel({
  root, modeler, roles, processes, forms, text, formEditor, locks, onFormsChanged, rowTemplate,
  decisionTables = [], decisionPage = '', connectors = [],
}) {
  const bpmn = {
    modeling: modeler.get('modeling'),
    moddle: modeler.get('moddle'),
    elementRegistry: modeler.get('elementRegistry'),
  };
  const roleCodes = new Set(roles.map((role) => role.code));
  const processByKey = new Map(processes.map((process) => [process.key, process]));
  let current = null;
  // For a multi-instance with neither a count nor an input collection yet: which of the two
  // the admin chose to give (by business object).
  const loopOver = new WeakMap();
  root.querySelector('#panel-role-codes').replaceChildren(...roles.map((role) => option(role.code, role.name)));

  const field = (name) => root.querySelector(`[name="${name}"]`);
  const shown = (name) => root.querySelector(`[data-show="${name}"]`);
  // The kinds' words by bpmn: type, translated in the page; "" is the word for any other.
  const kinds = JSON.parse(shown('type').dataset.kinds);

  function sectionsOf(element) {
    return {
      none: !element,
      element: Boolean(element),
      lane: isA(element, 'bpmn:Lane'),
      userTask: isA(element, 'bpmn:UserTask'),
      timer: Boolean(element && timerOf(element)),
      condition: Boolean(element && isConditionalFlow(element)),
      script: isA(element, 'bpmn:ScriptTask'),
      callActivity: isA(element, 'bpmn:CallActivity'),
      businessRule: isA(element, 'bpmn:BusinessRuleTask'),
      serviceTask: isA(element, 'bpmn:ServiceTask'),
      multiInstance: isA(element, 'bpmn:CallActivity') || isA(element, 'bpmn:UserTask'),
    };
  }

  function show(element) {
    current = element;
    showIdError('');
    showLoopError('');
    refresh(true);
  }

  // `anew`: another element is shown, the mapping tables drop what was typed for the last.
  function refresh(anew = false) {
    if (current && bpmn.elementRegistry.get(current.id) !== current) current = null; // removed, e.g. by undo
    const sections = sectionsOf(current);
    for (const [name, visible] of Object.entries(sections)) {
      root.querySelector(`[data-section="${name}"]`).hidden = !visible;
    }
    if (!sections.userTask) formEditor.hide();
    if (!current) return;
    fillElement();
    if (sections.lane) fillLane();
    if (sections.userTask) fillUserTask();
    if (sections.timer) fillTimer();
    if (sections.condition) setValue('condition', readCondition(current));
    if (sections.script) setValue('script', readScript(current));
    if (sections.callActivity) fillCall(anew);
    if (sections.businessRule) fillBusinessRule();
    if (sections.serviceTask) fillServiceTask();
    if (sections.multiInstance) fillLoop();
  }

  // The field being typed in keeps what is typed; the model changes when it is left.
  function setValue(name, value) {
    const control = field(name);
    if (control !== document.activeElement) control.value = value;
  }

  function fillElement() {
    shown('type').textContent = kinds[current.type] || kinds[''];
    setValue('id', current.id);
    shown('id-hint').hidden = isMeaningfulId(current.id);
    setValue('name', current.businessObject.name || '');
    fillContractNote();
  }

  // A lock, as on the diagram, when the code needs the element (contract-locks.js).
  function fillContractNote() {
    const note = locks.noteOf(current);
    const shownNote = shown('contract');
    shownNote.hidden = !note;
    if (!note) {
      shownNote.replaceChildren(); // the id field's description: nothing stale
      return;
    }
    shownNote.classList.toggle('warn', note.renamed);
    const words = document.createElement('span');
    words.textContent = note.text;
    shownNote.replaceChildren(lockIcon('contract-note-lock'), ' ', words);
  }

  function fillLane() {
    const name = current.businessObject.name || '';
    // The role's name comes in the page's language; with its code, the option is data.
    const options = roles.map((role) => option(role.code, `${role.name} (${role.code})`, true));
    if (name && !roleCodes.has(name)) options.push(option(name, text('roleNotFound', { name })));
    const select = field('role');
    select.replaceChildren(select.options[0], ...options);
    select.value = name;
  }

  // The decision tables of the draft (decisions/*.dmn), by decision id, and a link to the
  // chosen one's editor (docs/decision-tables.md).
  function fillBusinessRule() {
    const id = readCalledDecision(current);
    const options = decisionTables.map((table) => option(table.id, `${table.label} (${table.file})`, true));
    if (id && !decisionTables.some((table) => table.id === id)) options.push(option(id, text('decisionNotFound', { id })));
    const select = field('called_decision');
    select.replaceChildren(select.options[0], ...options);
    select.value = id;
    setValue('result_variable', readSpiffProperty(current, RESULT_PROPERTY));
    const table = decisionTables.find((each) => each.id === id);
    const link = shown('decision-link');
    link.hidden = !table;
    if (table) link.href = decisionPage.replace('__file__', encodeURIComponent(table.file));
  }

  // The connector a service task calls and one expression per parameter it declares
  // (docs/connectors.md); a parameter the connector does not declare is kept as written.
  function fillServiceTask() {
    const { connector, result, parameters } = readOperator(current);
    const options = connectors.map((each) => option(each.name, `${each.title} (${each.name})`, true));
    if (connector && !connectors.some((each) => each.name === connector)) {
      options.push(option(connector, text('connectorNotFound', { name: connector })));
    }
    const select = field('connector');
    select.replaceChildren(select.options[0], ...options);
    select.value = connector;
    setValue('connector_result', result);
    const declared = (connectors.find((each) => each.name === connector) || { parameters: [] }).parameters;
    const written = new Map(parameters);
    const rows = [...declared.map((parameter) => [parameter.name, parameter]),
      ...parameters.filter(([name]) => !declared.some((each) => each.name === name)).map(([name]) => [name, null])];
    const box = shown('connector-parameters');
    if (box.contains(document.activeElement)) return; // keep what is being typed
    box.replaceChildren(...rows.map(([name, parameter]) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.id = `panel-parameter-${name}`;
      input.name = 'connector_parameter';
      input.dataset.parameter = name;
      input.spellcheck = false;
      input.setAttribute('translate', 'no');
      input.value = written.get(name) || '';
      label.htmlFor = input.id;
      label.textContent = parameter ? `${parameter.title} (${name})${parameter.required ? ' *' : ''}` : name;
      const row = document.createElement('div');
      row.className = 'connector-parameter';
      row.append(label, input);
      return row;
    }));
  }

  function writeServiceTask() {
    const parameters = [...shown('connector-parameters').querySelectorAll('input')]
      .map((input) => [input.dataset.parameter, input.value.trim()]);
    writeOperator(bpmn, current, {
      connector: field('connector').value, result: field('connector_result').value.trim(), parameters,
    });
  }

  function fillUserTask() {
    const file = readSpiffProperty(current, FORM_PROPERTY);
    fillFormChoices(file);
    setValue('documentation', readDocumentation(current));
    for (const name of POLICY_PROPERTIES) setValue(name, readSpiffProperty(current, name));
    if (file && forms[file]) formEditor.show(file);
    else formEditor.hide();
  }

  function fillFormChoices(file) {
    const select = field('form_file');
    const none = select.querySelector('option[value=""]');
    const newForm = select.querySelector('option[data-new]');
    const files = Object.keys(forms).sort().map((name) => option(name, name, true));
    if (file && !forms[file]) files.push(option(file, text('formMissing', { file })));
    select.replaceChildren(none, ...files, newForm);
    select.value = file;
  }

  function fillTimer() {
    const { type, expression } = readTimer(timerOf(current));
    setValue('timer_type', type);
    setValue('timer_expression', expression);
  }

  // --- call activities ---

  function fillCall(anew) {
    const key = readCalledElement(current);
    const select = field('called_element');
    const options = processes.map((process) => option(process.key, `${process.title} (${process.key})`, true));
    if (key && !processByKey.has(key)) options.push(option(key, text('processNotFound', { key })));
    select.replaceChildren(select.options[0], ...options);
    select.value = key;
    fillVersions(key);
    for (const table of mappings) table.fill(readPrefixedProperties(current, table.prefix), anew);
  }

  function fillVersions(key) {
    const pinned = readSpiffProperty(current, VERSION_PROPERTY);
    const versions = (processByKey.get(key) || { versions: [] }).versions.map(String);
    const select = field('called_version');
    const options = versions.map((version) => option(version, text('versionNumber', { version })));
    if (pinned && !versions.includes(pinned)) {
      options.push(option(pinned, text('versionNotFound', { version: pinned })));
    }
    select.replaceChildren(select.options[0], ...options);
    select.value = pinned;
  }

  // Inputs, outputs and lanes: in.<name>, out.<name>, lane.<name>.
  const mappings = Object.entries(CALL_PREFIXES).map(([name, prefix]) => createMappingTable({
    root: root.querySelector(`[data-mapping="${name}"]`),
    rowTemplate,
    prefix,
    text,
    write: (entries) => writePrefixedProperties(bpmn, current, prefix, entries),
  }));

  // --- multi-instance ---

  function fillLoop() {
    const kind = readLoopKind(current);
    const select = field('loop_kind');
    select.querySelector('option[value="standard"]').hidden = kind !== 'standard';
    select.value = kind;
    const multi = kind === 'parallel' || kind === 'sequential';
    shown('loop-fields').hidden = !multi;
    if (!multi) return;
    const loop = readLoop(current);
    for (const name of LOOP_FIELDS) setValue(loopField(name), loop[name]);
    const over = overOf(loop);
    field('loop_over').value = over;
    shown('loop-cardinality').hidden = over !== 'cardinality';
    shown('loop-collection').hidden = over !== 'collection';
  }

  function overOf(loop) {
    if (loop.cardinality) return 'cardinality';
    if (loop.collection || loop.item) return 'collection';
    return loopOver.get(current.businessObject) || 'collection';
  }

  function showLoopError(message) {
    shown('loop-error').textContent = message;
    shown('loop-error').hidden = !message;
  }

  // One of a count or an input collection: choosing one clears the other.
  function chooseLoopOver(over) {
    loopOver.set(current.businessObject, over);
    showLoopError('');
    if (over === 'cardinality') writeLoop(bpmn, current, { collection: '', item: '' });
    else writeLoop(bpmn, current, { cardinality: '' });
    refresh();
  }

  function writeLoopField(name, value) {
    let problem = null;
    if (value && LOOP_ITEMS.includes(name)) problem = loopItemProblem(bpmn, current, name, value);
    else if (value && LOOP_NAMES.includes(name) && !isDataName(value)) problem = 'dataNameInvalid';
    showLoopError(problem ? text(problem, { name: value }) : '');
    if (!problem) writeLoop(bpmn, current, { [name]: value });
  }

  function showIdError(message) {
    shown('id-error').textContent = message;
    shown('id-error').hidden = !message;
  }

  function rename(id) {
    const problem = idProblem(bpmn, current, id);
    showIdError(problem ? text(problem) : '');
    if (!problem && id !== current.id) bpmn.modeling.updateProperties(current, { id });
  }

  // updateLabel, not updateProperties: it also adds or removes an event's outside label.
  function setName(name) {
    if (name !== (current.businessObject.name || '')) bpmn.modeling.updateLabel(current, name);
  }

  function chooseForm(value) {
    let file = value;
    if (value === NEW_FORM) {
      file = `${current.id}.schema.json`;
      if (!forms[file]) {
        forms[file] = minimalSchema();
        onFormsChanged();
      }
    }
    writeSpiffProperty(bpmn, current, FORM_PROPERTY, file);
    refresh(); // also when the property did not change (the new form already existed)
  }

  function writeCurrentTimer() {
    writeTimer(bpmn, current, timerOf(current), field('timer_type').value, field('timer_expression').value.trim());
  }

  const writers = {
    id: (value) => rename(value.trim()),
    name: (value) => setName(value),
    role: (value) => { if (value) setName(value); },
    form_file: chooseForm,
    documentation: (value) => writeDocumentation(bpmn, current, value.trim()),
    timer_type: writeCurrentTimer,
    timer_expression: writeCurrentTimer,
    condition: (value) => writeCondition(bpmn, current, value.trim()),
    script: (value) => writeScript(bpmn, current, value.trimEnd()),
    called_element: (value) => writeCalledElement(bpmn, current, value),
    called_decision: (value) => writeCalledDecision(bpmn, current, value),
    connector: writeServiceTask,
    connector_result: writeServiceTask,
    connector_parameter: writeServiceTask,
    result_variable: (value) => writeSpiffProperty(bpmn, current, RESULT_PROPERTY, value.trim()),
    called_version: (value) => writeSpiffProperty(bpmn, current, VERSION_PROPERTY, value),
    loop_kind: (value) => {
      showLoopError('');
      writeLoopKind(bpmn, current, value);
    },
    loop_over: chooseLoopOver,
    ...Object.fromEntries(LOOP_FIELDS.map((name) => [
      loopField(name), (value) => writeLoopField(name, value.trim()),
    ])),
    ...Object.fromEntries(POLICY_PROPERTIES.map((name) => [
      name, (value) => writeSpiffProperty(bpmn, current, name, value.trim()),
    ])),
  };

  root.addEventListener('change', (event) => {
    const write = writers[event.target.name];
    if (current && write) write(event.target.value);
  });

  const eventBus = modeler.get('eventBus');
  eventBus.on('selection.changed', ({ newSelection }) => {
    const [only] = newSelection;
    // A selected outside label stands for its event, gateway or flow.
    show(newSelection.length === 1 ? only.labelTarget || only : null);
  });
  eventBus.on('elements.changed', ({ elements }) => {
    if (current && elements.includes(current)) refresh();
  });

  show(null);
  return { refresh };
}

// An editable table of a call activity's mappings, each row a property `prefix`<name> whose
// value is an expression. A change is written when every row is valid (a name that is a
// data name, once in the table); a row without its expression yet is kept on screen only.
function createMappingTable({ root, rowTemplate, prefix, text, write }) {
  const rows = root.querySelector('[data-rows]');
  const error = root.querySelector('[data-show="mapping-error"]');
  const labels = { name: root.dataset.nameLabel, expression: root.dataset.expressionLabel };
  let shownEntries = null; // what the rows stand for in the model

  function fill(entries, anew) {
    if (!anew && shownEntries && sameEntries(entries, shownEntries)) return; // keeps what is being typed
    shownEntries = entries;
    rows.replaceChildren(...entries.map(([name, expression]) => row(name, expression)));
    showError('');
  }

  function row(name = '', expression = '') {
    const made = rowTemplate.content.firstElementChild.cloneNode(true);
    const nameInput = made.querySelector('[name="mapping_name"]');
    const expressionInput = made.querySelector('[name="mapping_expression"]');
    nameInput.value = name;
    expressionInput.value = expression;
    nameInput.setAttribute('aria-label', labels.name);
    expressionInput.setAttribute('aria-label', labels.expression);
    if (root.dataset.nameList) nameInput.setAttribute('list', root.dataset.nameList);
    return made;
  }

  function showError(message, at = null) {
    error.textContent = message;
    error.hidden = !message;
    for (const each of rows.children) each.classList.toggle('invalid', each === at);
  }

  // The rows as entries to write, or the first problem and its row.
  function check() {
    const entries = [];
    const seen = new Set();
    let incomplete = false;
    for (const each of rows.children) {
      const name = each.querySelector('[name="mapping_name"]').value.trim();
      const expression = each.querySelector('[name="mapping_expression"]').value.trim();
      if (!name && !expression) continue;
      if (!name) return { problem: text('mappingNameMissing'), at: each };
      if (!isDataName(name)) return { problem: text('dataNameInvalid', { name }), at: each };
      if (seen.has(name)) return { problem: text('mappingNameTaken', { name }), at: each };
      seen.add(name);
      if (expression) entries.push([name, expression]);
      else incomplete = true;
    }
    return { entries, incomplete };
  }

  function commit() {
    const { entries, incomplete, problem, at } = check();
    if (problem) {
      showError(problem, at);
      return;
    }
    showError(incomplete ? text('mappingIncomplete') : '');
    if (sameEntries(entries, shownEntries || [])) return;
    shownEntries = entries;
    write(entries);
  }

  root.addEventListener('change', (event) => {
    if (event.target.closest('[data-rows]')) commit();
  });
  root.addEventListener('click', (event) => {
    const action = event.target.closest('[data-action]');
    if (!action) return;
    if (action.dataset.action === 'add-mapping') {
      const made = row();
      rows.append(made);
      made.querySelector('[name="mapping_name"]').focus();
    } else if (action.dataset.action === 'remove-mapping') {
      action.closest('.mapping-row').remove();
      commit();
    }
  });

  return { prefix, fill };
}

// `data`: the label is what the diagram or the forms hold (names, codes), not words to translate.
function option(value, label, data = false) {
  const made = document.createElement('option');
  made.value = value;
  made.textContent = label;
  if (data) made.setAttribute('translate', 'no');
  return made;
}
