// Protocol constants the agent needs without pulling in the validation library.
/** v2: a batch carries columns per entity (see protocol/columns.ts); what the agent sends. */
export const COLUMNS_VERSION = 2;
/** v1: a batch carries one object per snapshot; still accepted (older agents, their spools). */
export const SNAPSHOTS_VERSION = 1;
export const PROTOCOL_VERSION = COLUMNS_VERSION;

/** At most one day ahead of the server's clock; earlier than 2000-01-01 is a broken clock. */
export const MAX_FUTURE_SECONDS = 86_400;
export const MIN_TS = 946_684_800;

/**
 * A host whose clock is off the server's by more than this (s) is marked on the page: its
 * samples are stored as its clock stamped them, so its lines are drawn that much early or late.
 */
export const CLOCK_OFF_SECONDS = 30;

/** v2: an entity's times in one batch at most (the agent's catch-up merges within it). */
export const MAX_TICKS = 10_000;

/** Entries a v2 batch's lists may hold (also checked before the schema runs: ingest's overlong). */
export const MAX_CONTAINERS = 50_000;
export const MAX_SERIES = 100_000;
/** Container events a batch may carry (the agent spreads a burst over later batches). */
export const MAX_EVENTS = 10_000;

/** Host names the page cannot put in a path: a browser reads `/host/..` as the parent folder. */
export const isPathStep = (host: string): boolean => host === '.' || host === '..';
