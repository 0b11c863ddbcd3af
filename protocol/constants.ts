// Protocol constants the agent needs without pulling in the validation library.
/** v2: a batch carries columns per entity (see protocol/columns.ts); what the agent sends. */
export const COLUMNS_VERSION = 2;
/** v1: a batch carries one object per snapshot; still accepted (older agents, their spools). */
export const SNAPSHOTS_VERSION = 1;
export const PROTOCOL_VERSION = COLUMNS_VERSION;

/** At most one day ahead of the server's clock; earlier than 2000-01-01 is a broken clock. */
export const MAX_FUTURE_SECONDS = 86_400;
export const MIN_TS = 946_684_800;

/** v2: an entity's times in one batch at most (the agent's catch-up merges within it). */
export const MAX_TICKS = 10_000;
