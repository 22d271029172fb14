/** How an endpoint's load is measured (thick_p2c's `load_metric`). */
export interface LoadSettings {
  readonly metric: 'peak_ewma' | 'least_request';
  readonly defaultLatencyMs: number;
  readonly decayMs: number;
  readonly failurePenalty: number;
}
