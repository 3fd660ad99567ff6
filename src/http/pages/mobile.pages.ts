// The grid worker's phone pages (SPEC §17; roles clerk and grid): /staff/m/new registers a demand
// on the spot with camera photos and the phone's location, and /staff/m/mine lists what the
// signed-in person registered with its state. The registration itself is done by
// /static/grid.js through the registration API (Idempotency-Key made on the phone), then the photos
// through the attachments API; a draft waits on the phone (IndexedDB) while there is no network.
import type { FastifyPluginAsync } from 'fastify';
import { KINDS } from '../../domain/sla.js';
import { myRegistrations } from '../../services/tickets.query.service.js';
import { getCatalogue } from '../../services/catalogue.service.js';
import { staffActor } from '../plugins/auth.js';
import { catalogueOptions } from './form-specs.js';
import { LABELS } from './format.js';
import { renderStaff } from './render.js';

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;
  const guard = app.guard({ can: 'registerOnPhone' });

  app.get('/m/new', { preValidation: guard }, async (request, reply) => {
    const o = catalogueOptions(await getCatalogue(deps));
    return renderStaff(request, reply, 'staff/m-new', {
      title: '随手拍',
      mainClass: 'mobile',
      kinds: KINDS.map((k) => ({ value: k, label: LABELS.kind[k] })),
      villages: o.villages,
      scripts: ['/static/grid.js'],
    });
  });

  app.get('/m/mine', { preValidation: guard }, async (request, reply) => {
    const items = await myRegistrations(deps, staffActor(request), 50);
    return renderStaff(request, reply, 'staff/m-mine', { title: '我的上报', mainClass: 'mobile', items, scripts: ['/static/grid.js'] });
  });
};

export default pages;
