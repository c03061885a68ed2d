/** Every detector, by id (= file name). Adding a detector = one file + one line here (see test/detect/registry.test.ts). */
import type { DetectorDefinition, DetectorOptions } from './types';
import burst from './burst';
import apiAbuse from './api-abuse';
import credentialStuffing from './credential-stuffing';
import scanner from './scanner';
import errorSpike from './error-spike';
import lingeringEndpoint from './lingering-endpoint';
import regionalCreep from './regional-creep';
import loopingSession from './looping-session';
import clientMix from './client-mix';
import surge from './surge';
import campaign from './campaign';
import releaseImpact from './release-impact';
import history from './history';

/** The registry, in the order findings are produced. */
export const DETECTORS: Readonly<Record<string, DetectorDefinition<DetectorOptions>>> = {
  burst,
  'api-abuse': apiAbuse,
  'credential-stuffing': credentialStuffing,
  scanner,
  campaign,
  'error-spike': errorSpike,
  'lingering-endpoint': lingeringEndpoint,
  'regional-creep': regionalCreep,
  'looping-session': loopingSession,
  'client-mix': clientMix,
  surge,
  'release-impact': releaseImpact,
  history,
};

/** The detector with this id; undefined for anything else, including `__proto__`, `constructor` and other inherited names. */
export function getDetector(id: string): DetectorDefinition<DetectorOptions> | undefined {
  return Object.hasOwn(DETECTORS, id) ? DETECTORS[id] : undefined;
}
