// POSTs a batch to a running server over HTTP, gzip as the agent sends it, and reads the answer.
import zlib from 'node:zlib';
import { TEST_TOKEN } from './server.ts';

export interface Posted {
  status: number;
  /** The JSON answer, or { error } with the text when it was not JSON. */
  body: {
    ok?: boolean;
    duplicate?: boolean;
    hostRows?: number;
    containerRows?: number;
    seriesRows?: number;
    error?: string;
  };
  headers: Headers;
}

export async function postBatch(url: string, batch: unknown, token = TEST_TOKEN): Promise<Posted> {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: zlib.gzipSync(JSON.stringify(batch)),
  });
  const text = await res.text();
  let body: Posted['body'];
  try {
    body = JSON.parse(text) as Posted['body'];
  } catch {
    body = { error: text };
  }
  return { status: res.status, body, headers: res.headers };
}
