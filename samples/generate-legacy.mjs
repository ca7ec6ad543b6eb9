// samples/legacy-memberships.csv: an export from an old membership system, as a migration would
// start from. Package names as the old system spelled them, dates in the forms Excel and the old
// system produced, prices as formatted text, the old system's own columns carried along, and a
// handful of rows that must fail, each for one reason (see samples/README.md).

const HEADER = ['Member ID', 'Customer Email', 'Membership', 'Start Date', 'End Date', 'Amount', 'Branch', 'Notes', 'Legacy Status'];
const NOTES = ['', '', '', 'Migrated from ClubWorx', 'Paid by card, auto-renew', 'Family discount applied', 'Referred by "Mia"',
  'Frozen in August; résumé en septembre', 'VIP', 'Corporate: Acme Ltd.', '-10% promo (spring)', 'Prefers mornings'];
const STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'RENEWED', 'MIGRATED', 'PAUSED'];
const USD_BRANCHES = ['Downtown', 'Riverside', 'Northgate', 'Eastside'];
// Monthly plans come up most, as in any gym's book.
const USUAL = ['Gold Monthly', 'Gold Monthly', 'Silver Monthly', 'Silver Monthly', 'Bronze Monthly', 'Platinum Annual', 'Gold Annual',
  '5 Class Pack', '10 Class Pack', '20 Class Pack', 'Personal Training x4', 'Personal Training x8', 'Personal Training x12',
  'Yoga Unlimited Monthly', 'Pilates Reformer 8', 'Swim Term', 'Student Monthly', 'Senior Monthly', 'Family Monthly',
  'Corporate Quarterly', 'Semi-Annual Flex', 'Weekend Warrior', 'Off-Peak Monthly', 'Spin 12', 'Boxing Fundamentals',
  'Kids Swim Club', 'Nutrition Coaching', 'Recovery Lounge', 'Lifetime Founder', 'Berlin Studio Monthly', 'Berlin Studio 10er Karte'];

const pad = (n) => String(n).padStart(2, '0');
const ddmmyyyy = ({ y, m, d }) => `${pad(d)}/${pad(m)}/${y}`;
const isoDay = ({ y, m, d }) => `${y}-${pad(m)}-${pad(d)}`;
const serial = ({ y, m, d }) => String((Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86_400_000);
function dayAfter({ y, m, d }, days) {
  const t = new Date(Date.UTC(y, m - 1, d) + days * 86_400_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function money(amount, symbol) {
  const [whole, cents] = Number(amount).toFixed(2).split('.');
  return `${symbol}${whole.replace(/\B(?=(\d{3})+$)/g, ',')}.${cents}`;
}

function csvLine(cells) {
  return cells.map((cell) => (/[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',');
}

export function legacyCsv({ clients, byName, existing, shared, rng: { random, pick, int } }) {
  const oldName = (name) => pick([name, name, name.toUpperCase(), name.toLowerCase(), name.replace(/ /g, '  '), ` ${name}`, `${name} `]);
  const taken = new Set(existing.map((cp) => cp.client_id));
  const sharedEmails = new Set(shared.map((s) => s[4]));
  const pool = clients.filter((c) => !taken.has(c.id) && !sharedEmails.has(c.email));
  const memberIds = new Set();
  const memberId = () => {
    let id;
    do id = `M-${String(int(1000, 99999)).padStart(6, '0')}`;
    while (memberIds.has(id));
    memberIds.add(id);
    return id;
  };
  const startForm = (day) => {
    const r = random();
    return r < 0.03 ? serial(day) : r < 0.2 ? isoDay(day) : r < 0.3 ? `${day.d}/${day.m}/${day.y}` : ddmmyyyy(day);
  };

  const good = [];
  for (let i = 0; i < 212; i++) {
    const client = pool.splice(int(0, pool.length - 1), 1)[0];
    const pkg = byName(pick(USUAL));
    const eur = pkg.currency === 'EUR';
    const start = dayAfter({ y: 2025, m: 3, d: 1 }, int(0, 600));
    const end = random() < 0.25 ? ddmmyyyy(dayAfter(start, int(28, 120))) : '';
    const priceRoll = random();
    const price = priceRoll < 0.3 ? '' : money(priceRoll < 0.8 ? pkg.price : Math.round(pkg.price * 0.9), eur ? '€' : '$');
    const email = random() < 0.1 ? pick([client.email.toUpperCase(), ` ${client.email}`, `${client.email} `]) : client.email;
    good.push([memberId(), email, oldName(pkg.name), startForm(start), end, price, eur ? 'Berlin Mitte' : pick(USD_BRANCHES), pick(NOTES), pick(STATUSES)]);
  }

  const someone = () => pool.splice(int(0, pool.length - 1), 1)[0].email;
  const skippedClient = clients.find((c) => c.id === existing[2].client_id);
  const bad = [
    [memberId(), 'former.member@example.com', 'Gold Monthly', '14/04/2026', '', '$129.00', 'Downtown', 'Left in 2023?', 'LAPSED'],
    [memberId(), shared[0][4], 'GOLD MONTHLY', '21/05/2026', '', '$129.00', 'Riverside', 'Household account', 'ACTIVE'],
    [memberId(), someone(), 'Platinum Plus Monthly', '18/06/2026', '', '$149.00', 'Northgate', 'Old tier, renamed?', 'ACTIVE'],
    [memberId(), someone(), 'summer special 2024', '16/07/2026', '', '$99.00', 'Eastside', 'Seasonal', 'ACTIVE'],
    [memberId(), someone(), 'Silver Monthly', '31/02/2025', '', '$89.00', 'Downtown', 'Date typed by hand', 'ACTIVE'],
    [memberId(), someone(), 'Bronze Monthly', '13/08/2026', '', '-$50.00', 'Riverside', 'Refund entered as a sale', 'ACTIVE'],
    [memberId(), someone(), 'Spin 12', '15/03/2026', '14/02/2026', '$144.00', 'Northgate', 'End before start', 'ACTIVE'],
    [memberId(), '', '10 Class Pack', '19/09/2026', '', '$180.00', 'Eastside', 'Walk-in, no email on file', 'ACTIVE'],
    [memberId(), someone(), 'drop-in pass', '22/10/2026', '', '', 'Downtown', 'Which drop-in?', 'ACTIVE'],
    // Already on the platform (the sandbox's data holds it): an import skips it.
    [memberId(), skippedClient.email, 'YOGA UNLIMITED MONTHLY', '17/01/2026', '', '$110.00', 'Riverside', 'Entered twice in the old system', 'MIGRATED'],
  ];

  const rows = [...good];
  bad.forEach((row, i) => rows.splice(9 + i * 21, 0, row));
  // The export repeats one row exactly, as old systems do after a double click.
  rows.splice(150, 0, [...rows[120]]);
  return `${[HEADER, ...rows].map(csvLine).join('\r\n')}\r\n`;
}
