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
  return id !== element.id && idIsTaken(bpmn, id) ? 'idTaken' : null;
}

// Whether an element of the diagram holds `id`: a shape or flow, a multi-instance's data
// item (loopItems), or another element the import or a command claimed. A data item that
// is no longer in the diagram (its name changed, or undone) keeps its claim: not counted.
function idIsTaken(bpmn, id, exceptItem = null) {
  if (bpmn.elementRegistry.get(id)) return true;
  const items = loopItems(bpmn).filter((item) => item !== exceptItem);
  if (items.some((item) => item.id === id)) return true;
  const holder = bpmn.moddle.ids.assigned(id);
  return Boolean(holder) && !isLoopItem(holder);
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
  const entries = spiffEntries(element);
  const at = entries.findIndex(([key]) => key === name);
  if ((at < 0 ? '' : entries[at][1]) === value) return;
  if (!value) entries.splice(at, 1);
  else if (at < 0) entries.push([name, value]);
  else entries[at] = [name, value];
  setSpiffProperties(bpmn, element, entries);
}

// The properties whose names start with `prefix`, as [name without the prefix, value], in
// file order (a call activity's in.<name>, out.<name>, lane.<name>).
export function readPrefixedProperties(element, prefix) {
  return spiffEntries(element)
    .filter(([name]) => name.startsWith(prefix))
    .map(([name, value]) => [name.slice(prefix.length), value]);
}

// Replaces the properties whose names start with `prefix` by `entries` ([name, value] each,
// the name without the prefix), placed where the first of them was: a renamed or removed
// entry loses its old property. One command.
export function writePrefixedProperties(bpmn, element, prefix, entries) {
  if (sameEntries(readPrefixedProperties(element, prefix), entries)) return;
  const all = spiffEntries(element);
  const first = all.findIndex(([name]) => name.startsWith(prefix));
  const before = first < 0 ? all : all.slice(0, first);
  const after = first < 0 ? [] : all.slice(first);
  const others = (list) => list.filter(([name]) => !name.startsWith(prefix));
  const made = entries.map(([name, value]) => [prefix + name, value]);
  setSpiffProperties(bpmn, element, [...others(before), ...made, ...others(after)]);
}

export function sameEntries(left, right) {
  return left.length === right.length
    && left.every(([name, value], index) => name === right[index][0] && value === right[index][1]);
}

function spiffEntries(element) {
  const container = spiffPropertiesOf(element);
  return ((container && container.properties) || []).map((property) => [property.name || '', property.value || '']);
}

// The element's spiffworkflow properties become `entries`, in one command (one undo step).
// Empty <spiffworkflow:properties/> and <bpmn:extensionElements/> would only clutter the file.
function setSpiffProperties(bpmn, element, entries) {
  const bo = element.businessObject;
  const container = spiffPropertiesOf(element);
  const extensions = bo.extensionElements;
  const propertiesIn = (parent) => entries.map(([name, value]) => created(bpmn, PROPERTY, { name, value }, parent));
  if (container && entries.length) {
    bpmn.modeling.updateModdleProperties(element, container, { properties: propertiesIn(container) });
  } else if (container) {
    const others = extensions.values.filter((value) => value !== container);
    if (others.length) bpmn.modeling.updateModdleProperties(element, extensions, { values: others });
    else bpmn.modeling.updateProperties(element, { extensionElements: undefined });
  } else if (entries.length) {
    const parent = extensions || created(bpmn, 'bpmn:ExtensionElements', { values: [] }, bo);
    const made = created(bpmn, PROPERTIES, {}, parent);
    made.properties = propertiesIn(made);
    if (extensions) {
      bpmn.modeling.updateModdleProperties(element, extensions, { values: [...(extensions.values || []), made] });
    } else {
      parent.values = [made];
      bpmn.modeling.updateProperties(element, { extensionElements: parent });
    }
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

// --- business-rule tasks (engine/business_rules.py: the decision table a task evaluates) ---

const CALLED_DECISION = 'spiffworkflow:CalledDecisionId';
export const RESULT_PROPERTY = 'resultVariable';

function calledDecisionOf(element) {
  const extensions = element.businessObject.extensionElements;
  return extensions && (extensions.values || []).find((value) => value.$instanceOf(CALLED_DECISION));
}

export function readCalledDecision(element) {
  const found = calledDecisionOf(element);
  return (found && found.value) || '';
}

export function writeCalledDecision(bpmn, element, id) {
  if (id === readCalledDecision(element)) return;
  const bo = element.businessObject;
  const extensions = bo.extensionElements;
  if (!extensions) {
    if (!id) return;
    const parent = created(bpmn, 'bpmn:ExtensionElements', { values: [] }, bo);
    parent.values = [created(bpmn, CALLED_DECISION, { value: id }, parent)];
    bpmn.modeling.updateProperties(element, { extensionElements: parent });
    return;
  }
  const kept = (extensions.values || []).filter((value) => !value.$instanceOf(CALLED_DECISION));
  const values = id ? [...kept, created(bpmn, CALLED_DECISION, { value: id }, extensions)] : kept;
  bpmn.modeling.updateModdleProperties(element, extensions, { values });
}

// --- service tasks (engine/connectors.py: the connector a task calls, with its parameters) ---

const OPERATOR = 'spiffworkflow:ServiceTaskOperator';

function operatorOf(element) {
  const extensions = element.businessObject.extensionElements;
  return extensions && (extensions.values || []).find((value) => value.$instanceOf(OPERATOR));
}

// { connector, result, parameters: [[name, expression]] } as the task's operator says.
export function readOperator(element) {
  const operator = operatorOf(element);
  const parameters = (operator && operator.parameters && operator.parameters.parameters) || [];
  return {
    connector: (operator && operator.id) || '',
    result: (operator && operator.resultVariable) || '',
    parameters: parameters.map((parameter) => [parameter.id, parameter.value || '']),
  };
}

// The whole operator in one command; parameters with an empty expression are left out.
export function writeOperator(bpmn, element, { connector, result, parameters }) {
  const bo = element.businessObject;
  const extensions = bo.extensionElements || created(bpmn, 'bpmn:ExtensionElements', { values: [] }, bo);
  const operator = created(bpmn, OPERATOR, { id: connector || undefined, resultVariable: result || undefined }, extensions);
  const list = created(bpmn, 'spiffworkflow:Parameters', {}, operator);
  list.parameters = parameters.filter(([, value]) => value)
    .map(([id, value]) => created(bpmn, 'spiffworkflow:Parameter', { id, type: 'any', value }, list));
  operator.parameters = list;
  const values = [...(extensions.values || []).filter((value) => !value.$instanceOf(OPERATOR)), operator];
  if (bo.extensionElements) {
    bpmn.modeling.updateModdleProperties(element, extensions, { values });
  } else {
    extensions.values = values;
    bpmn.modeling.updateProperties(element, { extensionElements: extensions });
  }
}

// --- call activities (engine/call_activity.py: what the BPMN of a call says) ---

export const CALL_PREFIXES = { inputs: 'in.', outputs: 'out.', lanes: 'lane.' };
export const VERSION_PROPERTY = 'calledVersion';

export function readCalledElement(element) {
  return element.businessObject.calledElement || '';
}

export function writeCalledElement(bpmn, element, key) {
  if (key !== readCalledElement(element)) bpmn.modeling.updateProperties(element, { calledElement: key || undefined });
}

// A name the child's or this process's data can hold, that an expression can read.
const DATA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PYTHON_KEYWORDS = new Set(('False None True and as assert async await break class continue def del elif '
  + 'else except finally for from global if import in is lambda nonlocal not or pass raise return try while '
  + 'with yield').split(' '));

export function isDataName(name) {
  return DATA_NAME.test(name) && !PYTHON_KEYWORDS.has(name);
}

// --- multi-instance: bpmn:multiInstanceLoopCharacteristics, as SpiffWorkflow reads it ---
//
// <bpmn:multiInstanceLoopCharacteristics isSequential="true">   (absent: parallel)
//   <bpmn:loopCardinality>expression</...> | <bpmn:loopDataInputRef>collection</...>
//   <bpmn:loopDataOutputRef>collection</...>
//   <bpmn:inputDataItem id="item" name="item"/> <bpmn:outputDataItem id="item" name="item"/>
//   <bpmn:completionCondition>expression</...>
//
// loopDataInputRef and loopDataOutputRef are references in BPMN, to an element's id; here
// they name task data (SpiffWorkflow reads their text). bpmn-js keeps a reference as the
// object it points to and writes that object's id: a free-standing bpmn:ItemAwareElement
// whose id is the data name, in no container, is written as exactly that text. The data
// items are SpiffWorkflow's variables by their id, so id and name are the data name.

const MULTI_INSTANCE = 'bpmn:MultiInstanceLoopCharacteristics';
const LOOP_REFERENCES = { 'bpmn:loopDataInputRef': 'loopDataInputRef', 'bpmn:loopDataOutputRef': 'loopDataOutputRef' };
export const LOOP_FIELDS = ['cardinality', 'collection', 'item', 'outputCollection', 'outputItem', 'condition'];

export function multiInstanceOf(element) {
  const loop = element.businessObject.loopCharacteristics;
  return loop && loop.$instanceOf(MULTI_INSTANCE) ? loop : null;
}

// 'none', 'parallel', 'sequential', or 'standard' (a standard loop, which we do not run).
export function readLoopKind(element) {
  const loop = element.businessObject.loopCharacteristics;
  if (!loop) return 'none';
  if (!loop.$instanceOf(MULTI_INSTANCE)) return 'standard';
  return loop.isSequential ? 'sequential' : 'parallel';
}

// As bpmn-js's own replace menu toggles the marker: the same commands, so either undoes the other.
export function writeLoopKind(bpmn, element, kind) {
  if (kind === readLoopKind(element)) return;
  if (kind === 'none') {
    bpmn.modeling.updateProperties(element, { loopCharacteristics: undefined });
    return;
  }
  const isSequential = kind === 'sequential';
  const loop = multiInstanceOf(element);
  if (loop) {
    bpmn.modeling.updateModdleProperties(element, loop, { isSequential });
  } else {
    const made = created(bpmn, MULTI_INSTANCE, { isSequential }, element.businessObject);
    bpmn.modeling.updateProperties(element, { loopCharacteristics: made });
  }
}

export function readLoop(element) {
  const loop = multiInstanceOf(element);
  const body = (expression) => (expression && expression.body) || '';
  const idOf = (named) => (named && named.id) || '';
  const itemName = (item) => (item && (item.name || item.id)) || '';
  return {
    cardinality: body(loop && loop.loopCardinality),
    collection: idOf(loop && loop.loopDataInputRef),
    item: itemName(loop && loop.inputDataItem),
    outputCollection: idOf(loop && loop.loopDataOutputRef),
    outputItem: itemName(loop && loop.outputDataItem),
    condition: body(loop && loop.completionCondition),
  };
}

// `changes` maps some of LOOP_FIELDS to their new values ('' removes the element): one command.
export function writeLoop(bpmn, element, changes) {
  const loop = multiInstanceOf(element);
  if (!loop) return;
  const current = readLoop(element);
  const changed = Object.entries(changes).filter(([field, value]) => current[field] !== value);
  if (!changed.length) return;
  const item = (type) => (value) => created(bpmn, type, { id: value, name: value }, loop);
  const expression = (value) => formalExpression(bpmn, value, loop);
  const reference = (value) => dataName(bpmn, value);
  const makers = {
    cardinality: ['loopCardinality', expression],
    collection: ['loopDataInputRef', reference],
    item: ['inputDataItem', item('bpmn:DataInput')],
    outputCollection: ['loopDataOutputRef', reference],
    outputItem: ['outputDataItem', item('bpmn:DataOutput')],
    condition: ['completionCondition', expression],
  };
  const properties = Object.fromEntries(changed.map(([field, value]) => {
    const [property, make] = makers[field];
    return [property, value ? make(value) : undefined];
  }));
  bpmn.modeling.updateModdleProperties(element, loop, properties);
}

function dataName(bpmn, name) {
  return bpmn.moddle.create('bpmn:ItemAwareElement', { id: name });
}

// On import a loopDataInputRef/loopDataOutputRef naming task data refers to no element:
// the reader warns and drops it. Put it back as a data name; the other warnings are returned.
export function keepLoopDataNames(bpmn, warnings) {
  return warnings.filter((warning) => {
    const property = LOOP_REFERENCES[warning.property];
    const loop = warning.element;
    const name = String(warning.value || '').trim();
    if (!property || !name || !loop || !loop.$instanceOf || !loop.$instanceOf(MULTI_INSTANCE)) return true;
    loop.set(property, dataName(bpmn, name));
    return false;
  });
}

function isLoopItem(moddleElement) {
  const parent = moddleElement.$parent;
  return Boolean(parent && parent.$instanceOf && parent.$instanceOf(MULTI_INSTANCE)
    && (moddleElement.$instanceOf('bpmn:DataInput') || moddleElement.$instanceOf('bpmn:DataOutput')));
}

// The data items of every multi-instance in the diagram.
function loopItems(bpmn) {
  return bpmn.elementRegistry.getAll()
    .map((element) => element.businessObject && element.businessObject.loopCharacteristics)
    .filter((loop) => loop && loop.$instanceOf(MULTI_INSTANCE))
    .flatMap((loop) => [loop.inputDataItem, loop.outputDataItem])
    .filter(Boolean);
}

// null when `name` may be the element's input ('item') or output ('outputItem') data item,
// else the text key of the reason: the item's id is its name, unique in the whole file.
export function loopItemProblem(bpmn, element, field, name) {
  if (!isDataName(name)) return 'dataNameInvalid';
  const loop = multiInstanceOf(element);
  const own = loop && (field === 'item' ? loop.inputDataItem : loop.outputDataItem);
  return idIsTaken(bpmn, name, own) ? 'itemIdTaken' : null;
}
