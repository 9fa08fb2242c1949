/** A node's /metrics read from a test: the sum of one metric's series. */
import { Pool } from 'undici';

/**
 * Sum of the series of metric `name` in the /metrics text of the node at `apiUrl`. `localAddress`: ask from
 * another loopback address than the run's own clients, so that the read neither meets nor spends their budget.
 */
export async function metricSum(apiUrl: string, name: string, localAddress?: string): Promise<number> {
  const pool = new Pool(apiUrl, localAddress ? { localAddress } : {});
  try {
    const res = await pool.request({ method: 'GET', path: '/metrics' });
    const text = await res.body.text();
    let sum = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[2]);
    return sum;
  } finally {
    await pool.close();
  }
}
