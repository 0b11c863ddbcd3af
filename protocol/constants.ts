// Protocol constants the agent needs without pulling in the validation library.
export const PROTOCOL_VERSION = 1;

/** At most one day ahead of the server's clock; earlier than 2000-01-01 is a broken clock. */
export const MAX_FUTURE_SECONDS = 86_400;
export const MIN_TS = 946_684_800;
