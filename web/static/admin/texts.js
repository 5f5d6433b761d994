// The page's translated texts (built by the template with Flask-Babel), with {name}
// placeholders that the script fills in.

export function loadTexts(element) {
  const texts = JSON.parse(element.textContent);
  return (key, values = {}) => texts[key].replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// As the rest of TalentFlow shows times: dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh.
export function localTime(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}
