/**
 * Max-rate across deployments (`loadnet max-rate --deployments N`): the found maximum of N searches, each on a
 * fresh deployment (its own genesis time and, through seed + i, its own keys and leader schedule), as one figure
 * with its spread and a confidence interval from Student's t over the deployments. Inside one deployment a
 * figure can be held longer; between deployments it moves with the leader schedule, and only more deployments
 * narrow that (bench/RESULTS.md: 2,263 and 2,691 tx/s at one SLO). Written as `max-rate-deployments.json`;
 * `loadnet compare` reads it as a run.
 */
import { batchEstimate, confidenceInterval } from '../util/stats.js';

export const DEPLOYMENTS_FILE = 'max-rate-deployments.json';

export interface DeploymentResult {
  runDir: string;
  seed: number;
  status: string;
  /** null: the search named no maximum. */
  maxRateTps: number | null;
  bracket: { lastPassTps: number | null; firstFailTps: number | null };
}

export interface MaxRateDeploymentsSummary {
  deployments: DeploymentResult[];
  /** Over the deployments that named a maximum. */
  count: number;
  meanTps: number | null;
  /** Sample standard deviation (null below two). */
  sdTps: number | null;
  minTps: number | null;
  maxTps: number | null;
  /** (max − min) / mean. */
  spread: number | null;
  confidence: number;
  /** Student's t interval of the mean (null below two). */
  ciTps: [number, number] | null;
  message: string;
}

export function summarizeDeployments(deployments: DeploymentResult[], confidence = 0.95): MaxRateDeploymentsSummary {
  const values = deployments.map((d) => d.maxRateTps).filter((v): v is number => v !== null);
  const e = batchEstimate(values);
  const sd = e?.stdErr == null ? null : e.stdErr * Math.sqrt(values.length);
  const min = values.length ? Math.min(...values) : null;
  const max = values.length ? Math.max(...values) : null;
  const ci = e ? confidenceInterval(e, confidence) : null;
  const r = (x: number) => Math.round(x * 10) / 10;
  const missing = deployments.length - values.length;
  const pct = `${Math.round(confidence * 1000) / 10} %`;
  const message = !e
    ? `no deployment of ${deployments.length} named a maximum`
    : `${r(e.value)} tx/s mean of ${values.length} deployments${ci ? ` (${pct} CI ${r(ci[0])}–${r(ci[1])}, sd ${r(sd!)})` : ''}, range ${min}–${max}${missing ? `; ${missing} named no maximum` : ''}`;
  return {
    deployments,
    count: values.length,
    meanTps: e ? e.value : null,
    sdTps: sd,
    minTps: min,
    maxTps: max,
    spread: e && e.value > 0 && min !== null && max !== null ? (max - min) / e.value : null,
    confidence,
    ciTps: ci,
    message,
  };
}
