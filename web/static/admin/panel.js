// The side panel: the selected element's id and name, and what its kind carries in our
// BPMN dialect (bpmn/README.md): a lane's role, a user task's form, instructions and
// escalation policy, a timer's expression, a gateway flow's condition, a script.
// The fields are in the page (translated there); this shows the ones that apply and
// writes each change to the diagram when the field is left (one undo step per change).

import {
  idProblem, isA, isConditionalFlow, isMeaningfulId, readCondition, readDocumentation, readScript,
  readSpiffProperty, readTimer, timerOf, writeCondition, writeDocumentation, writeScript,
  writeSpiffProperty, writeTimer,
} from './bpmn-model.js';
import { lockIcon } from './contract-locks.js';
import { minimalSchema } from './form-schema.js';

const FORM_PROPERTY = 'formJsonSchemaFilename';
const NEW_FORM = '+new'; // the "new form…" option; "+" is never in a form file name
const POLICY_PROPERTIES = ['due', 'reminders', 'escalation', 'escalation_action'];

export function createPanel({ root, modeler, roles, forms, text, formEditor, locks, onFormsChanged }) {
  const bpmn = {
    modeling: modeler.get('modeling'),
    moddle: modeler.get('moddle'),
    elementRegistry: modeler.get('elementRegistry'),
  };
  const roleCodes = new Set(roles.map((role) => role.code));
  let current = null;

  const field = (name) => root.querySelector(`[name="${name}"]`);
  const shown = (name) => root.querySelector(`[data-show="${name}"]`);

  function sectionsOf(element) {
    return {
      none: !element,
      element: Boolean(element),
      lane: isA(element, 'bpmn:Lane'),
      userTask: isA(element, 'bpmn:UserTask'),
      timer: Boolean(element && timerOf(element)),
      condition: Boolean(element && isConditionalFlow(element)),
      script: isA(element, 'bpmn:ScriptTask'),
    };
  }

  function show(element) {
    current = element;
    showIdError('');
    refresh();
  }

  function refresh() {
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
  }

  // The field being typed in keeps what is typed; the model changes when it is left.
  function setValue(name, value) {
    const control = field(name);
    if (control !== document.activeElement) control.value = value;
  }

  function fillElement() {
    shown('type').textContent = current.type.replace(/^bpmn:/, '');
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
    const options = roles.map((role) => option(role.code, `${role.name} (${role.code})`));
    if (name && !roleCodes.has(name)) options.push(option(name, text('roleNotFound', { name })));
    const select = field('role');
    select.replaceChildren(select.options[0], ...options);
    select.value = name;
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
    const files = Object.keys(forms).sort().map((name) => option(name, name));
    if (file && !forms[file]) files.push(option(file, text('formMissing', { file })));
    select.replaceChildren(none, ...files, newForm);
    select.value = file;
  }

  function fillTimer() {
    const { type, expression } = readTimer(timerOf(current));
    setValue('timer_type', type);
    setValue('timer_expression', expression);
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

function option(value, label) {
  const made = document.createElement('option');
  made.value = value;
  made.textContent = label;
  return made;
}
