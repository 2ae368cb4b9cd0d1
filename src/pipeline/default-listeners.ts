/**
 * The detectors every Analyzer carries, whatever builds it (analyze, replay, serve, any live source):
 * listeners on the bus like any other, added before the caller's own. A new detector is one line here.
 */
import { algDetectorListener } from '../detect/alg/detector.js';
import type { AnalysisListener } from './events.js';

export function defaultListeners(): AnalysisListener[] {
  return [algDetectorListener()];
}
