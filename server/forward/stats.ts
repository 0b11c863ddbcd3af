// What a remote-write target's forwarding reports (GET /metrics, /api/v1/status).
export interface ForwardStats {
  /** The target as it may be shown: scheme, host, port and path, never credentials or query. */
  target: string;
  queueBytes: number;
  queueSamples: number;
  queueRecords: number;
  /** Seconds since the oldest waiting batch was queued; 0 when none waits. */
  lagSeconds: number;
  sentSamples: number;
  sentRequests: number;
  failedRequests: number;
  droppedFull: number;
  droppedRejected: number;
  /** The last failure, as it may be shown (status or error code), or null. */
  lastError: string | null;
}
