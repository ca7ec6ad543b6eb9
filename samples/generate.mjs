// Regenerates the sandbox's default data and the two sample sheets, byte for byte, from one seed:
//   node samples/generate.mjs
// The samples are written against the data (the same clients, packages and existing client packages),
// so `client-packages demo` mostly succeeds and fails exactly on the rows meant to fail.

import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';

const here = (name) => new URL(name, import.meta.url);

// mulberry32: the same sequence on every machine.
let state = 20261201;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const opaque = (prefix) => `${prefix}_${Array.from({ length: 12 }, () => pick('0123456789abcdefghijklmnopqrstuvwxyz')).join('')}`;

const BUSINESS = 'bz_4f7c2a91d3e8';
const OTHER_BUSINESS = 'bz_9d03e6b5a172';

const FIRST = ['Olivia', 'Liam', 'Amelia', 'Noah', 'Sofía', 'Mateo', 'Chloé', 'Lucas', 'Zoë', 'Ethan', 'Ava', 'Mason', 'Renée',
  'James', 'Maya', 'Daniel', 'Inès', 'Samuel', 'Hannah', 'Julián', 'Grace', 'Björn', 'Amaka', 'Chidi', 'Priya', 'Arjun', 'Mei',
  'Hiroshi', 'Fatima', 'Omar', 'Łukasz', 'Agnieszka', 'Søren', 'Ingrid', 'François', 'Élodie', 'Giulia', 'Marco', 'Aoife',
  'Niamh', 'Tomás', 'Lucía', 'Andrés', 'Camila', 'Noémie', 'Jürgen', 'Anaïs', 'Kwame', 'Ama', 'Leilani', 'Keanu', 'Sarah',
  'David', 'Emily', 'Michael', 'Jessica', 'Christopher', 'Ashley', 'Matthew', 'Laura'];
const LAST = ['Smith', 'Johnson', 'García', 'Martínez', 'Brown', 'Müller', 'Nguyen', 'Kim', 'Okafor', 'Mensah', 'Patel', 'Singh',
  'Tanaka', 'Rossi', "O'Brien", 'Murphy', 'Kowalski', 'Nowak', 'Jensen', 'Larsen', 'Dubois', 'Lefèvre', 'Fernández', 'López',
  'Gómez', 'Schäfer', 'Wagner', 'Haddad', 'Khan', 'Cohen', 'Silva', 'Pereira', 'Costa', 'Nakamura', 'Chen', 'Wang', 'Davis',
  'Wilson', 'Taylor', 'Anderson', 'Thomas', 'Moore', 'Jackson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Young', 'Ibáñez'];
const DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example', 'inbox.example'];

const ascii = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').replace(/ł/g, 'l').replace(/Ł/g, 'L').replace(/ø/g, 'o').replace(/[^A-Za-z]/g, '').toLowerCase();
function timestamp(fromYear, toYear) {
  const ms = Date.UTC(fromYear, 0, 1) + Math.floor(random() * (Date.UTC(toYear, 0, 1) - Date.UTC(fromYear, 0, 1)));
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

// ---- clients -------------------------------------------------------------------------------
const usedEmails = new Set();
function makeClient(businessId, first, last, email) {
  if (!email) {
    const base = pick([`${ascii(first)}.${ascii(last)}`, `${ascii(first)}${ascii(last)}${int(1, 99)}`, `${ascii(first)[0]}.${ascii(last)}`]);
    email = `${base}@${pick(DOMAINS)}`;
    while (usedEmails.has(email)) email = `${base}${int(100, 999)}@${pick(DOMAINS)}`;
  }
  usedEmails.add(email.toLowerCase());
  const created = timestamp(2019, 2025);
  return {
    id: opaque('cl'),
    ...(businessId === BUSINESS ? {} : { business_id: businessId }),
    email,
    first_name: first,
    last_name: last,
    phone: `+1 555 01${String(int(0, 99)).padStart(2, '0')}`,
    created_at: created,
    updated_at: new Date(Math.max(Date.parse(created), Date.parse(timestamp(2024, 2026)))).toISOString(),
    ...(random() < 0.5 ? { conversation_ids: [opaque('cv')] } : {}),
  };
}

const clients = [];
for (let i = 0; i < 300; i++) {
  const client = makeClient(BUSINESS, pick(FIRST), pick(LAST));
  // A few addresses were typed with capitals; the platform's email search ignores case.
  if (i % 37 === 5) client.email = client.email.replace(/^./, (c) => c.toUpperCase()).replace('@example', '@Example');
  clients.push(client);
}
// Households sharing one address: an import must not guess which client a row means.
const SHARED = [['Amaka', 'Okafor', 'Chidi', 'Okafor', 'the.okafors@example.net'], ['Lucía', 'Fernández', 'Andrés', 'Fernández', 'casa.fernandez@example.org'], ['Ingrid', 'Jensen', 'Søren', 'Jensen', 'jensen.family@example.com']];
for (const [f1, l1, f2, l2, email] of SHARED) clients.push(makeClient(BUSINESS, f1, l1, email), makeClient(BUSINESS, f2, l2, email));
// Another business's clients; one shares an address with a client of ours, which search must not return.
const others = Array.from({ length: 12 }, () => makeClient(OTHER_BUSINESS, pick(FIRST), pick(LAST)));
others[0].email = clients[1].email.toUpperCase();

// ---- packages ------------------------------------------------------------------------------
const product = (name, bookings) => ({ id: opaque('pd'), name, bookings });
const PACKAGES = [
  ['Gold Monthly', '129.00', 'USD', 1, 'm', [['Gym access', 30], ['Group classes', 8]]],
  ['Silver Monthly', '89.00', 'USD', 1, 'M', [['Gym access', 30], ['Group classes', 4]]],
  ['Bronze Monthly', '49', 'USD', 1, 'm', [['Gym access', 30]]],
  ['Platinum Annual', '1200.00', 'USD', 1, 'y', [['Gym access', 365], ['Group classes', 120], ['Personal training', 6]]],
  ['Gold Annual', '1290', 'USD', 12, 'm', [['Gym access', 365], ['Group classes', 96]]],
  ['5 Class Pack', '95', 'USD', 60, 'D', [['Group classes', 5]]],
  ['10 Class Pack', '180', 'USD', 90, 'd', [['Group classes', 10]]],
  ['20 Class Pack', '320', 'USD', 120, 'd', [['Group classes', 20]]],
  ['Drop-in Pass', '22', 'USD', 1, 'd', [['Group classes', 1]]],
  ['Drop-in Pass', '25', 'USD', 1, 'd', [['Open gym', 1]]],
  ['Personal Training x4', '260', 'USD', 4, 'w', [['Personal training', 4]]],
  ['Personal Training x8', '480', 'USD', 8, 'w', [['Personal training', 8]]],
  ['Personal Training x12', '690', 'USD', 12, 'W', [['Personal training', 12]]],
  ['Yoga Unlimited Monthly', '110', 'USD', 1, 'm', [['Yoga classes', 31]]],
  ['Pilates Reformer 8', '223.5', 'USD', 2, 'm', [['Reformer classes', 8]]],
  ['Swim Term', '150', 'USD', 10, 'w', [['Lane swim', 20]]],
  ['Student Monthly', '39.99', 'USD', 1, 'm', [['Gym access', 30]]],
  ['Senior Monthly', '35', 'USD', 1, 'm', [['Gym access', 30], ['Aqua aerobics', 4]]],
  ['Family Monthly', '199', 'USD', 1, 'm', [['Gym access', 120], ['Kids club', 8]]],
  ['Corporate Quarterly', '330', 'USD', 3, 'm', [['Gym access', 90]]],
  ['Semi-Annual Flex', '540', 'USD', 6, 'm', [['Gym access', 182], ['Group classes', 24]]],
  ['Weekend Warrior', '60', 'USD', 1, 'm', [['Gym access', 9]]],
  ['Off-Peak Monthly', '55', 'USD', 1, 'm', [['Gym access', 30]]],
  ['Spin 12', '144', 'USD', 45, 'd', [['Spin classes', 12]]],
  ['Boxing Fundamentals', '199', 'USD', 6, 'w', [['Boxing classes', 12]]],
  ['Kids Swim Club', '120', 'USD', 3, 'm', [['Kids swim lessons', 12]]],
  ['Nutrition Coaching', '250', 'USD', 3, 'M', [['Nutrition sessions', 6]]],
  ['Recovery Lounge', '75', 'USD', 1, 'm', [['Sauna and cold plunge', 10]]],
  ['Lifetime Founder', '2500', 'USD', 10, 'y', [['Gym access', 3650]]],
  ['Berlin Studio Monthly', '79.00', 'EUR', 1, 'm', [['Studio classes', 12]]],
  ['Berlin Studio 10er Karte', '140', 'EUR', 3, 'm', [['Studio classes', 10]]],
  ['Summer Special 2024', '99', 'USD', 3, 'm', [['Gym access', 90]]],
];
const packages = PACKAGES.map(([name, price, currency, expiration, unit, products], i) => {
  const items = products.map(([n, b]) => product(n, b));
  return {
    id: opaque('pk'),
    name,
    price,
    currency,
    // The platform sends most flags as booleans and a few as strings.
    active: name === 'Summer Special 2024' ? false : i % 7 === 3 ? 'true' : true,
    expiration,
    expiration_unit: unit,
    total_bookings: String(items.reduce((sum, p) => sum + p.bookings, 0)),
    products: items,
    description: `${name}: ${items.map((p) => `${p.bookings} × ${p.name.toLowerCase()}`).join(', ')}.`,
  };
});
packages.push({ id: opaque('pk'), business_id: OTHER_BUSINESS, name: 'Harbor Club Monthly', price: '99', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm', total_bookings: '30', products: [product('Gym access', 30)], description: 'Another business.' });
const byName = (name) => packages.find((p) => p.name === name);

// ---- existing client packages (an import finds these and skips the matching rows) -----------
const existing = [];
function addExisting(client, pkg, validFrom, validUntil) {
  existing.push({ id: opaque('cp'), client_id: client.id, package_id: pkg.id, valid_from: validFrom, valid_until: validUntil, amount: pkg.price, created_at: timestamp(2025, 2026) });
}
addExisting(clients[7], byName('Gold Monthly'), '2026-03-15', '2026-04-15');
addExisting(clients[12], byName('10 Class Pack'), '2025-11-20', '2026-02-18');
addExisting(clients[30], byName('Yoga Unlimited Monthly'), '2026-01-17', '2026-02-17');
addExisting(clients[45], byName('Platinum Annual'), '2025-09-01', '2026-09-01');
addExisting(clients[60], byName('Personal Training x8'), '2026-02-23', '2026-04-20');
addExisting(clients[75], byName('Berlin Studio Monthly'), '2026-04-01', '2026-05-01');

const data = {
  business_id: BUSINESS,
  business_name: 'Northside Fitness & Wellness',
  tokens: { staff: 'sbx_staff_5c1e9a7f3b2d48e6a0f4', directory: 'sbx_directory_8e1b4d2f6a907c35b1d9' },
  clients: [...clients, ...others],
  packages,
  client_packages: existing,
};
await writeFile(here('sandbox-data.json'), `${JSON.stringify(data, null, 2)}\n`);

const { legacyCsv } = await import('./generate-legacy.mjs');
const rng = { random, pick, int };
await writeFile(here('legacy-memberships.csv'), legacyCsv({ clients, byName, existing, shared: SHARED, rng }));
const { renewalsWorkbook } = await import('./generate-renewals.mjs');
await writeFile(here('monthly-renewals.xlsx'), await renewalsWorkbook(ExcelJS, { clients, byName, existing, rng }));
console.log('wrote samples/sandbox-data.json, samples/legacy-memberships.csv, samples/monthly-renewals.xlsx');
