import { enrollmentsOfUser } from '../../../core/journeyEngine/store/enrollments.js';
import { isPlausibleId, requireScope } from '../../context.js';
import type { UserResolvers } from '../types.generated.js';

export const User: UserResolvers = {
  // The profiles subgraph owns users; here a reference is all there is, and `enrollments` reads by its id.
  __resolveReference: (ref) => ref,
  enrollments: async (u, _, ctx) => {
    requireScope(ctx, 'profiles:read');
    if (!isPlausibleId(u.id)) return [];
    const all = await enrollmentsOfUser(ctx.tables.enrollments, u.id);
    return all.sort((a, b) => b.state.enteredAt.localeCompare(a.state.enteredAt));
  },
};
