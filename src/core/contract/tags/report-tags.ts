/**
 * What the scheduler records of the reports it made, so that it makes each
 * once (src/core/scheduler/weakening-reports.ts, overdue-reports.ts): each
 * holds a digest a principal that may only tag the secret cannot compute.
 */
import { writtenByRotor } from "./tag-value.ts";

/** A digest of the weakening tags last reported for the secret and of its ACSCurrent version. */
export const WEAKENING_REPORTED_TAG = "rotor:weakening-reported";
/** A digest of the secret, its ACSCurrent version and the window it was announced overdue in. */
export const OVERDUE_REPORTED_TAG = "rotor:overdue-reported";

export const weakeningReportedTagSchema = writtenByRotor;
export const overdueReportedTagSchema = writtenByRotor;
