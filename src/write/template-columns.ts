// What the input template says about each column: the words of its notes, its example, its format.
// Kept apart from the workbook code so the words can be read and corrected in one place.

export interface TemplateColumn {
  readonly header: string;
  readonly required: string;
  /** The cell note on the header and the Notes sheet's explanation. */
  readonly note: string;
  /** Other header names the importer reads as this column. */
  readonly aliases: string;
  readonly example: string | number | { readonly date: string } | null;
  /** Excel number format of the column: dates shown as the importer reads them, ids kept as text. */
  readonly numFmt?: string;
  readonly width: number;
  readonly isDate?: boolean;
}

const DATE_FORMS =
  'A date cell, or text as YYYY-MM-DD (2025-01-31). Text such as 31/01/2025 or 01/31/2025 is read when ' +
  'it can only mean one day, or with --date-format DD/MM/YYYY or MM/DD/YYYY.';

export const TEMPLATE_COLUMNS: readonly TemplateColumn[] = [
  {
    header: 'client_email',
    required: 'yes, or client_id',
    note: "The client's email address as on the platform. Case and spaces around it do not matter. If several clients share the email, give client_id instead.",
    aliases: 'Email, E-mail, Client Email, Customer Email',
    example: 'jane.doe@example.com',
    numFmt: '@',
    width: 28,
  },
  {
    header: 'package_name',
    required: 'yes, or package_id',
    note: "The package's name as on the platform. Case and spacing do not matter; a name that matches no package gets the closest names suggested in the results.",
    aliases: 'Package, Package Name, Membership, Plan',
    example: 'Platinum Annual',
    numFmt: '@',
    width: 22,
  },
  {
    header: 'valid_from',
    required: 'yes',
    note: `The first valid day. ${DATE_FORMS} It must be a real calendar day.`,
    aliases: 'Start, Start Date, Valid From',
    example: { date: '2025-01-01' },
    numFmt: 'yyyy-mm-dd',
    width: 13,
    isDate: true,
  },
  {
    header: 'valid_until',
    required: 'no',
    note: `The last valid day, not before valid_from. ${DATE_FORMS} Empty: valid_from plus the package's own length.`,
    aliases: 'End, End Date, Expires, Valid Until',
    example: { date: '2025-12-31' },
    numFmt: 'yyyy-mm-dd',
    width: 13,
    isDate: true,
  },
  {
    header: 'price',
    required: 'no',
    note: "The price to charge: a number (1200.50) or text such as $1,200.50. Not negative. Empty: the package's own price.",
    aliases: 'Price, Amount',
    example: 1200.5,
    numFmt: '#,##0.00',
    width: 12,
  },
  {
    header: 'conversation_id',
    required: 'no',
    note: "The id of the conversation (matter) the package belongs to. Empty: the client's default conversation.",
    aliases: 'Conversation, Matter',
    example: null,
    numFmt: '@',
    width: 18,
  },
  {
    header: 'client_id',
    required: 'instead of client_email',
    note: "The client's id on the platform, instead of client_email (for example when several clients share an email). When a row has both, the id must be one of the clients with that email, or the row is not sent.",
    aliases: '',
    example: null,
    numFmt: '@',
    width: 16,
  },
  {
    header: 'package_id',
    required: 'instead of package_name',
    note: "The package's id on the platform, instead of package_name. When a row has both, the id is used.",
    aliases: '',
    example: null,
    numFmt: '@',
    width: 16,
  },
];

/** The Notes sheet's opening lines, in plain words. */
export const TEMPLATE_GUIDE: readonly string[] = [
  'One row per package to assign. Row 2 of the first sheet is an example: replace it.',
  'Each row needs client_email or client_id, package_name or package_id, and valid_from.',
  'Headers may also be written as the other names below. Columns you add are kept and copied to the results as they are.',
  'The same client, package and valid_from twice in one file: the later row is marked duplicate and not sent.',
  'Blank rows are skipped. Title rows above the header are fine.',
  'Check a sheet without sending anything: client-packages validate FILE. See what would be created: client-packages import FILE --dry-run.',
  'Running a sheet again never bills a client twice: packages that already exist are skipped.',
];
