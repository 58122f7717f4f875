import { countMembers, membershipKey } from '../../../core/store/memberships.js';
import { countOnce, decodeCursor, pageSize, requireScope } from '../../context.js';
import type { SegmentResolvers } from '../types.generated.js';
import { usersPage } from '../users.js';

export const Segment: SegmentResolvers = {
  size: (s, _, ctx) => countOnce(ctx, `members:${membershipKey.segment(s.id)}`, () => countMembers(ctx.tables.memberships, membershipKey.segment(s.id))),
  members: (s, args, ctx, info) => {
    requireScope(ctx, 'profiles:read');
    return usersPage(ctx, membershipKey.segment(s.id), pageSize(args.first), decodeCursor(args.after), info);
  },
};
