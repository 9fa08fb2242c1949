/**
 * The DA endpoints of the node API (src/adapters/devnet/wire/api.ts Paths): POST /disperse-data (executors),
 * GET /da/share/:blob/:i, GET /da/blob/:blob, GET /da/channel/:id. The node core adds them with
 * `extraRoutes() { return daRoutes(this.da) }`.
 */
import { Paths } from '../../adapters/devnet/wire/api.js';
import { HttpError, jsonBody, type Route } from '../http-server.js';
import { DaRequestError, type DaService } from './service.js';

const HEX64 = /^[0-9a-f]{64}$/;

function blobIdOf(raw: string, what: string): string {
  if (!HEX64.test(raw)) throw new HttpError(400, `${what}: expected a 32-byte id as 64 lowercase hex chars, got ${JSON.stringify(raw.slice(0, 80))}`);
  return raw;
}

export function daRoutes(da: DaService, maxBlobBytes = 4 * 1024 * 1024): Route[] {
  return [
    {
      method: 'POST',
      path: Paths.disperse,
      // Hex doubles the blob, plus the JSON around it.
      maxBody: maxBlobBytes * 2 + 4096,
      handler: async (req) => {
        try {
          return { json: await da.handleDisperse(jsonBody(req)) };
        } catch (e) {
          if (e instanceof DaRequestError) throw new HttpError(e.status, e.message);
          throw e;
        }
      },
    },
    {
      method: 'GET',
      path: Paths.daShare,
      prefix: true,
      handler: (req) => {
        const [blob = '', index = '', ...rest] = req.rest.split('/');
        if (rest.length > 0 || !/^\d{1,5}$/.test(index)) throw new HttpError(400, `expected ${Paths.daShare}<blob id>/<share index>, got ${JSON.stringify(req.path.slice(0, 200))}`);
        const share = da.getShare(blobIdOf(blob, 'blob id'), Number(index));
        if (!share) throw new HttpError(404, `this node holds no share ${index} of blob ${blob}`);
        return { json: share };
      },
    },
    {
      method: 'GET',
      path: Paths.daBlob,
      prefix: true,
      handler: (req) => ({ json: da.blobStatus(blobIdOf(req.rest, 'blob id')) }),
    },
    {
      method: 'GET',
      path: Paths.daChannel,
      prefix: true,
      handler: (req) => {
        const id = blobIdOf(req.rest, 'channel id');
        const ch = da.channelStatus(id);
        if (!ch) throw new HttpError(404, `no channel ${id}: create it with a channel_inscribe transaction`);
        return { json: ch };
      },
    },
  ];
}
