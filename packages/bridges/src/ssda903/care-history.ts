import { codesFor } from '@celr/schema';
import type { Episode } from './child-rules.js';
import { LEFT_BY_ORDER, PLACEMENT_CHANGES } from './code-lists.js';

/** A placement move read from two episodes that follow each other. */
export interface PlacementMove {
  date: string;
  from?: string;
  to?: string;
  /** REASON_PLACE_CHANGE, which the return records on the episode that ends, not the one that starts. */
  reasonCode?: string;
  /** The episode that starts with the move. */
  episode: Episode;
}

export interface CareStatusFacts {
  status: 'looked-after' | 'previously-looked-after' | 'care-leaver';
  legalStatus?: string;
  placementType?: string;
  since?: string;
  placementStart?: string;
}

export type CareHistory =
  | { ok: true; careStatus: CareStatusFacts; moves: PlacementMove[]; placementNotCarried?: Episode }
  | { ok: false; reason: string; episode: Episode };

const celrPlacementTypes = new Set(codesFor('england-placement-type', 'england'));

/** Whole years between two ISO dates. */
const ageOn = (dateOfBirth: string, on: string) => {
  const years = Number(on.slice(0, 4)) - Number(dateOfBirth.slice(0, 4));
  return on.slice(5) < dateOfBirth.slice(5) ? years - 1 : years;
};

/**
 * What a child's episodes (checked, in order) say now: the care status with the legal status and
 * placement of the latest episode, when the current period of care began (the PEP clock starts
 * from it) and when the current placement began, and the placement moves within that period.
 *
 * The period of care is the run of episodes back from the latest, each starting the day the one
 * before ended, up to the one whose RNE is S (started to be looked after). The placement began with
 * the latest episode not opened by a change of legal status alone (RNE L).
 *
 * A child whose latest episode has ended left care: adopted or under a special guardianship or
 * child arrangements order, they are previously looked after; at 16 or over, a care leaver. Under
 * 16 and home by other means, CELR has no status for them, and they are not converted.
 */
export function careHistory(episodes: Episode[], dateOfBirth: string): CareHistory {
  const last = episodes.at(-1) as Episode;
  let first = episodes.length - 1;
  while (first > 0) {
    const e = episodes[first] as Episode;
    if (e.rne === 'S' || (episodes[first - 1] as Episode).end !== e.start) break;
    first--;
  }
  const period = episodes.slice(first);
  if (last.end && last.rec !== 'X1') {
    if (LEFT_BY_ORDER.has(last.rec))
      return { ok: true, careStatus: { status: 'previously-looked-after', since: last.end }, moves: [] };
    if (ageOn(dateOfBirth, last.end) >= 16)
      return { ok: true, careStatus: { status: 'care-leaver', since: last.end }, moves: [] };
    return {
      ok: false,
      episode: last,
      reason: `The child left care under 16 (REC ${last.rec || 'blank'}) other than by an order: CELR has no care status for them.`,
    };
  }
  let placed = period.length - 1;
  while (placed > 0 && (period[placed] as Episode).rne === 'L') placed--;
  const moves: PlacementMove[] = [];
  for (let i = 1; i < period.length; i++) {
    const e = period[i] as Episode;
    if (!PLACEMENT_CHANGES.has(e.rne)) continue;
    const before = period[i - 1] as Episode;
    moves.push({
      date: e.start as string,
      ...(carried(before.place) ? { from: before.place } : {}),
      ...(carried(e.place) ? { to: e.place } : {}),
      ...(before.reasonPlaceChange ? { reasonCode: before.reasonPlaceChange } : {}),
      episode: e,
    });
  }
  const careStatus: CareStatusFacts = {
    status: 'looked-after',
    ...(last.ls ? { legalStatus: last.ls } : {}),
    ...(carried(last.place) ? { placementType: last.place } : {}),
    since: (period[0] as Episode).start as string,
    placementStart: (period[placed] as Episode).start as string,
  };
  return {
    ok: true,
    careStatus,
    moves,
    ...(last.place && !carried(last.place) ? { placementNotCarried: last } : {}),
  };
}

/** Whether CELR's placement type list has the code yet (Z11 to Z14 of 2025-26 are not in it). */
export const carried = (place: string) => celrPlacementTypes.has(place);
