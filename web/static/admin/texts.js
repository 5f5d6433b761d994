// The page's translated texts (built by the template with Flask-Babel), with {name}
// placeholders that the script fills in.

export function loadTexts(element) {
  const texts = JSON.parse(element.textContent);
  return (key, values = {}) => fill(texts[key], values);
}

// bpmn-js's own words (palette, context pad, menus) in the page's language: a module that
// replaces its translate service, looking each English template bpmn-js asks for up in the
// page's dictionary (admin/_bpmn_words.html); a template missing there is shown as it is.
export function bpmnTranslations(element) {
  const words = JSON.parse(element.textContent);
  const translate = (template, values = {}) => fill(Object.hasOwn(words, template) ? words[template] : template, values);
  return { translate: ['value', translate] };
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// As the rest of TalentFlow shows times: dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh.
export function localTime(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}
