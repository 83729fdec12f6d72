/**
 * CELR code lists ("descriptors"): the allowed values of coded fields, with labels, the nation each
 * applies to, and the published document each was taken from.
 */
import { careStatus } from './care-status.js';
import { contactRole } from './contact-role.js';
import { educationSetting } from './education-setting.js';
import { englandExclusionType } from './england-exclusion-type.js';
import { englandLegalStatus } from './england-legal-status.js';
import { englandPlacementType } from './england-placement-type.js';
import { englandReasonEpisodeCeased } from './england-reason-episode-ceased.js';
import { englandReasonNewEpisode } from './england-reason-new-episode.js';
import { englandReasonPlacementChange } from './england-reason-placement-change.js';
import { englandSenProvision } from './england-sen-provision.js';
import { englandYearGroup } from './england-year-group.js';
import { fundingSource } from './funding-source.js';
import { meetingType } from './meeting-type.js';
import { planType } from './plan-type.js';
import { scotlandAsnStatus } from './scotland-asn-status.js';
import { scotlandExclusionType } from './scotland-exclusion-type.js';
import { scotlandLegalReason } from './scotland-legal-reason.js';
import { scotlandPlacementType } from './scotland-placement-type.js';
import { scotlandStage } from './scotland-stage.js';
import { transitionType } from './transition-type.js';
import type { CodeList, Descriptor, Jurisdiction } from './types.js';

export { careStatus } from './care-status.js';
export { contactRole } from './contact-role.js';
export { educationSetting } from './education-setting.js';
export { englandExclusionType } from './england-exclusion-type.js';
export { englandLegalStatus } from './england-legal-status.js';
export { englandPlacementType } from './england-placement-type.js';
export { englandReasonEpisodeCeased } from './england-reason-episode-ceased.js';
export { englandReasonNewEpisode } from './england-reason-new-episode.js';
export { englandReasonPlacementChange } from './england-reason-placement-change.js';
export { englandSenProvision } from './england-sen-provision.js';
export { englandYearGroup } from './england-year-group.js';
export { fundingSource } from './funding-source.js';
export { meetingType } from './meeting-type.js';
export { planType } from './plan-type.js';
export { scotlandAsnStatus } from './scotland-asn-status.js';
export { scotlandExclusionType } from './scotland-exclusion-type.js';
export { scotlandLegalReason } from './scotland-legal-reason.js';
export { scotlandPlacementType } from './scotland-placement-type.js';
export { scotlandStage } from './scotland-stage.js';
export { transitionType } from './transition-type.js';
export type { CodeList, CodeListSource, Descriptor, Jurisdiction } from './types.js';

/**
 * Every code list, by id. Keys are computed from each list's own id so that the two cannot drift apart.
 */
export const codeLists = {
  [englandLegalStatus.id]: englandLegalStatus,
  [englandPlacementType.id]: englandPlacementType,
  [englandReasonPlacementChange.id]: englandReasonPlacementChange,
  [englandReasonNewEpisode.id]: englandReasonNewEpisode,
  [englandReasonEpisodeCeased.id]: englandReasonEpisodeCeased,
  [scotlandPlacementType.id]: scotlandPlacementType,
  [scotlandLegalReason.id]: scotlandLegalReason,
  [planType.id]: planType,
  [meetingType.id]: meetingType,
  [transitionType.id]: transitionType,
  [contactRole.id]: contactRole,
  [educationSetting.id]: educationSetting,
  [englandSenProvision.id]: englandSenProvision,
  [scotlandAsnStatus.id]: scotlandAsnStatus,
  [englandExclusionType.id]: englandExclusionType,
  [scotlandExclusionType.id]: scotlandExclusionType,
  [englandYearGroup.id]: englandYearGroup,
  [scotlandStage.id]: scotlandStage,
  [fundingSource.id]: fundingSource,
  [careStatus.id]: careStatus,
} as const satisfies Readonly<Record<string, CodeList>>;

export type CodeListId = keyof typeof codeLists;

/**
 * The descriptors of one list, as literal types. Intersected with Descriptor so that optional fields
 * (description, retired) can be read on every descriptor, not only on those that set them.
 */
export type DescriptorOf<Id extends CodeListId> = (typeof codeLists)[Id]['codes'][number] & Descriptor;

/** The codes of one list, as a union of string literals. */
export type CodeOf<Id extends CodeListId> = DescriptorOf<Id>['code'];

/** A readonly, non-empty tuple, the shape schema builders expect for an enumeration. */
export type CodeTuple<Id extends CodeListId> = readonly [CodeOf<Id>, ...CodeOf<Id>[]];

/**
 * Fields whose code list depends on the learner's jurisdiction. `null` means that nation publishes no code
 * list for the field (CELR found none for Scotland's reasons for a placement change), so the field is
 * free text there.
 */
export const jurisdictionListIds = {
  legalStatus: { england: 'england-legal-status', scotland: 'scotland-legal-reason' },
  placementType: { england: 'england-placement-type', scotland: 'scotland-placement-type' },
  reasonPlacementChange: { england: 'england-reason-placement-change', scotland: null },
  senOrAsn: { england: 'england-sen-provision', scotland: 'scotland-asn-status' },
  exclusionType: { england: 'england-exclusion-type', scotland: 'scotland-exclusion-type' },
  yearGroup: { england: 'england-year-group', scotland: 'scotland-stage' },
} as const satisfies Readonly<Record<string, Readonly<Record<Jurisdiction, CodeListId | null>>>>;

export type JurisdictionalField = keyof typeof jurisdictionListIds;

// Code lists are shared reference data: one consumer mutating a list would silently change validation for
// every other, so the lists are frozen once here rather than trusted to stay untouched.
for (const list of Object.values(codeLists) as readonly CodeList[]) {
  Object.freeze(list.source);
  for (const descriptor of list.codes) Object.freeze(descriptor);
  Object.freeze(list.codes);
  Object.freeze(list);
}
Object.freeze(codeLists);
for (const field of Object.values(jurisdictionListIds)) Object.freeze(field);
Object.freeze(jurisdictionListIds);

// Callers may be plain JavaScript or pass ids read from files, so an unknown id is reported by name
// rather than surfacing later as "cannot read properties of undefined".
function listById(listId: string): CodeList {
  if (!Object.hasOwn(codeLists, listId)) {
    throw new RangeError(
      `Unknown code list "${listId}"; expected one of: ${Object.keys(codeLists).join(', ')}`,
    );
  }
  return (codeLists as Readonly<Record<string, CodeList>>)[listId] as CodeList;
}

// Schema builders call codesOf once per field per schema; returning the same frozen tuple each time keeps
// the result cheap and safe to share.
const codeTupleCache = new Map<string, readonly string[]>();
const descriptorIndex = new Map<string, ReadonlyMap<string, Descriptor>>();

export interface CodesOfOptions {
  /**
   * Include retired codes. Defaults to true because stored and transferred records may carry codes
   * from earlier editions; pass false for pick-lists offered when writing new records.
   */
  includeRetired?: boolean | undefined;
}

/** The codes of a list, in published order, for building schemas and pick-lists. */
export function codesOf<Id extends CodeListId>(listId: Id, options: CodesOfOptions = {}): CodeTuple<Id> {
  const includeRetired = options.includeRetired ?? true;
  const cacheKey = `${listId}\u0000${includeRetired}`;
  let codes = codeTupleCache.get(cacheKey);
  if (codes === undefined) {
    const list = listById(listId);
    codes = Object.freeze(
      list.codes.filter((descriptor) => includeRetired || descriptor.retired !== true).map((d) => d.code),
    );
    if (codes.length === 0) throw new Error(`Code list "${listId}" has no current codes`);
    codeTupleCache.set(cacheKey, codes);
  }
  // The list's own `as const` type guarantees these literals; the cast only restores what filter/map widened.
  return codes as unknown as CodeTuple<Id>;
}

/**
 * The descriptor for a code in a list, or undefined when the list has no such code. Codes are matched
 * exactly (case-sensitive), as the returns that define them do.
 */
export function findDescriptor<Id extends CodeListId>(
  listId: Id,
  code: string,
): DescriptorOf<Id> | undefined {
  let index = descriptorIndex.get(listId);
  if (index === undefined) {
    index = new Map(listById(listId).codes.map((descriptor) => [descriptor.code, descriptor] as const));
    descriptorIndex.set(listId, index);
  }
  // Entries come from this list's own descriptors, whose literal type is DescriptorOf<Id>.
  return index.get(code) as DescriptorOf<Id> | undefined;
}
