// samples/monthly-renewals.xlsx: the sheet a business fills every month. A title and a blank row
// above the header, real date cells, numeric prices with a currency format, every row valid.

const MONTHLY = ['Gold Monthly', 'Silver Monthly', 'Bronze Monthly', 'Yoga Unlimited Monthly', 'Student Monthly', 'Senior Monthly',
  'Family Monthly', 'Off-Peak Monthly', 'Weekend Warrior', 'Recovery Lounge'];
const FIXED_TIME = new Date(Date.UTC(2026, 10, 28, 9, 0, 0));

/** Sets every entry's time in a zip to one moment, so the file is the same bytes on every run. */
function pinZipTimes(zip) {
  const dosDate = ((2026 - 1980) << 9) | (11 << 5) | 28;
  const dosTime = 9 << 11;
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let entry = zip.readUInt32LE(end + 16);
  for (let i = zip.readUInt16LE(end + 10); i > 0; i--) {
    zip.writeUInt16LE(dosTime, entry + 12);
    zip.writeUInt16LE(dosDate, entry + 14);
    const local = zip.readUInt32LE(entry + 42);
    zip.writeUInt16LE(dosTime, local + 10);
    zip.writeUInt16LE(dosDate, local + 12);
    entry += 46 + zip.readUInt16LE(entry + 28) + zip.readUInt16LE(entry + 30) + zip.readUInt16LE(entry + 32);
  }
  return zip;
}

export async function renewalsWorkbook(ExcelJS, { clients, byName, existing, rng: { random, pick, int } }) {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Northside Fitness & Wellness';
  workbook.lastModifiedBy = 'Front desk';
  workbook.created = FIXED_TIME;
  workbook.modified = FIXED_TIME;
  const sheet = workbook.addWorksheet('Renewals');
  sheet.columns = [{ width: 34 }, { width: 26 }, { width: 13 }, { width: 13 }, { width: 12 }, { width: 14 }, { width: 30 }];

  const title = sheet.addRow(['Monthly renewals — December 2026']);
  title.font = { bold: true, size: 14 };
  sheet.addRow([]);
  const header = sheet.addRow(['Client Email', 'Plan', 'Start', 'End', 'Price', 'Member since', 'Comment']);
  header.font = { bold: true };

  const taken = new Set(existing.map((cp) => cp.client_id));
  // The households sharing an address are left out: every renewal row must resolve to one client.
  const emailCount = new Map();
  for (const c of clients) emailCount.set(c.email.toLowerCase(), (emailCount.get(c.email.toLowerCase()) ?? 0) + 1);
  const pool = clients.filter((c) => !taken.has(c.id) && emailCount.get(c.email.toLowerCase()) === 1);
  const start = new Date(Date.UTC(2026, 11, 1));
  const monthEnd = new Date(Date.UTC(2026, 11, 31));
  for (let i = 0; i < 50; i++) {
    const client = pool.splice(int(0, pool.length - 1), 1)[0];
    const pkg = byName(pick(MONTHLY));
    const loyal = random() < 0.2;
    const price = loyal ? Math.round(Number(pkg.price) * 0.85 * 100) / 100 : Number(pkg.price);
    const since = new Date(Date.UTC(int(2019, 2025), int(0, 11), int(1, 28)));
    const row = sheet.addRow([client.email, pkg.name, start, random() < 0.5 ? monthEnd : null, price, since, loyal ? 'Loyalty rate (15% off)' : '']);
    for (const column of [3, 4, 6]) row.getCell(column).numFmt = 'dd/mm/yyyy';
    row.getCell(5).numFmt = '"$"#,##0.00';
  }
  return pinZipTimes(Buffer.from(await workbook.xlsx.writeBuffer()));
}
