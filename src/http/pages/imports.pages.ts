// The ledger import page (SPEC §15, §13) for clerks and supervisors: upload an .xlsx or .csv, read
// the report (the first problems in a table, the full list as CSV), adjust which column means what,
// commit with a progress bar. The page is a shell: /static/imports.js calls the imports API with the
// session and its CSRF token, so the page and the API can never disagree on a rule.
import type { FastifyPluginAsync } from 'fastify';
import { FIELD_HEADERS, LEDGER_FIELDS, REQUIRED_FIELDS } from '../../domain/ledger.js';
import { MAPPING_CHOICES } from '../../services/imports.service.js';
import { MAX_LEDGER_ROWS } from '../../services/ledger-file.js';
import { renderStaff } from './render.js';

const pages: FastifyPluginAsync = async (app) => {
  app.get('/imports', { preValidation: app.guard({ can: 'importLedgers' }) }, async (request, reply) =>
    renderStaff(request, reply, 'staff/imports', {
      title: '台账导入',
      scripts: ['/static/imports.js'],
      choices: MAPPING_CHOICES,
      maxRows: MAX_LEDGER_ROWS,
      columns: LEDGER_FIELDS.map((f) => ({ names: FIELD_HEADERS[f].join(' / '), required: REQUIRED_FIELDS.includes(f) })),
    }),
  );
};

export default pages;
