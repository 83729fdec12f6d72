/** A record's first thousand versions are listed: far more than any record has in practice. */
export const MAX_VERSIONS = 1000;
