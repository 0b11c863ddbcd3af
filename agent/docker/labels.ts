// Who a container is, from one entry of GET /containers/json: name, image, state, and the
// Compose project and service it belongs to, clipped to what the wire schema accepts.
import { clip } from '../clip.ts';
import type { ContainerSample } from '../../protocol/batch.ts';
import { MAX_LABELS, TEXT_MAX } from '../../protocol/constants.ts';

/** The parts of a GET /containers/json entry that Berth reads. */
export interface ContainerSummary {
  Id: string;
  Names?: string[] | null;
  Image?: string;
  /** sha256:… (what the container runs, whatever its tag points to now). */
  ImageID?: string;
  State?: string;
  Status?: string;
  Labels?: Record<string, string> | null;
  HostConfig?: { NetworkMode?: string } | null;
}

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

export type ContainerIdentity = Omit<ContainerSample, 'metrics'>;

/**
 * The container's name without the leading '/'. Containers linked with legacy `--link` also
 * carry names like "/web/db" (the alias seen from another container); like `docker ps`, the
 * one without a further '/' is the container's own. Falls back to the short id.
 */
export function containerName(names: readonly string[] | null | undefined, id: string): string {
  const stripped = (names ?? []).filter((n) => typeof n === 'string').map((n) => n.replace(/^\//, ''));
  const own = stripped.find((n) => n.length > 0 && !n.includes('/')) ?? stripped.find((n) => n.length > 0);
  return clip(own ?? id.slice(0, 12), TEXT_MAX.containerName);
}

/**
 * Identity fields of the wire sample. `labelKeys` lists container labels to send along as
 * `labels` (none by default: labels can be many and long, e.g. OCI image annotations).
 */
export function containerIdentity(c: ContainerSummary, labelKeys: readonly string[] = []): ContainerIdentity {
  const labels = c.Labels ?? {};
  const out: ContainerIdentity = { id: c.Id, name: containerName(c.Names, c.Id) };
  if (typeof c.Image === 'string' && c.Image) out.image = clip(c.Image, TEXT_MAX.image);
  if (typeof c.State === 'string' && c.State) out.state = clip(c.State, TEXT_MAX.state);
  const project = labels[COMPOSE_PROJECT_LABEL];
  const service = labels[COMPOSE_SERVICE_LABEL];
  if (typeof project === 'string' && project) out.compose_project = clip(project, TEXT_MAX.compose);
  if (typeof service === 'string' && service) out.compose_service = clip(service, TEXT_MAX.compose);
  const picked = pickLabels(labels, labelKeys);
  if (picked) out.labels = picked;
  return out;
}

/** The listed labels the container has, or undefined when it has none of them. */
export function pickLabels(
  labels: Record<string, string>,
  keys: readonly string[],
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let n = 0;
  for (const k of keys) {
    const v = labels[k];
    if (typeof v !== 'string' || k.length > TEXT_MAX.labelKey) continue;
    if (n++ >= MAX_LABELS) break;
    out[k] = clip(v, TEXT_MAX.labelValue);
  }
  return n > 0 ? out : undefined;
}
