import Type from 'typebox';
import { jurisdictionListIds } from '../code-lists/index.js';
import { CodeField, JurisdictionCodeField } from '../common/code.js';
import { AuthorityRef, SchoolRef } from '../common/organisation.js';
import { ActionItem } from '../common/parts.js';
import { IsoDate, type Jurisdiction, RecordId, Text } from '../common/primitives.js';

export const TRANSITION_STATUSES = ['planned', 'in-progress', 'completed', 'cancelled'] as const;

const Place = (j: Jurisdiction, description: string) =>
  Type.Object(
    {
      school: Type.Optional(SchoolRef),
      authority: Type.Optional(AuthorityRef),
      placementType: Type.Optional(
        JurisdictionCodeField(jurisdictionListIds.placementType, j, 'Placement type, for placement moves.'),
      ),
    },
    { additionalProperties: false, description },
  );

/**
 * SSDA903 codes the reason for a placement change; CLAS publishes no such list, so Scottish
 * transitions give the reason as free text only and have no `reasonCode`.
 */
function reasonCode(j: Jurisdiction) {
  const listId = jurisdictionListIds.reasonPlacementChange[j];
  if (!listId) return {} as Record<never, never>;
  return {
    reasonCode: Type.Optional(
      CodeField(listId, j, 'Reason for a placement change (England: SSDA903 REASON_PLACE_CHANGE).'),
    ),
  };
}

export const transitionFields = (j: Jurisdiction) => ({
  jurisdiction: Type.Literal(j, { description: 'The nation whose code lists apply.' }),
  learnerId: { ...RecordId, description: 'The learner who moves.' },
  type: CodeField(
    'transition-type',
    j,
    'In-year school move, phase transfer, placement move, move between authorities, leaving care.',
  ),
  status: Type.Enum(TRANSITION_STATUSES, {
    type: 'string',
    description: 'Planned, in progress, completed or cancelled.',
  }),
  from: Type.Optional(Place(j, 'Where the child moves from.')),
  to: Type.Optional(Place(j, 'Where the child moves to.')),
  plannedDate: Type.Optional(IsoDate('When the move is planned.')),
  actualDate: Type.Optional(IsoDate('When the move happened. Required once completed; never in the future.')),
  reason: Type.Optional(Text('Why the child moves.', 2000)),
  ...reasonCode(j),
  continuity: Type.Optional(
    Type.Object(
      {
        daysWithoutSchoolPlace: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 3650,
            description: 'School days the child had no school place.',
          }),
        ),
        newPlaceConfirmedOn: Type.Optional(IsoDate('When the new school place was confirmed.')),
        planPassedOn: Type.Optional(
          Type.Boolean({
            description: 'Whether the current plan was passed to the new school or authority.',
          }),
        ),
        recordsPassedOn: Type.Optional(
          Type.Boolean({ description: 'Whether the education record was passed on.' }),
        ),
      },
      {
        additionalProperties: false,
        description: 'Continuity of education across the move: how the move avoided drift.',
      },
    ),
  ),
  supportActions: Type.Optional(
    Type.Array(ActionItem(j), { maxItems: 100, description: 'Support for the move.' }),
  ),
});
