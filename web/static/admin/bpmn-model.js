// Reading and writing what the side panel edits on a BPMN element. Every write goes
// through bpmn-js commands (modeling.*), so it can be undone and marks the draft changed.
// `bpmn` is { modeling, moddle, elementRegistry } from the modeler.

const PROPERTIES = 'spiffworkflow:Properties';
const PROPERTY = 'spiffworkflow:Property';
export const TIMER_TYPES = ['timeDate', 'timeDuration', 'timeCycle'];

// An XML id (what the BPMN file can hold); whether it is a meaningful name is the
// server's check, shown as a hint here.
const XML_ID = /^[A-Za-z_][\w.-]*$/;
// The engine's rule for ids that may be published (engine/definitions.py MEANINGFUL_ID).
const MEANINGFUL_ID = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

export function isA(element, type) {
  const bo = element && element.businessObject;
  return Boolean(bo && bo.$instanceOf(type));
}

export function isMeaningfulId(id) {
  return MEANINGFUL_ID.test(id);
}

// null when `id` may replace the element's id, else the text key of the reason.
export function idProblem(bpmn, element, id) {
  if (!XML_ID.test(id)) return 'idInvalid';
  const holder = bpmn.moddle.ids.assigned(id) || bpmn.elementRegistry.get(id);
  return holder && id !== element.id ? 'idTaken' : null;
}

function created(bpmn, type, attributes, parent) {
  const made = bpmn.moddle.create(type, attributes);
  made.$parent = parent;
  return made;
}

// --- spiffworkflow:property entries (form file, escalation policy) ---

function spiffPropertiesOf(element) {
  const extensions = element.businessObject.extensionElements;
  return extensions && (extensions.values || []).find((value) => value.$instanceOf(PROPERTIES));
}

function spiffPropertyOf(container, name) {
  return container && (container.properties || []).find((property) => property.name === name);
}

export function readSpiffProperty(element, name) {
  const found = spiffPropertyOf(spiffPropertiesOf(element), name);
  return (found && found.value) || '';
}

// An empty value removes the property: the engine then applies its default.
export function writeSpiffProperty(bpmn, element, name, value) {
  const container = spiffPropertiesOf(element);
  const existing = spiffPropertyOf(container, name);
  if (!value) {
    if (existing) removeSpiffProperty(bpmn, element, container, existing);
  } else if (existing) {
    if (existing.value !== value) bpmn.modeling.updateModdleProperties(element, existing, { value });
  } else {
    const target = container || addSpiffProperties(bpmn, element);
    const property = created(bpmn, PROPERTY, { name, value }, target);
    bpmn.modeling.updateModdleProperties(element, target, { properties: [...(target.properties || []), property] });
  }
}

function addSpiffProperties(bpmn, element) {
  const bo = element.businessObject;
  let extensions = bo.extensionElements;
  if (!extensions) {
    extensions = created(bpmn, 'bpmn:ExtensionElements', { values: [] }, bo);
    bpmn.modeling.updateProperties(element, { extensionElements: extensions });
  }
  const container = created(bpmn, PROPERTIES, { properties: [] }, extensions);
  bpmn.modeling.updateModdleProperties(element, extensions, { values: [...(extensions.values || []), container] });
  return container;
}

// Empty <spiffworkflow:properties/> and <bpmn:extensionElements/> would only clutter the file.
function removeSpiffProperty(bpmn, element, container, property) {
  const rest = container.properties.filter((entry) => entry !== property);
  if (rest.length) {
    bpmn.modeling.updateModdleProperties(element, container, { properties: rest });
    return;
  }
  const extensions = element.businessObject.extensionElements;
  const others = extensions.values.filter((value) => value !== container);
  if (others.length) {
    bpmn.modeling.updateModdleProperties(element, extensions, { values: others });
  } else {
    bpmn.modeling.updateProperties(element, { extensionElements: undefined });
  }
}

// --- documentation (a user task's instructions) ---

export function readDocumentation(element) {
  const [first] = element.businessObject.documentation || [];
  return (first && first.text) || '';
}

export function writeDocumentation(bpmn, element, text) {
  if (text === readDocumentation(element)) return;
  const documentation = text ? [created(bpmn, 'bpmn:Documentation', { text }, element.businessObject)] : [];
  bpmn.modeling.updateProperties(element, { documentation });
}

// --- timers, conditions, scripts: Python expressions kept as formal expressions ---

function formalExpression(bpmn, body, parent) {
  return created(bpmn, 'bpmn:FormalExpression', { body }, parent);
}

export function timerOf(element) {
  return (element.businessObject.eventDefinitions || [])
    .find((definition) => definition.$instanceOf('bpmn:TimerEventDefinition'));
}

export function readTimer(definition) {
  const type = TIMER_TYPES.find((name) => definition[name]) || 'timeDate';
  return { type, expression: (definition[type] && definition[type].body) || '' };
}

// A timer has one of timeDate, timeDuration or timeCycle: setting one clears the others.
export function writeTimer(bpmn, element, definition, type, expression) {
  const current = readTimer(definition);
  if (!expression && !current.expression) return; // the type alone is nothing to store yet
  if (current.type === type && current.expression === expression) return;
  const changes = Object.fromEntries(TIMER_TYPES.map((name) => [name, undefined]));
  if (expression) changes[type] = formalExpression(bpmn, expression, definition);
  bpmn.modeling.updateModdleProperties(element, definition, changes);
}

export function isConditionalFlow(element) {
  return isA(element, 'bpmn:SequenceFlow') && isA(element.source, 'bpmn:Gateway');
}

export function readCondition(element) {
  const condition = element.businessObject.conditionExpression;
  return (condition && condition.body) || '';
}

export function writeCondition(bpmn, element, expression) {
  if (expression === readCondition(element)) return;
  const condition = expression ? formalExpression(bpmn, expression, element.businessObject) : undefined;
  bpmn.modeling.updateProperties(element, { conditionExpression: condition });
}

export function readScript(element) {
  return element.businessObject.script || '';
}

export function writeScript(bpmn, element, script) {
  if (script !== readScript(element)) bpmn.modeling.updateProperties(element, { script: script || undefined });
}
