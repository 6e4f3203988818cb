// Drives the official CNaught Node SDK (2.8.0), unmodified, against a running Canopy.
// Usage: node sdk-check.mjs HOST PORT API_KEY OTHER_ACCOUNT_ORDER_ID
// Prints one JSON line with the results; exits non-zero on the first failed expectation.
import { CNaughtApiClient, CNaughtError } from '@cnaught/cnaught-node-sdk';

const [, , hostname, port, apiKey] = process.argv;
// The SDK always speaks https; the local test server speaks http.
const client = new CNaughtApiClient(apiKey, {
  hostname,
  port,
  fetch: (url, init) => fetch(String(url).replace(/^https:/, 'http:'), init),
});

const steps = [];
function expect(condition, message) {
  if (!condition) throw new Error(`expectation failed: ${message}`);
}
async function step(name, fn) {
  try {
    const value = await fn();
    steps.push(name);
    return value;
  } catch (e) {
    const detail = e instanceof CNaughtError ? `${e.status} ${JSON.stringify(e.problemDetails)}` : String(e?.stack ?? e);
    console.log(JSON.stringify({ ok: false, failed: name, detail, steps }));
    process.exit(1);
  }
}

const portfolios = await step('list portfolios', async () => {
  const list = await client.getListOfPortfolios();
  expect(list.data.length > 0, 'at least one portfolio');
  return list.data;
});
const portfolio = await step('get portfolio', async () => {
  const p = await client.getPortfolioDetails(portfolios[0].id);
  expect(p.category_allocations.length > 0, 'category allocations');
  return p;
});
const projectId = portfolio.category_allocations[0].category.projects[0].id;
await step('get project', async () => expect((await client.getProjectDetails(projectId)).id === projectId, 'project id'));
await step('get project category', async () => {
  const c = await client.getProjectCategoryDetails(portfolio.category_allocations[0].category.id);
  expect(c.projects.some((p) => p.id === projectId), 'category lists the project');
});

const generic = await step('place generic order', async () => {
  const o = await client.placeGenericOrder({ amount_kg: 10, metadata: 'sdk', description: 'From the SDK' }, { idempotencyKey: 'sdk-generic-1' });
  expect(o.state === 'placed' && o.type === 'generic' && o.amount_kg === 10 && o.metadata === 'sdk', 'generic order fields');
  expect(o.project_allocations.reduce((s, a) => s + a.amount_kg, 0).toFixed(3) === '10.000', 'allocations sum to the order');
  return o;
});
await step('replay generic order with the same idempotency key', async () => {
  const again = await client.placeGenericOrder({ amount_kg: 10, metadata: 'sdk', description: 'From the SDK' }, { idempotencyKey: 'sdk-generic-1' });
  expect(again.id === generic.id, 'replay returns the same order');
});
const byPrice = await step('place order by price', async () => {
  const o = await client.placeGenericOrder({ total_price_usd_cents: 500 });
  expect(o.price_usd_cents <= 500 && o.amount_kg > 0, 'by-price order fits the budget');
  return o;
});
const ride = await step('place ride order', async () => {
  const o = await client.placeRideOrder({ distance_km: 12.5 });
  expect(o.type === 'ride' && o.distance_km === 12.5 && o.amount_kg > 0, 'ride order fields');
  return o;
});

await step('generic quote equals the order price', async () => {
  const q = await client.getGenericQuote({ amount_kg: 10 });
  expect(q.amount_kg === 10 && q.price_usd_cents === generic.price_usd_cents, 'quote matches order');
});
await step('ride quote', async () => {
  const q = await client.getRideQuote({ distance_km: 12.5 });
  expect(q.amount_kg === ride.amount_kg && q.price_usd_cents === ride.price_usd_cents, 'ride quote matches ride order');
});
await step('activity quotes', async () => {
  const quotes = [
    await client.getFlightQuote({ distance_km: 1000 }),
    await client.getTrainQuote({ distance_km: 300 }),
    await client.getAirFreightQuote({ distance_km: 1000, freight_mass_kg: 500 }),
    await client.getGroundFreightQuote({ distance_km: 1000, freight_mass_kg: 500 }),
    await client.getGroundTransportQuote({ distance_km: 100, vehicle_type: 'coach_bus' }),
    await client.getOfficeSpaceQuote({ square_footage: 1000 }),
  ];
  for (const q of quotes) expect(q.amount_kg > 0 && q.price_usd_cents > 0, 'every activity quote is positive');
});

await step('get order', async () => {
  const o = await client.getOrderDetails(generic.id);
  expect(o.id === generic.id && o.order_number === generic.order_number, 'same order');
});
await step('list orders with a limit, then the next page', async () => {
  const first = await client.getListOfOrders(2);
  expect(first.data.length === 2 && first.data[0].id === ride.id && first.data[1].id === byPrice.id, 'newest first');
  const next = await client.getListOfOrders(2, first.data[1].id);
  expect(next.data.length === 1 && next.data[0].id === generic.id, 'next page');
});
await step('cancel order', async () => {
  const c = await client.cancelOrder(byPrice.id);
  expect(c.state === 'cancelled' && c.id === byPrice.id, 'cancelled');
});
await step('second cancel is forbidden', async () => {
  try {
    await client.cancelOrder(byPrice.id);
  } catch (e) {
    expect(e instanceof CNaughtError && e.status === 403, 'a CNaughtError with status 403');
    return;
  }
  throw new Error('second cancel succeeded');
});
await step('unknown order is a not-found problem', async () => {
  try {
    await client.getOrderDetails('doesNotExist1');
  } catch (e) {
    expect(e instanceof CNaughtError && e.status === 404 && e.problemDetails.title === 'Could not find order', '404 Could not find order');
    return;
  }
  throw new Error('unknown order found');
});
await step('invalid parameters name the field', async () => {
  try {
    await client.placeGenericOrder({ amount_kg: -1 });
  } catch (e) {
    expect(e instanceof CNaughtError && e.status === 400 && e.problemDetails.errors?.amount_kg?.length > 0, 'errors.amount_kg');
    return;
  }
  throw new Error('negative amount accepted');
});

const sub = await step('create subaccount', async () => {
  const s = await client.createSubaccount({ name: 'SDK team', email: 'team@example.com', default_portfolio_id: portfolios[0].id });
  expect(s.id.length === 8 && s.name === 'SDK team' && s.default_portfolio_id === portfolios[0].id, 'subaccount fields');
  return s;
});
await step('get subaccount', async () => expect((await client.getSubaccountDetails(sub.id)).email === 'team@example.com', 'email'));
await step('list subaccounts', async () => {
  const list = await client.getListOfSubaccounts(10);
  expect(list.data.some((s) => s.id === sub.id), 'listed');
});
await step('update subaccount (full replace)', async () => {
  const s = await client.updateSubaccount(sub.id, { name: 'SDK team 2' });
  expect(s.name === 'SDK team 2' && s.email === null && s.default_portfolio_id === null, 'omitted fields become null');
});
await step('order for a subaccount', async () => {
  const o = await client.placeGenericOrder({ amount_kg: 1 }, { subaccountId: sub.id });
  expect(o.subaccount_id === sub.id, 'subaccount_id');
  const list = await client.getListOfOrders(10, undefined, { subaccountId: sub.id });
  expect(list.data.length === 1 && list.data[0].id === o.id, 'subaccount list');
});
await step('logo from URL', async () => {
  const s = await client.updateSubaccountLogoFromUrl(sub.id, { logo_url: 'https://example.com/logo.png' });
  expect(s.logo_url === 'https://example.com/logo.png', 'logo url');
});
await step('logo from image data', async () => {
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const s = await client.updateSubaccountLogoFromImageData(sub.id, { logo_file_content: png, content_type: 'image/png' });
  expect(typeof s.logo_url === 'string' && s.logo_url.includes('/logos/'), 'uploaded logo url');
  // logo_url is the served copy (a PNG at most 1024 px on the long side); the upload itself is kept at /original.
  const served = await fetch(s.logo_url);
  const copy = Buffer.from(await served.arrayBuffer());
  expect(served.status === 200 && served.headers.get('content-type') === 'image/png' && copy.subarray(0, 8).equals(png.subarray(0, 8)), 'logo copy served as PNG');
  const original = await fetch(s.logo_url + '/original');
  const bytes = Buffer.from(await original.arrayBuffer());
  expect(original.status === 200 && bytes.equals(png), 'original logo served back byte for byte');
});
await step('remove logo', async () => expect((await client.removeSubaccountLogo(sub.id)).logo_url === null, 'logo removed'));

await step('impact data', async () => {
  const impact = await client.getImpactData();
  expect(impact.total_offset_kgs > 0 && impact.categories.length > 0, 'impact totals');
  expect(typeof impact.equivalents.trees_planted === 'number', 'equivalents');
  const forSub = await client.getImpactData({ from: new Date(Date.now() - 86_400_000) }, { subaccountId: sub.id });
  expect(forSub.total_offset_kgs === 1 && forSub.name === 'SDK team 2', 'subaccount impact');
});
await step('hosted page config', async () => {
  const h = await client.getImpactHostedPageConfig();
  expect(typeof h.enabled === 'boolean' && h.url.includes('/impact/') && h.enabled_equivalents.length === 4, 'hosted page config');
});

console.log(JSON.stringify({ ok: true, steps }));
