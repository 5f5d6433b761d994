// The form editor's operations on a task form's JSON Schema. A field is named by its
// dotted path through object properties and array items: `no_demand`, `lines.items.major`.
// Every object made here has additionalProperties: false, as the engine requires.

const FIELD_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const RESERVED_KEYS = new Set(['typename']); // breaks SpiffWorkflow's deserialization
// What a type change keeps; the rest (bounds, options, nested fields) belongs to the old type.
const KEPT_ON_TYPE_CHANGE = ['title', 'description'];

export function minimalSchema() {
  return { type: 'object', additionalProperties: false, properties: {} };
}

function shapeOf(type) {
  if (type === 'object') return minimalSchema();
  // A table: the rows are objects, as the task page renders them (group of fields per row).
  if (type === 'array') return { type: 'array', items: minimalSchema() };
  return { type };
}

// The object schema holding a field's children: its own properties, or its rows' for a table.
function childObjectOf(spec) {
  if (spec.type === 'object') return spec;
  if (spec.type === 'array' && spec.items && spec.items.type === 'object') return spec.items;
  return null;
}

function childPrefixOf(spec, path) {
  return spec.type === 'array' ? `${path}.items` : path;
}

// The tree of fields, in the schema's order: [{ path, name, spec, required, children }].
export function fieldsOf(objectSchema, prefix = '') {
  const required = new Set(objectSchema.required || []);
  return Object.entries(objectSchema.properties || {}).map(([name, spec]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const child = childObjectOf(spec);
    return { path, name, spec, required: required.has(name),
      children: child ? fieldsOf(child, childPrefixOf(spec, path)) : null };
  });
}

// { container, name, spec }: the object schema holding the field at `path`.
function locate(schema, path) {
  const segments = path.split('.');
  let container = schema;
  for (let i = 0; ; i += 1) {
    const name = segments[i];
    const spec = (container.properties || {})[name];
    if (!spec) throw new Error(`no field ${path}`);
    if (i === segments.length - 1) return { container, name, spec };
    container = childObjectOf(spec);
    if (spec.type === 'array') i += 1; // skip the "items" segment
  }
}

export function setTitle(schema, path, title) {
  const { spec } = locate(schema, path);
  if (title) spec.title = title;
  else delete spec.title;
}

export function setType(schema, path, type) {
  const { container, name, spec } = locate(schema, path);
  if (spec.type === type) return;
  const kept = Object.fromEntries(KEPT_ON_TYPE_CHANGE.filter((key) => key in spec).map((key) => [key, spec[key]]));
  container.properties[name] = { ...kept, ...shapeOf(type) };
}

export function setRequired(schema, path, required) {
  const { container, name } = locate(schema, path);
  const rest = (container.required || []).filter((entry) => entry !== name);
  if (required) rest.push(name);
  if (rest.length) container.required = rest;
  else delete container.required;
}

export function removeField(schema, path) {
  const { container, name } = locate(schema, path);
  delete container.properties[name];
  setRequiredList(container, (container.required || []).filter((entry) => entry !== name));
}

function setRequiredList(container, names) {
  if (names.length) container.required = names;
  else delete container.required;
}

// Adds a text field under the object or table at `parentPath` ('' = the form itself);
// returns the new field's path.
export function addField(schema, parentPath) {
  let container = schema;
  let prefix = '';
  if (parentPath) {
    const { spec } = locate(schema, parentPath);
    container = childObjectOf(spec);
    prefix = childPrefixOf(spec, parentPath);
  }
  container.properties = container.properties || {};
  const name = freeKey(container.properties);
  container.properties[name] = { type: 'string' };
  return prefix ? `${prefix}.${name}` : name;
}

function freeKey(properties) {
  let number = Object.keys(properties).length + 1;
  while (`field_${number}` in properties) number += 1;
  return `field_${number}`;
}

// Renames a field in place (its position kept); returns null, or the text key of why not.
export function renameField(schema, path, newName) {
  if (!FIELD_KEY.test(newName) || RESERVED_KEYS.has(newName)) return 'fieldKeyInvalid';
  const { container, name } = locate(schema, path);
  if (newName === name) return null;
  if (newName in container.properties) return 'fieldKeyTaken';
  container.properties = Object.fromEntries(Object.entries(container.properties)
    .map(([key, spec]) => [key === name ? newName : key, spec]));
  setRequiredList(container, (container.required || []).map((entry) => (entry === name ? newName : entry)));
  return null;
}
