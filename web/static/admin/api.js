// The admin JSON API as the editor calls it: same origin, the session cookie, and the
// CSRF token in X-CSRFToken on every write (the server refuses writes without it).

export class Unreachable extends Error {}

export function createApi(base, csrfToken) {
  async function send(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRFToken'] = csrfToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(base + path, {
        method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new Unreachable(); // no answer at all: the request may not have arrived
    }
    return { ok: response.ok, status: response.status, data: await bodyOf(response) };
  }

  return {
    get: (path) => send('GET', path),
    put: (path, body) => send('PUT', path, body),
    post: (path, body) => send('POST', path, body),
  };
}

// A proxy or a crashed worker may answer with an HTML page: keep the status, lose nothing else.
async function bodyOf(response) {
  try {
    return await response.json();
  } catch {
    return { message: `${response.status} ${response.statusText}` };
  }
}

// The error's own words, else its code, else the HTTP status.
export function messageOf(result) {
  return result.data.message || result.data.code || String(result.status);
}
