import type { EnrollmentResolvers } from '../types.generated.js';

export const Enrollment: EnrollmentResolvers = {
  id: (e) => e.state.enrollmentId,
  state: (e) => e.state.status,
  node: (e) => e.state.node,
  path: (e) => e.state.path,
  waitingUntil: (e) => e.state.waitingUntil ?? null,
  enteredAt: (e) => e.state.enteredAt,
  endedAt: (e) => e.state.endedAt ?? null,
  endReason: (e) => e.state.endReason ?? null,
  convertedAt: (e) => e.state.convertedAt ?? null,
};
