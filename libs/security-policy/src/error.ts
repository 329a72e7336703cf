import { PlugwayError } from '@plugway/core';

/** Codes @plugway/security-policy throws (decisions carry their own finding codes). Append-only. */
export type PolicyErrorCode = 'POLICY_INVALID_CONFIG' | 'POLICY_ABORTED' | 'POLICY_INVALID_COMMAND';

/** The only error class @plugway/security-policy throws: bad settings fail closed. */
export class PolicyError extends PlugwayError<PolicyErrorCode> {}
