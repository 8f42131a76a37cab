// Server-authoritative data as plugins meet it: a plugin lists and edits
// the records it may touch, and is refused the rest with stable codes, by
// the relay when its grants forbid the call and by the server when the
// user's own rights do (role, record owner, tenant, hidden fields).
// Calls go through the real SDK in the real plugin frame (frame.evaluate
// calling osp.data.*), so every one crosses the relay in wasm, the host
// SDK and the server.
import { appUrl, expect, pluginFrame, signIn, test } from '../support/test.js';

// Calls osp.data[method](params) in the plugin frame; a refusal comes back
// as { error: code } instead of throwing, so the test can compare it.
const data = (frame, method, params) => frame.evaluate(async ({ method, params }) => {
  try {
    return { value: await window.osp.data[method](params) };
  } catch (err) {
    return { error: err.code || err.name };
  }
}, { method, params });

// The record as the server has it, read by the shell itself (the host
// app under the user's session, no plugin involved).
const serverRecord = (page, object, id) => page.evaluate(async ({ object, id }) => {
  const r = await fetch(`/api/v1/data/${object}/${id}`);
  return { status: r.status, body: await r.json() };
}, { object, id });

test('a sales user\'s pipeline lists only their own deals, and edits them', async ({ page }) => {
  await signIn(page, 'bob', { hash: '#/deal?view=demo.pipeline%2Fpipeline' });
  const board = await pluginFrame(page, 'demo.pipeline', 'pipeline');

  const list = await data(board, 'query', { object: 'deal', sort: 'title', limit: 100 });
  expect(list.error).toBeUndefined();
  const ids = list.value.records.map((d) => d.id).sort();
  expect(ids).toEqual(['d1', 'd2', 'd4']); // d3 is alice's: not in bob's scope
  expect(list.value.records.every((d) => d.owner === 'bob')).toBe(true);
  expect(Object.keys(list.value.records.find((d) => d.id === 'd1')).sort())
    .toEqual(['amount', 'contact', 'id', 'owner', 'stage', 'title']);

  // An edit it may make: the server has it, then it is put back.
  const before = await serverRecord(page, 'deal', 'd4');
  const edited = await data(board, 'update', { object: 'deal', id: 'd4', values: { amount: 15001 } });
  expect(edited.value.amount).toBe(15001);
  expect((await serverRecord(page, 'deal', 'd4')).body.amount).toBe(15001);
  await data(board, 'update', { object: 'deal', id: 'd4', values: { amount: before.body.amount } });
  expect((await serverRecord(page, 'deal', 'd4')).body).toEqual(before.body);

  // Create and delete a deal of its own.
  const created = await data(board, 'create', { object: 'deal', values: { title: 'E2E scratch', stage: 'lost' } });
  expect(created.value.owner).toBe('bob');
  expect(await data(board, 'delete', { object: 'deal', id: created.value.id }))
    .toEqual({ value: { deleted: true } });
  expect((await serverRecord(page, 'deal', created.value.id)).status).toBe(404);

  // Refused by the server: another owner's deal does not exist for bob,
  // whichever way it is reached, and a bad value is a bad value.
  const d3 = await page.evaluate(async () => (await fetch('/api/v1/data/deal/d3')).status);
  expect(d3).toBe(404);
  expect(await data(board, 'get', { object: 'deal', id: 'd3' })).toEqual({ error: 'not_found' });
  expect(await data(board, 'update', { object: 'deal', id: 'd3', values: { stage: 'lost' } }))
    .toEqual({ error: 'not_found' });
  expect(await data(board, 'delete', { object: 'deal', id: 'd3' })).toEqual({ error: 'not_found' });
  expect(await data(board, 'update', { object: 'deal', id: 'd4', values: { stage: 'sold' } }))
    .toEqual({ error: 'invalid_params' });
  // Refused by the relay: the pipeline was never granted contacts.
  expect(await data(board, 'query', { object: 'contact' })).toEqual({ error: 'permission_denied' });
  expect((await serverRecord(page, 'deal', 'd4')).body).toEqual(before.body);
});

test('a viewer\'s plugin sees only the fields the viewer may, and cannot write', async ({ page }) => {
  await signIn(page, 'carol', { hash: '#/deal?view=demo.pipeline%2Fpipeline' });
  const board = await pluginFrame(page, 'demo.pipeline', 'pipeline');
  const list = await data(board, 'query', { object: 'deal', limit: 100 });
  // Every deal of the tenant (a viewer's records are "all"), title and
  // stage only: amounts are not the viewer's to see.
  expect(list.value.records.map((d) => d.id).sort()).toEqual(['d1', 'd2', 'd3', 'd4']);
  for (const d of list.value.records) expect(Object.keys(d).sort()).toEqual(['id', 'owner', 'stage', 'title']);
  // Sorting or filtering on the hidden field would reveal it: refused.
  expect(await data(board, 'query', { object: 'deal', sort: '-amount' }))
    .toEqual({ error: 'permission_denied' });
  expect(await data(board, 'query', { object: 'deal', filter: { amount: 45000 } }))
    .toEqual({ error: 'permission_denied' });
  // The plugin holds data.write:deal, so the relay lets the write through;
  // the server refuses it, because carol may not write deals.
  expect(await data(board, 'update', { object: 'deal', id: 'd1', values: { stage: 'won' } }))
    .toEqual({ error: 'permission_denied' });
  expect(await data(board, 'create', { object: 'deal', values: { title: 'No', stage: 'lead' } }))
    .toEqual({ error: 'permission_denied' });
  expect(await data(board, 'delete', { object: 'deal', id: 'd1' })).toEqual({ error: 'permission_denied' });
  expect((await serverRecord(page, 'deal', 'd1')).body.stage).toBe('proposal');
});

test('a plugin in another tenant reads its own tenant only and writes nothing', async ({ page }) => {
  await signIn(page, 'dave', { tenant: 'globex' });
  const probe = await pluginFrame(page, 'test.probe', 'probe');
  const list = await data(probe, 'query', { object: 'contact', limit: 100 });
  expect(list.value.records.map((c) => c.name)).toEqual(['Hank Scorpio']);
  expect(list.value.total).toBe(1);
  // default's records do not exist here.
  expect(await data(probe, 'get', { object: 'contact', id: 'c1' })).toEqual({ error: 'not_found' });
  // Granted reads of contacts only: writes and deals stop at the relay.
  expect(await probe.evaluate(() => window.probe.write())).toBe('permission_denied');
  expect(await probe.evaluate(() => window.probe.denied())).toBe('permission_denied');
  expect(await data(probe, 'delete', { object: 'contact', id: 'g1' })).toEqual({ error: 'permission_denied' });
  // And the frame cannot skip the relay: its CSP allows it no connection
  // at all, to the API or anywhere.
  const direct = await probe.evaluate(async (app) => {
    try {
      await fetch(`${app}/api/v1/data/contact`, { credentials: 'include' });
      return 'fetched';
    } catch (err) {
      return err.name;
    }
  }, appUrl());
  expect(direct).toBe('TypeError');
  expect((await serverRecord(page, 'contact', 'g1')).body.name).toBe('Hank Scorpio');
});

test('calls that skip the relay gain nothing: the server checks the same grants', async ({ page }) => {
  await signIn(page, 'bob');
  // From the app origin with bob's cookie (what a script that got past the
  // relay could at most do): the plugin named in X-OSP-Plugin decides.
  const get = (path, plugin) => page.evaluate(async ({ path, plugin }) => {
    const r = await fetch(path, { headers: plugin ? { 'X-OSP-Plugin': plugin } : {} });
    return { status: r.status, code: r.ok ? null : (await r.json()).error.code };
  }, { path, plugin });
  expect(await get('/api/v1/data/deal/d1', 'demo.contacts')).toEqual({ status: 403, code: 'permission_denied' });
  expect(await get('/api/v1/data/contact/c1', 'test.probe')).toEqual({ status: 403, code: 'permission_denied' });
  expect(await get('/api/v1/data/contact/c1', 'no.such-plugin')).toEqual({ status: 403, code: 'permission_denied' });
  expect(await get('/api/v1/data/contact/c1', 'Not A Plugin')).toEqual({ status: 400, code: 'bad_request' });
  expect((await get('/api/v1/data/contact/c1', 'demo.contacts')).status).toBe(200);
  // Writes without the session's CSRF token (which only the shell holds)
  // are refused whatever else they carry, and change nothing.
  const before = await serverRecord(page, 'deal', 'd1');
  const write = await page.evaluate(async () => {
    const r = await fetch('/api/v1/data/deal/d1', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'X-OSP-Plugin': 'demo.pipeline', 'X-OSP-CSRF': 'guess' },
      body: JSON.stringify({ values: { stage: 'lost' } }),
    });
    return { status: r.status, code: (await r.json()).error.code };
  });
  expect(write).toEqual({ status: 403, code: 'forbidden' });
  expect((await serverRecord(page, 'deal', 'd1')).body).toEqual(before.body);
});
